// Entry point loaded by VS Code's extension host (extensionTestsPath). Runs every
// `*.test.js` next to this file with Mocha (tdd UI) and resolves only if at least one test ran
// and none failed. test/e2e/run-code-server.mjs also parses the summary line printed here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    reporter: 'spec',
    color: false,
    timeout: 60_000,
    slow: 5_000,
  });
  const grep = process.env.POLA_E2E_GREP;
  if (grep) mocha.grep(grep);

  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  return new Promise((resolve, reject) => {
    if (files.length === 0) {
      reject(new Error(`pola e2e: no *.test.js files in ${__dirname}`));
      return;
    }
    try {
      const runner = mocha.run((failures) => {
        const s = runner.stats ?? { tests: 0, passes: 0, failures, pending: 0 };
        const summary = { tests: s.tests, passes: s.passes, failures: s.failures, pending: s.pending };
        console.log(`[pola-e2e] summary ${JSON.stringify(summary)}`);
        if (failures > 0) reject(new Error(`pola e2e: ${failures} test(s) failed`));
        else if (summary.tests === 0 || summary.passes === 0) reject(new Error('pola e2e: no test ran'));
        else resolve();
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
