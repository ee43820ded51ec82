#!/usr/bin/env node
// The `swapgs-lab-debug-adapter` program: the DAP session over stdin/stdout.

import { DebugSession } from '@vscode/debugadapter';
import { SwapgsLabSession } from './session';

DebugSession.run(SwapgsLabSession);
