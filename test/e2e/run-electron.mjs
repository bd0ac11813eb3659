#!/usr/bin/env node
// `npm run test:electron`: the same Mocha suite as `npm run test:e2e` (test/e2e/suite), run by
// @vscode/test-electron in a desktop VS Code, for developers who have one. It downloads VS Code
// into ~/.cache/pola-vscode-test on first use (unless POLA_VSCODE_EXECUTABLE names an installed
// one), so it needs the VS Code update server and a display (or xvfb-run); it cannot run on the
// CI machines, which use test/e2e/run-code-server.mjs instead. See test/e2e/README.md.
//
//   npm run test:electron
//   POLA_VSCODE_EXECUTABLE=/usr/share/code/code npm run test:electron
//   POLA_VSCODE_VERSION=1.91.0 npm run test:electron      # the oldest VS Code package.json allows
//   POLA_E2E_GREP=snippet npm run test:electron
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(repo, 'package.json'));
const suiteOut = path.join(repo, 'build/e2e');
const say = (msg) => console.log(`[test:electron] ${msg}`);

let testElectron;
try {
  testElectron = require('@vscode/test-electron');
} catch {
  console.error('[test:electron] @vscode/test-electron is not installed (npm install)');
  process.exit(1);
}

if (!fs.existsSync(path.join(repo, 'out/client.js'))) {
  console.error('[test:electron] the extension is not built: run `npm run build` (or `npm run test:electron`)');
  process.exit(1);
}

say('compiling the suite: tsc -p test/e2e');
fs.rmSync(suiteOut, { recursive: true, force: true });
{
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(repo, 'test/e2e')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

// a fresh copy of the workspace and a throwaway profile, as the code-server runner uses
const run = fs.mkdtempSync(path.join(os.tmpdir(), 'pola-electron-'));
const workspace = path.join(run, 'workspace');
fs.cpSync(path.join(repo, 'test/e2e/workspace'), workspace, { recursive: true });
const userDataDir = path.join(run, 'user-data');
fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
fs.writeFileSync(
  path.join(userDataDir, 'User/settings.json'),
  JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'git.enabled': false, 'chat.disableAIFeatures': true }, null, 2),
);

let code = 1;
try {
  code = await testElectron.runTests({
    ...(process.env.POLA_VSCODE_EXECUTABLE
      ? { vscodeExecutablePath: process.env.POLA_VSCODE_EXECUTABLE }
      : {
          version: process.env.POLA_VSCODE_VERSION || 'stable',
          cachePath: path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pola-vscode-test'),
        }),
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(suiteOut, 'suite/index'),
    extensionTestsEnv: { POLA_E2E: '1', ...(process.env.POLA_E2E_GREP ? { POLA_E2E_GREP: process.env.POLA_E2E_GREP } : {}) },
    launchArgs: [workspace, '--user-data-dir', userDataDir, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--disable-extensions'],
  });
} catch (err) {
  console.error(`[test:electron] FAILED: ${err instanceof Error ? err.message : err}`);
  console.error('[test:electron] (downloading VS Code needs https://update.code.visualstudio.com; set POLA_VSCODE_EXECUTABLE to use an installed VS Code)');
  code = 1;
}
if (code === 0) fs.rmSync(run, { recursive: true, force: true });
else console.error(`[test:electron] run folder kept: ${run}`);
process.exit(code === 0 ? 0 : 1);
