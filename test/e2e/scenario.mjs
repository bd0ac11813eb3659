#!/usr/bin/env node
// A person using pola in VS Code, driven with Playwright in code-server's web workbench: open a
// Guix file with Control+P, read the code lens, hover a service, open the quick-fix menu with
// Control+. on a squiggle and apply a fix, open the privilege report by clicking a lens, follow a
// line link in the report. Every step asserts on the DOM and saves a screenshot to
// test/e2e/screenshots/scenario-NN-*.png. Exits 0 only if every step passed.
//
// Environment: as run-code-server.mjs (POLA_E2E_TOOLS, POLA_E2E_CHROMIUM, POLA_E2E_KEEP,
// POLA_E2E_VERBOSE, POLA_E2E_EXTENSION_PATH), POLA_E2E_SCENARIO_TIMEOUT (seconds, default 180),
// and POLA_E2E_UPDATE_DOCS_IMAGE=1 to copy the report screenshot to docs/images/editor.png (the
// README's picture).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  boxOfText,
  ensureTools,
  extensionLogs,
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
  visibleEditorText,
  workbenchUrl,
} from './lib/workbench.mjs';

const { say, fail, elapsed } = logger('scenario');
const extensionPath = path.resolve(process.env.POLA_E2E_EXTENSION_PATH || repo);
const timeoutS = Number(process.env.POLA_E2E_SCENARIO_TIMEOUT || 180);

const FILE = 'guix/pastebin.scm';
const LENS_SERVICE_TYPE = 'runs as root · unconfined · 5 root ops (5 unsafe)';
const LENS_SHEPHERD = 'runs as root · unconfined';
const FIX = 'Run as the pastebin account (#:user/#:group)';

let r;
let cs;
let browser;
let page;
let finished = false;
let stepNo = 0;

async function finish(code, reason) {
  if (finished) return;
  finished = true;
  clearTimeout(hardTimer);
  if (code !== 0) {
    fail(reason);
    if (page) {
      const file = path.join(screenshotDir, `failure-scenario-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
      await page.screenshot({ path: file, timeout: 10_000 }).then(
        () => console.error(`[scenario] screenshot of the workbench: ${path.relative(process.cwd(), file)}`),
        (err) => console.error(`[scenario] could not take a screenshot: ${err.message}`),
      );
    }
    if (r) {
      console.error(`[scenario] last lines of code-server's log:\n${tail(r.serverLog, 15)}`);
      for (const f of extensionLogs(r)) console.error(`[scenario] last lines of ${f}:\n${tail(f, 20)}`);
    }
  }
  if (browser) await browser.close().catch(() => {});
  if (cs) await cs.stop();
  if (r) {
    if (keep || code !== 0) console.error(`[scenario] run folder kept: ${r.run}`);
    else fs.rmSync(r.run, { recursive: true, force: true });
  }
  if (code === 0) say(`PASSED (${reason})`);
  process.exit(code);
}
const hardTimer = setTimeout(() => finish(1, `hard timeout: the scenario took more than ${timeoutS} s (POLA_E2E_SCENARIO_TIMEOUT)`), timeoutS * 1000);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(130, `interrupted by ${sig}`));

