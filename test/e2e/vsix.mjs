#!/usr/bin/env node
// The packaged extension works: `vsce package` (as `npm run package` runs it) into a temporary
// folder, check the .vsix's file list (the runtime is in, sources/tests/node_modules are out),
// install it into a fresh code-server with --install-extension, open a Guix file in the workbench
// and wait for pola's code lens. Exits 0 only if all of that holds.
//
//   node test/e2e/vsix.mjs                 # package the current build (out/ must exist)
//   POLA_E2E_VSIX=pola.vsix node test/e2e/vsix.mjs   # test an existing .vsix instead
//
// Environment: POLA_E2E_TOOLS, POLA_E2E_CHROMIUM, POLA_E2E_KEEP, POLA_E2E_VERBOSE as the other
// runners; POLA_E2E_VSIX_TIMEOUT (seconds, default 150).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import {
  ensureTools,
  extensionLogs,
  installExtension,
  keep,
  launchBrowser,
  loadChromium,
  logger,
  newPage,
  openWorkbench,
  prepareRun,
  quickOpen,
  repo,
  screenshotDir,
  startCodeServer,
  tail,
  workbenchUrl,
} from './lib/workbench.mjs';

const { say, fail, elapsed } = logger('vsix');
const timeoutS = Number(process.env.POLA_E2E_VSIX_TIMEOUT || 150);
const LENS = 'runs as root · unconfined · 5 root ops (5 unsafe)';

let r;
let cs;
let browser;
let page;
let finished = false;

async function finish(code, reason) {
  if (finished) return;
  finished = true;
  clearTimeout(hardTimer);
  if (code !== 0) {
    fail(reason);
    if (page) {
      const file = path.join(screenshotDir, `failure-vsix-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
      await page.screenshot({ path: file, timeout: 10_000 }).then(
        () => console.error(`[vsix] screenshot of the workbench: ${path.relative(process.cwd(), file)}`),
        () => {},
      );
    }
    if (r) {
      console.error(`[vsix] last lines of code-server's log:\n${tail(r.serverLog, 15)}`);
      for (const f of extensionLogs(r)) console.error(`[vsix] last lines of ${f}:\n${tail(f, 20)}`);
    }
  }
  if (browser) await browser.close().catch(() => {});
  if (cs) await cs.stop();
  if (r) {
    if (keep || code !== 0) console.error(`[vsix] run folder kept: ${r.run}`);
    else fs.rmSync(r.run, { recursive: true, force: true });
  }
  if (code === 0) say(`PASSED (${reason})`);
  process.exit(code);
}
const hardTimer = setTimeout(() => finish(1, `hard timeout: more than ${timeoutS} s (POLA_E2E_VSIX_TIMEOUT)`), timeoutS * 1000);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(130, `interrupted by ${sig}`));

