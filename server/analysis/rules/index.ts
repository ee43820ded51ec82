// Every rule of the analysis, in the order of the rule table.

import type { Rule } from './rule';
import { rule as gsKernelBaseOnExit } from './gs-kernel-base-on-exit';
import { rule as gsUserBaseOnKernelReturn } from './gs-user-base-on-kernel-return';
import { rule as gsUserBaseInKernel } from './gs-user-base-in-kernel';
import { rule as gsStateConflict } from './gs-state-conflict';
import { rule as swapgsWithoutCplCheck } from './swapgs-without-cpl-check';
import { rule as swapgsSpeculation } from './swapgs-speculation';
import { rule as stackBeforeKernelRsp } from './stack-before-kernel-rsp';
import { rule as userRspNotSaved } from './user-rsp-not-saved';
import { rule as userRspNotRestored } from './user-rsp-not-restored';
import { rule as userRspInGlobal } from './user-rsp-in-global';
import { rule as interruptsEnabledWithUserGs } from './interrupts-enabled-with-user-gs';
import { rule as sfmaskAllowsInterrupts } from './sfmask-allows-interrupts';
import { rule as kernelGsBaseNeverSet } from './kernel-gs-base-never-set';
import { rule as sysret32bit } from './sysret-32bit';
import { rule as sysretRcxUnchecked } from './sysret-rcx-unchecked';
import { rule as privilegedInUserCode } from './privileged-in-user-code';
import { rule as gsSelectorLoad } from './gs-selector-load';
import { rule as fsgsbaseNotEnabled } from './fsgsbase-not-enabled';

export const ALL_RULES: readonly Rule[] = [
  gsKernelBaseOnExit,
  gsUserBaseOnKernelReturn,
  gsUserBaseInKernel,
  gsStateConflict,
  swapgsWithoutCplCheck,
  swapgsSpeculation,
  stackBeforeKernelRsp,
  userRspNotSaved,
  userRspNotRestored,
  userRspInGlobal,
  interruptsEnabledWithUserGs,
  sfmaskAllowsInterrupts,
  kernelGsBaseNeverSet,
  sysret32bit,
  sysretRcxUnchecked,
  privilegedInUserCode,
  gsSelectorLoad,
  fsgsbaseNotEnabled,
];
