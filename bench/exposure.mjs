#!/usr/bin/env node
// Exposure score: pola's static model against `systemd-analyze security --offline=true`, on the
// hand-written units of test/oracle/exposure-units. Run after the build:
//
//   npx tsc -b && node bench/exposure.mjs [--rounds N] [--systemd-rounds M]
//
// pola: parse the unit file text and score it, N rounds over all units (after a warm-up).
// systemd-analyze: one process per unit (what an editor integration would have to do), M rounds.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const candidates = ["build/server/src/exposure/score.js", "build/server/exposure/score.js"].map((p) => path.join(ROOT, p));
const modulePath = candidates.find((p) => fs.existsSync(p));
if (!modulePath) {
  console.error("build output not found; run `npx tsc -b` first");
  process.exit(1);
}
const { parseUnitFile, scoreUnit } = require(modulePath);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const ROUNDS = opt("--rounds", 2000);
const SYSTEMD_ROUNDS = opt("--systemd-rounds", 3);

const dir = path.join(ROOT, "test", "oracle", "exposure-units");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".service")).sort();
const units = files.map((f) => ({ file: f, path: path.join(dir, f), text: fs.readFileSync(path.join(dir, f), "utf8") }));

// pola ------------------------------------------------------------------------------------------
for (let i = 0; i < 200; i++) for (const u of units) scoreUnit(parseUnitFile(u.text, u.file));
let sink = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < ROUNDS; i++) for (const u of units) sink += scoreUnit(parseUnitFile(u.text, u.file)).exposure;
const t1 = process.hrtime.bigint();
const parsed = units.map((u) => parseUnitFile(u.text, u.file));
const t2 = process.hrtime.bigint();
for (let i = 0; i < ROUNDS; i++) for (const p of parsed) sink += scoreUnit(p).exposure;
const t3 = process.hrtime.bigint();
const polaUs = Number(t1 - t0) / 1000 / (ROUNDS * units.length);
const polaScoreOnlyUs = Number(t3 - t2) / 1000 / (ROUNDS * units.length);

// systemd-analyze -------------------------------------------------------------------------------
const which = spawnSync("sh", ["-c", "command -v systemd-analyze"], { encoding: "utf8" });
let systemdMs = null;
let version = null;
let agree = 0;
if (which.status === 0) {
  version = /systemd (\d+)/.exec(spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" }).stdout)?.[1] ?? "?";
  const env = { ...process.env, SYSTEMD_COLORS: "0" };
  const s0 = process.hrtime.bigint();
  for (let i = 0; i < SYSTEMD_ROUNDS; i++) {
    for (const u of units) {
      const r = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", u.path], { encoding: "utf8", env });
      if (i === 0) {
        const m = /Overall exposure level for .*: (\d+)\.(\d)/.exec(r.stdout);
        if (m && Number(m[1]) * 10 + Number(m[2]) === scoreUnit(parseUnitFile(u.text, u.file)).exposure) agree++;
      }
    }
  }
  const s1 = process.hrtime.bigint();
  systemdMs = Number(s1 - s0) / 1e6 / (SYSTEMD_ROUNDS * units.length);
}

console.log(`units: ${units.length} hand-written (test/oracle/exposure-units), node ${process.version}`);
console.log(`pola  parse+score: ${polaUs.toFixed(1)} µs/unit   score only: ${polaScoreOnlyUs.toFixed(1)} µs/unit   (${ROUNDS} rounds)`);
if (systemdMs !== null) {
  console.log(`systemd-analyze ${version} --offline=true, one process per unit: ${systemdMs.toFixed(2)} ms/unit   (${SYSTEMD_ROUNDS} rounds)`);
  console.log(`ratio: pola is ${Math.round((systemdMs * 1000) / polaUs)}× faster; same exposure on ${agree}/${units.length} units`);
} else {
  console.log("systemd-analyze not installed (apt-get install systemd): no comparison");
}
if (sink < 0) console.log(sink);