/** The entry names of a zip file, from its central directory (no unzip needed). */
export function zipEntries(file) {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    entries.push({ name: buf.toString('utf8', at + 46, at + 46 + nameLength), size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** `vsce package` exactly as `npm run package` runs it (package.json's script), into `out`. */
function packageVsix(out) {
  const script = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).scripts.package;
  const m = /vsce (package[^&|;]*?)(?:\s+-o\s+\S+)?\s*$/.exec(script);
  check(m, `the package script does not run vsce package: ${script}`);
  const vsce = createRequire(path.join(repo, 'package.json')).resolve('@vscode/vsce/vsce');
  const args = [vsce, ...m[1].trim().split(/\s+/), '-o', out];
  say(`vsce ${args.slice(1).join(' ')}`);
  const res = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  if (res.status !== 0) throw new Error(`vsce package failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
}

/** What must be in the .vsix, and what must not. */
function checkContents(vsix) {
  const entries = zipEntries(vsix);
  const names = entries.map((e) => e.name);
  const inExt = new Set(names.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length)));
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  const required = [
    'package.json',
    'out/client.js',
    'out/server.js',
    'out/wasm/web-tree-sitter.wasm',
    'out/wasm/tree-sitter-scheme.wasm',
    'out/wasm/tree-sitter-nix.wasm',
    'syntaxes/guix-scheme.tmLanguage.json',
    'syntaxes/nix.tmLanguage.json',
    'snippets/guix.json',
    'snippets/nix.json',
    'readme.md',
  ];
  // every file package.json points at
  const rel = (p) => path.posix.normalize(p.replace(/^\.\//, ''));
  required.push(rel(pkg.main) + (pkg.main.endsWith('.js') ? '' : '.js'));
  for (const g of pkg.contributes.grammars ?? []) required.push(rel(g.path));
  for (const s of pkg.contributes.snippets ?? []) required.push(rel(s.path));
  for (const l of pkg.contributes.languages ?? []) if (l.configuration) required.push(rel(l.configuration));
  // the rule docs the diagnostics link to
  const docs = path.join(repo, 'docs/rules');
  if (fs.existsSync(docs)) {
    const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of walk(docs)) if (f.endsWith('.md')) required.push(path.relative(repo, f).split(path.sep).join('/'));
  }
  const missing = [...new Set(required)].filter((f) => !inExt.has(f) && !inExt.has(f.toLowerCase()));
  check(missing.length === 0, `missing from the .vsix: ${missing.join(', ')}`);
  check([...inExt].some((n) => /^license(\.txt|\.md)?$/i.test(n)), 'no LICENSE in the .vsix');
  check([...inExt].filter((n) => n.startsWith('out/wasm/') && n.endsWith('.wasm')).length === 3, 'out/wasm/ should hold exactly 3 .wasm files');
  const forbidden = [...inExt].filter((n) =>
    /(^|\/)node_modules\/|^(test|build|bench|scripts|grammars|examples|server|client)\/|\.map$|\.ts$|^out\/cli\.js$|tsconfig|\.vsix$/.test(n),
  );
  check(forbidden.length === 0, `the .vsix must not contain: ${forbidden.join(', ')}`);
  return entries;
}

async function main() {
  ensureTools();
  const chromium = await loadChromium();
  r = prepareRun('pola-vsix', { 'editor.stickyScroll.enabled': false });
  let vsix = process.env.POLA_E2E_VSIX ? path.resolve(process.env.POLA_E2E_VSIX) : path.join(r.run, 'pola.vsix');
  if (!process.env.POLA_E2E_VSIX) {
    check(fs.existsSync(path.join(repo, 'out/client.js')), 'out/client.js is missing: run `npm run build` first');
    packageVsix(vsix);
  }
  const entries = checkContents(vsix);
  const size = fs.statSync(vsix).size;
  say(`${path.basename(vsix)}: ${(size / 1024).toFixed(0)} KiB, ${entries.length} entries:`);
  for (const e of entries) if (e.name.startsWith('extension/')) console.log(`    ${e.name.slice('extension/'.length).padEnd(58)} ${(e.size / 1024).toFixed(1).padStart(8)} KiB`);

  const installed = installExtension(r, vsix);
  say(`installed: ${installed.split('\n').filter((l) => /install/i.test(l)).join(' ') || installed}`);
  const dirs = fs.readdirSync(r.extensionsDir).filter((d) => d.startsWith('pola.pola-'));
  check(dirs.length === 1, `pola is not in the extensions folder: ${fs.readdirSync(r.extensionsDir).join(', ')}`);
  check(fs.existsSync(path.join(r.extensionsDir, dirs[0], 'out/server.js')), 'the installed extension has no out/server.js');

  cs = await startCodeServer(r, { onExit: (m) => finish(1, m) });
  say(`code-server is up on ${cs.authority} (no development extension: only the installed .vsix)`);
  browser = await launchBrowser(chromium, r);
  browser.on('disconnected', () => finish(1, 'Chromium exited'));
  page = await newPage(browser, r, (m) => finish(1, m));
  await openWorkbench(page, workbenchUrl(cs.authority, r.workspace));
  say('workbench ready');
  await quickOpen(page, 'guix/pastebin.scm');
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').fill(':59');
  await page.keyboard.press('Enter');
  await page.locator('.codelens-decoration a', { hasText: LENS }).first().waitFor({ timeout: 45_000 });
  await page.locator('.squiggly-error').first().waitFor({ timeout: 15_000 });
  const tokens = await page.evaluate(() => [...document.querySelectorAll('.view-line span span')].map((s) => s.textContent));
  check(tokens.includes('#:log-file'), 'the installed grammar does not tokenize #:log-file');
  const file = path.join(screenshotDir, 'vsix-lens.png');
  await page.screenshot({ path: file, timeout: 15_000 });
  say(`lens "${LENS}" shown by the installed extension → ${path.relative(repo, file)}`);
  return `${(size / 1024).toFixed(0)} KiB .vsix installed and working in ${elapsed()}`;
}

main().then(
  (summary) => finish(0, summary),
  (err) => finish(1, err.stack || err.message),
);
