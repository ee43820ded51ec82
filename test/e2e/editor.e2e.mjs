// End-to-end test in a real VS Code: installs the built VSIX into code-server, drives it with
// playwright-core and Debian's chromium, and for each case opens a broken example, waits for the
// Problems view to show the finding with its rule id, applies the quick fix, waits for the finding
// to clear and checks the fix reached the file on disk (and, where a case asks, that a hover shows
// the hidden GS state). Then opens the walkthrough.
// Run: node test/e2e/editor.e2e.mjs   (from .ci/run after npm test; not part of vitest)
// Screenshots and logs go to test-results/e2e/. Every wait is on a condition, never a fixed sleep.
//
// Environment (all optional):
//   SWAPGS_LAB_VSIX      the VSIX to install (default: ./swapgs-lab-<version>.vsix, built if missing)
//   E2E_EXAMPLE          run one case: the broken example to open (instead of the CASES below)
//   E2E_RULE             ... the rule id the Problems view must show
//   E2E_FIX              ... a regex for the quick fix title to apply
//   E2E_INSERTED         ... a regex every line the fix adds must match
//   E2E_STAGE            "language" stops after checking the language mode (set-up debugging)
//   CHROMIUM             the browser binary (default /usr/bin/chromium)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const results = path.join(root, 'test-results', 'e2e');
/** Each case: a broken lesson, the finding it must show, the quick fix and what the fix adds. */
const CASES = process.env.E2E_EXAMPLE
  ? [{ example: process.env.E2E_EXAMPLE, rule: process.env.E2E_RULE ?? '', fix: new RegExp(process.env.E2E_FIX ?? '.', 'i'), inserted: new RegExp(process.env.E2E_INSERTED ?? '.') }]
  : [
    // The hover on line 86 (`mov [gs:percpu.user_rsp], rsp`) must name the active GS base.
    { example: 'examples/lesson1-syscall-broken.asm', rule: 'gs-kernel-base-on-exit', fix: /insert swapgs/i, inserted: /^\s*swapgs\s*$/, hover: { at: '86:6', text: /GS base.*kernel/ } },
    { example: 'examples/lesson4-speculation-broken.asm', rule: 'swapgs-speculation', fix: /insert lfence/i, inserted: /^\s*lfence\s*$/ },
  ];
const stage = process.env.E2E_STAGE ?? 'all';
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const started = Date.now();

const log = (msg) => console.log(`[e2e +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

/** Runs a step; on failure the caller's finally block still collects screenshots and logs. */
async function step(name, fn) {
  log(name);
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function codeServerDir() {
  const r = spawnSync('bash', [path.join(root, 'test/e2e/setup.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`test/e2e/setup.sh failed (exit ${r.status})`);
  const dir = r.stdout.trim().split('\n').pop();
  if (!dir || !existsSync(path.join(dir, 'out/node/entry.js'))) throw new Error(`setup.sh gave no code-server directory: ${r.stdout}`);
  return dir;
}

function vsixPath() {
  if (process.env.SWAPGS_LAB_VSIX) return path.resolve(process.env.SWAPGS_LAB_VSIX);
  const { name, version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const vsix = path.join(root, `${name}-${version}.vsix`);
  if (!existsSync(vsix)) {
    const r = spawnSync('npm', ['run', 'package'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(vsix)) throw new Error('npm run package did not produce ' + vsix);
  }
  return vsix;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts code-server and resolves once it logs that it listens; rejects if it exits first. */
function startServer(cs, dirs, port, logFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(cs, 'out/node/entry.js'),
      '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--config', dirs.config, '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions, dirs.workspace], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`no "listening" line within 90 s:\n${output}`)); }, 90_000);
    const onData = (chunk) => {
      output += chunk;
      writeFileSync(logFile, output);
      if (/HTTP server listening on/.test(output)) { clearTimeout(timer); resolve(child); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited with ${code}:\n${output}`)); });
  });
}

async function withRetries(what, attempts, fn) {
  let last;
  for (let i = 1; i <= attempts; i++) {
    try {
      return await fn(i);
    } catch (err) {
      last = err;
      log(`${what} failed (attempt ${i}/${attempts}): ${err instanceof Error ? err.message.split('\n')[0] : err}`);
    }
  }
  throw last;
}