/** One step of the scenario: run it, then save a screenshot named after it. */
async function step(name, fn) {
  stepNo++;
  const id = `scenario-${String(stepNo).padStart(2, '0')}-${name}`;
  const t = Date.now();
  try {
    await fn();
  } catch (err) {
    throw new Error(`step ${stepNo} (${name}): ${err.message}`);
  }
  const file = path.join(screenshotDir, `${id}.png`);
  await page.screenshot({ path: file, timeout: 15_000 });
  say(`✔ ${name} (${((Date.now() - t) / 1000).toFixed(1)}s) → ${path.relative(repo, file)}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const lens = (text) => page.locator('.codelens-decoration a', { hasText: text });

/** Control+G, the line number, Enter: the cursor moves there and the line is revealed. */
async function goToLine(line) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

async function statusBarText() {
  return page.evaluate(() =>
    [...document.querySelectorAll('.statusbar-item')].map((e) => (e.textContent ?? '').trim()).find((t) => /\bpola\b/.test(t)) ?? '',
  );
}

async function cursorLine() {
  const text = (await page.locator('.statusbar-item[id="status.editor.selection"]').textContent({ timeout: 5_000 })) ?? '';
  const m = /Ln (\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

async function waitUntil(what, check, ms = 15_000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await page.waitForTimeout(200);
  }
}

/** The report webview's document text (the webview is an iframe inside an iframe). */
async function reportText() {
  for (const frame of page.frames()) {
    const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
    if (text.includes('pola privilege report')) return { frame, text };
  }
  return undefined;
}

async function main() {
  ensureTools();
  const chromium = await loadChromium();
  r = prepareRun('pola-scenario', { 'editor.stickyScroll.enabled': false });
  say(`run folder ${r.run}`);
  cs = await startCodeServer(r, {
    extraArgs: ['--vscode-option', 'enable-smoke-test-driver'], // honours the payload (extension development host)
    onExit: (m) => finish(1, m),
  });
  say(`code-server is up on ${cs.authority}`);
  browser = await launchBrowser(chromium, r);
  browser.on('disconnected', () => finish(1, 'Chromium exited during the scenario'));
  page = await newPage(browser, r, (m) => finish(1, m));
  const payload = [
    ['extensionDevelopmentPath', cs.remote(extensionPath)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  await openWorkbench(page, workbenchUrl(cs.authority, r.workspace, payload));
  say('workbench ready');

  await step('lens-and-squiggles', async () => {
    await quickOpen(page, FILE);
    await page.locator('.squiggly-warning').first().waitFor({ timeout: 30_000 }); // the secret on line 20
    // the TextMate grammar is active: a keyword and a record definer are tokens of their own
    const tokens = await page.evaluate(() => [...document.querySelectorAll('.view-line span span')].map((s) => s.textContent));
    for (const t of ['#:use-module', 'define-record-type*']) check(tokens.includes(t), `"${t}" is not a token of its own: is the grammar loaded?`);
    // reveal the activation code, the shepherd service and the service type (lenses render on screen only)
    await goToLine(59);
    await lens(LENS_SERVICE_TYPE).first().waitFor({ timeout: 30_000 });
    await page.locator('.squiggly-error').first().waitFor({ timeout: 15_000 });
    const lenses = await page.locator('.codelens-decoration a').allTextContents();
    check(lenses.includes(LENS_SERVICE_TYPE), `lens "${LENS_SERVICE_TYPE}" not among ${JSON.stringify(lenses)}`);
    check(lenses.includes(LENS_SHEPHERD), `lens "${LENS_SHEPHERD}" not among ${JSON.stringify(lenses)}`);
    const squiggles = await page.locator('.squiggly-error').count();
    check(squiggles >= 3, `${squiggles} error squiggles on screen, expected the root-run operations' and the log file's`);
    const status = await waitUntil('the status bar to count unsafe services', async () => {
      const s = await statusBarText();
      return /pola: \d+ unsafe/.test(s) ? s : undefined;
    });
    say(`  status bar: "${status}"; lenses: ${JSON.stringify(lenses)}`);
  });

  await step('hover', async () => {
    const box = await boxOfText(page, '(list (shepherd-service');
    check(box, '"(list (shepherd-service" is not on screen');
    await page.mouse.move(box.x + box.width - 30, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'Principal' });
    await hover.first().waitFor({ timeout: 15_000 });
    const text = await hover.first().innerText();
    check(/shepherd-service\s+pastebin/.test(text), `the hover does not name the service: ${text}`);
    check(/Principal\s+runs as root/.test(text), `the hover does not show the principal: ${text}`);
  });

  await step('report', async () => {
    await page.keyboard.press('Control+B'); // hide the side bar: room for the editor and the report
    await page.locator('.part.sidebar').waitFor({ state: 'hidden', timeout: 5_000 });
    await page.locator('.codelens-decoration a', { hasText: /root ops/ }).first().click();
    await page.locator('.tab', { hasText: 'pola: pastebin' }).first().waitFor({ timeout: 15_000 });
    await page.locator('iframe.webview').first().waitFor({ state: 'attached', timeout: 15_000 });
    const report = await waitUntil('the report to render in the webview', reportText, 20_000);
    check(report.text.includes('Root-run operations'), `the service report has no root-run operations table:\n${report.text.slice(0, 500)}`);
    check(/service-type\s+pastebin/.test(report.text), `the report is not the service type's:\n${report.text.slice(0, 300)}`);
    check(report.text.includes(LENS_SERVICE_TYPE), `the report does not repeat the lens:\n${report.text.slice(0, 300)}`);
  });

  await step('report-link-reveals-line', async () => {
    const report = await reportText();
    check(report, 'the report is gone');
    const link = report.frame.locator('a[href^="command:pola.revealLine"]', { hasText: /^line \d+$/ }).nth(1);
    const label = await link.innerText();
    const line = Number(/\d+/.exec(label)[0]);
    await link.click();
    await waitUntil(`the cursor to move to line ${line} (status bar: Ln ${await cursorLine()})`, async () => (await cursorLine()) === line, 10_000);
  });
  await step('quick-fix-menu', async () => {
    await page.mouse.move(10, 10);
    await goToLine(59);
    const box = await boxOfText(page, 'make-forkexec-constructor');
    check(box, '"make-forkexec-constructor" is not on screen');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.press('Control+.');
    const rows = page.locator('.action-widget .monaco-list-row');
    await rows.first().waitFor({ timeout: 15_000 });
    const titles = (await rows.allInnerTexts()).map((t) => t.trim());
    say(`  actions: ${JSON.stringify(titles)}`);
    check(titles.some((t) => t.includes(FIX)), `"${FIX}" not in the quick-fix menu: ${JSON.stringify(titles)}`);
    check(titles.some((t) => t.includes('Ignore guix/runs-as-root here (with a reason)')), 'no ignore action in the menu');
  });

  await step('fix-applied', async () => {
    const unsafeBefore = Number(/(\d+) unsafe/.exec(await statusBarText())?.[1]);
    await page.locator('.action-widget .monaco-list-row', { hasText: FIX }).first().click();
    await waitUntil('the fix to appear in the editor', async () => (await visibleEditorText(page)).includes('#:user "pastebin" #:group "pastebin"'));
    // the shepherd service's lens now shows its account instead of root
    await page.locator('.codelens-decoration a', { hasText: /^pastebin:pastebin/ }).first().waitFor({ timeout: 15_000 });
    await page.locator('.action-widget').waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
    // one service fewer runs as root
    await waitUntil(`the status bar count to drop below ${unsafeBefore}`, async () => Number(/(\d+) unsafe/.exec(await statusBarText())?.[1]) < unsafeBefore);
  });

}

const DOCS_IMAGE_FROM = 'scenario-03-report.png';

say(`scenario on ${FILE}`);
main().then(
  () => {
    if (process.env.POLA_E2E_UPDATE_DOCS_IMAGE === '1') {
      const to = path.join(repo, 'docs/images/editor.png');
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(screenshotDir, DOCS_IMAGE_FROM), to);
      say(`copied ${DOCS_IMAGE_FROM} to ${path.relative(repo, to)}`);
    }
    return finish(0, `${stepNo} steps in ${elapsed()}`);
  },
  (err) => finish(1, err.stack || err.message),
);
