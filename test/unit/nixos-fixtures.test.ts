import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { analyzeText, assertSnapshot, snapshotOf } from "../helpers/fixtures";
import { FIXTURES } from "../helpers/paths";

const DIR = path.join(FIXTURES, "nixos");

/** Every fixture module under test/fixtures/nixos (not the .fixed.nix results). */
function fixtures(dir = DIR): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...fixtures(p));
    else if (e.name.endsWith(".nix") && !e.name.endsWith(".fixed.nix")) out.push(p);
  }
  return out.sort();
}

for (const file of fixtures()) {
  const rel = path.relative(DIR, file);
  test(`nixos fixture ${rel} matches its snapshot`, async () => {
    const text = fs.readFileSync(file, "utf8");
    const analysis = await analyzeText(text, "nix", `file:///fixtures/nixos/${rel}`);
    try {
      assertSnapshot(file.replace(/\.nix$/, ".expected.json"), snapshotOf(analysis));
    } finally {
      analysis.document.dispose();
    }
  });
}