/** Opens one broken example, waits for its finding, applies the quick fix, checks the result. */
async function checkCase(page, c, n, dirs) {
  const { rule, fix } = c;
  const exampleName = path.basename(c.example);
  await step(`open ${exampleName} with Quick Open`, async () => {
    await withRetries('quick open', 3, async () => {
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } });
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill(exampleName);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: exampleName }).first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter');
      await page.locator(`.tabs-container .tab[aria-label*="${exampleName}"]`).first().waitFor({ timeout: 30_000 });
    });
    await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
  });

  await step('check the language mode is NASM (the extension\'s language contribution)', async () => {
    const mode = page.locator('[id="status.editor.mode"]');
    await mode.waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => /NASM/.test(document.getElementById('status.editor.mode')?.textContent ?? ''), null, { timeout: 30_000 });
    log(`language mode: ${(await mode.textContent())?.trim()}`);
  });
  await page.screenshot({ path: path.join(results, `${n}-1-open.png`) });
  if (stage === 'language') return;

  const problemRow = page.locator('.markers-panel .monaco-list-row', { hasText: rule });
  await step(`wait for the Problems view to show ${rule}`, async () => {
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').first().waitFor({ timeout: 30_000 });
    await problemRow.first().waitFor({ timeout: 120_000 });
    log(`problem: ${(await problemRow.first().textContent())?.trim()}`);
  });
  await page.screenshot({ path: path.join(results, `${n}-2-problem-shown.png`) });

  await step('apply the quick fix', async () => {
    // Opening the problem puts the cursor on the finding; Ctrl+. lists the code actions there.
    await problemRow.first().click();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor.focused').first().waitFor({ timeout: 15_000 });
    const widget = page.locator('.action-widget');
    await withRetries('quick fix menu', 3, async () => {
      await page.keyboard.press('Control+.');
      await widget.first().waitFor({ state: 'visible', timeout: 15_000 });
      const titles = (await page.locator('.action-widget .monaco-list-row.action').allTextContents()).map((t) => t.trim());
      log(`code actions: ${titles.join(' | ')}`);
      const index = titles.findIndex((t) => fix.test(t) && !/disable|suppress/i.test(t));
      if (index < 0) { await page.keyboard.press('Escape'); throw new Error(`no quick fix matching ${fix}`); }
      await page.screenshot({ path: path.join(results, `${n}-3-quick-fix-menu.png`) });
      // The menu opens with its first action focused; the keyboard picks ours (clicks race the
      // menu's own layout animation).
      for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
      await page.locator('.action-widget .monaco-list-row.action.focused', { hasText: titles[index] }).waitFor({ timeout: 5_000 });
      await page.keyboard.press('Enter');
      await widget.first().waitFor({ state: 'hidden', timeout: 15_000 });
    });
  });

  await step(`wait for ${rule} to clear`, async () => {
    await problemRow.first().waitFor({ state: 'detached', timeout: 120_000 });
    await page.locator('.markers-panel', { hasText: 'No problems have been detected' }).first().waitFor({ timeout: 60_000 });
  });
  await step('save, and check the fix is in the file on disk', async () => {
    // VS Code may already have saved it (files.refactoring.autoSave); saving again is harmless.
    await page.locator('.monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+S');
    const dirtyTab = page.locator(`.tabs-container .tab.dirty[aria-label*="${exampleName}"]`);
    await dirtyTab.waitFor({ state: 'detached', timeout: 30_000 });
    const before = readFileSync(path.join(root, c.example), 'utf8');
    const saved = path.join(dirs.workspace, exampleName);
    // A clean tab means the save was sent; poll the disk (bounded) until the write has landed:
    // the fix adds lines, and two reads in a row agree (a read can catch a file mid-write).
    const addedLines = (text) => {
      const pool = new Map();
      for (const l of before.split('\n')) pool.set(l, (pool.get(l) ?? 0) + 1);
      return text.split('\n').filter((l) => {
        const left = pool.get(l) ?? 0;
        if (left > 0) { pool.set(l, left - 1); return false; }
        return true;
      });
    };
    const deadline = Date.now() + 30_000;
    let after = readFileSync(saved, 'utf8');
    for (;;) {
      if (after.length > before.length && addedLines(after).length > 0) {
        const again = readFileSync(saved, 'utf8');
        if (again === after) break;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
      after = readFileSync(saved, 'utf8');
    }
    if (after === before) throw new Error('the saved file is unchanged');
    // The lines the fix added (a multiset difference), each of which must be what the fix promises.
    const added = addedLines(after);
    if (added.length === 0 || !added.every((l) => c.inserted.test(l))) {
      throw new Error(`the fix added ${JSON.stringify(added)}, expected lines matching ${c.inserted}`);
    }
    log(`the quick fix added ${JSON.stringify(added.map((l) => l.trim()))} to ${exampleName}`);
  });
  await page.screenshot({ path: path.join(results, `${n}-4-fixed.png`) });

  if (c.hover) {
    await step(`hover at ${c.hover.at} shows the hidden state`, async () => {
      await page.locator('.monaco-editor textarea').first().focus();
      // Quick Open with a ':' prefix goes to line:column.
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill(`:${c.hover.at}`);
      await page.locator('.quick-input-widget', { hasText: /line/i }).first().waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
      await input.waitFor({ state: 'hidden', timeout: 15_000 });
      const hover = page.locator('.monaco-hover', { hasText: c.hover.text });
      await withRetries('hover', 3, async () => {
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        await hover.first().waitFor({ state: 'visible', timeout: 15_000 });
      });
      log(`hover: ${(await hover.first().textContent())?.trim().slice(0, 160)}`);
      await page.screenshot({ path: path.join(results, `${n}-5-hover.png`) });
      await page.keyboard.press('Escape');
    });
  }
}

async function main() {
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  const cs = await step('set up code-server (cached after the first run)', () => codeServerDir());
  const vsix = await step('find or build the VSIX', () => vsixPath());
  log(`VSIX ${path.relative(root, vsix)}`);

  const tmp = mkdtempSync(path.join(tmpdir(), 'swapgs-lab-e2e-'));
  const dirs = {
    userData: path.join(tmp, 'user-data'),
    extensions: path.join(tmp, 'extensions'),
    workspace: path.join(tmp, 'workspace'),
    config: path.join(tmp, 'config.yaml'),
  };
  mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  mkdirSync(dirs.workspace, { recursive: true });
  writeFileSync(dirs.config, 'auth: none\n');
  writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'editor.quickSuggestions': { other: false, comments: false, strings: false },
    'problems.autoReveal': true,
  }, null, 2));
  for (const c of CASES) cpSync(path.join(root, c.example), path.join(dirs.workspace, path.basename(c.example)));

  let server;
  let browser;
  let page;
  let ok = false;
  try {
    await step('install the VSIX into code-server', () => {
      const r = spawnSync(process.execPath, [path.join(cs, 'out/node/entry.js'), '--user-data-dir', dirs.userData,
        '--extensions-dir', dirs.extensions, '--install-extension', vsix], { encoding: 'utf8', timeout: 120_000 });
      writeFileSync(path.join(results, 'install.log'), `${r.stdout}${r.stderr}`);
      if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
        throw new Error(`--install-extension failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
      }
    });

    const port = await step('start code-server', () => withRetries('start', 3, async () => {
      const p = await freePort();
      server = await startServer(cs, dirs, p, path.join(results, 'code-server.log'));
      return p;
    }));

    browser = await step('launch chromium', () => withRetries('launch', 3, () => chromium.launch({
      executablePath: browserPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
        '--disable-component-update', '--disable-default-apps', '--disable-sync', '--no-first-run',
        '--metrics-recording-only', '--disable-features=Translate,MediaRouter'],
    })));
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

    await step('open the workbench', () => withRetries('load', 3, async () => {
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
      await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
    }));
    await page.screenshot({ path: path.join(results, '1-workbench.png') });

    for (const [i, c] of CASES.entries()) {
      await checkCase(page, c, i + 1, dirs);
      if (stage === 'language') { ok = true; log('PASS (language stage only)'); return; }
    }

    await step('F5 runs the open file in the emulator, stopped on entry, with the GS state in Variables', async () => {
      // The editor still shows the first (now fixed) example; F5 needs no launch.json.
      const first = path.basename(CASES[0].example);
      await page.locator(`.tabs-container .tab[aria-label*="${first}"]`).first().click();
      await page.locator('.monaco-editor textarea').first().focus();
      await page.keyboard.press('F5');
      const registersScope = page.locator('.debug-view-content .monaco-list-row', { hasText: /^\s*Registers\s*$/ });
      await registersScope.first().waitFor({ timeout: 60_000 });
      await page.locator('.debug-toolbar').first().waitFor({ timeout: 30_000 });
      // The first scope opens expanded and its rows push the others out of the (virtual) list.
      await registersScope.first().click();
      const gsScope = page.locator('.debug-view-content .monaco-list-row', { hasText: /^\s*GS state\s*$/ });
      await gsScope.first().waitFor({ timeout: 30_000 });
      await gsScope.first().click(); // expand it
      const row = page.locator('.debug-view-content .monaco-list-row', { hasText: /gs\.base/i });
      await row.first().waitFor({ timeout: 30_000 });
      log(`variables: ${(await page.locator('.debug-view-content .monaco-list-row').allTextContents()).slice(0, 8).map((t) => t.trim()).join(' | ')}`);
      await page.screenshot({ path: path.join(results, '7-debugger.png') });
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').first().waitFor({ state: 'hidden', timeout: 30_000 });
    });

    await step('open the walkthrough from the command palette', async () => {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill('>Welcome: Open Walkthrough');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Walkthrough' }).first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter');
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with SwapGS Lab' });
      await row.first().waitFor({ timeout: 30_000 });
      await row.first().click();
      await page.locator('.gettingStartedContainer', { hasText: 'Find a missing swapgs' }).first().waitFor({ timeout: 30_000 });
    });
    await page.screenshot({ path: path.join(results, '6-walkthrough.png') });
    if (consoleErrors.length) writeFileSync(path.join(results, 'browser-console-errors.log'), consoleErrors.join('\n'));
    ok = true;
    log('PASS');
  } finally {
    if (page && !ok) await page.screenshot({ path: path.join(results, 'failure.png') }).catch(() => {});
    await browser?.close().catch(() => {});
    if (server && server.exitCode === null) server.kill();
    // Keep the extension host logs (the language client's output lands there) with the screenshots.
    if (existsSync(path.join(dirs.userData, 'logs'))) cpSync(path.join(dirs.userData, 'logs'), path.join(results, 'vscode-logs'), { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`[e2e] FAIL: ${err instanceof Error ? err.message : err}`);
  console.error(`[e2e] screenshots and logs: ${path.relative(process.cwd(), results)}`);
  process.exit(1);
});
