// NixOS analysis speed and linearity: a 3,000-line options-heavy module, and many units in one set.
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { SourceDocument } = require(path.join(root, "build/server/src/parsing/document.js"));
const { extractNix } = require(path.join(root, "build/server/src/nixos/extract.js"));
const { analyzeFile } = require(path.join(root, "build/server/src/rules/run.js"));

/** A module of the usual shape: many option declarations, a few units. */
function optionsModule(options, units) {
  let s = "{ config, lib, pkgs, ... }:\nwith lib;\nlet\n  cfg = config.services.big;\nin {\n  options.services.big = {\n    enable = mkEnableOption \"big\";\n";
  for (let i = 0; i < options; i++) s += `    option${i} = mkOption {\n      type = types.nullOr types.str;\n      default = null;\n      example = "value-${i}";\n      description = ''\n        Option number ${i}.\n      '';\n    };\n`;
  s += "  };\n  config = mkIf cfg.enable {\n";
  for (let i = 0; i < units; i++) {
    s += `    systemd.services.big-${i} = {\n      description = "Big ${i}";\n      wantedBy = [ "multi-user.target" ];\n      serviceConfig = {\n        ExecStart = "\${pkgs.hello}/bin/hello --port \${toString cfg.port}";\n        User = cfg.user;\n        StateDirectory = "big-${i}";\n        PrivateTmp = true;\n        After = [ "network.target" ];\n      } // optionalAttrs cfg.sandbox { PrivateNetwork = true; };\n    };\n`;
  }
  return s + "  };\n}\n";
}

/** Many units written as dotted paths at the top level (one set holding every binding). */
function dottedModule(units) {
  let s = "{ pkgs, ... }: {\n";
  for (let i = 0; i < units; i++) {
    s += `  systemd.services.u${i}.serviceConfig.ExecStart = "\${pkgs.hello}/bin/hello";\n  systemd.services.u${i}.serviceConfig.DynamicUser = true;\n  systemd.services.u${i}.serviceConfig.PrivateTmp = ${i % 2 ? "true" : "false"};\n  systemd.services.u${i}.after = [ "network.target" ];\n`;
  }
  return s + "}\n";
}

async function timings(text, runs) {
  const doc = await SourceDocument.create("file:///bench.nix", "nix", text);
  const extract = [];
  const analyze = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    extractNix(doc);
    extract.push(performance.now() - t0);
    t0 = performance.now();
    analyzeFile(doc);
    analyze.push(performance.now() - t0);
  }
  doc.dispose();
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return { lines: text.split("\n").length, extract: median(extract), analyze: median(analyze) };
}

const rows = [];
for (const [what, text] of [
  ["options module, 360 options + 5 units", optionsModule(360, 5)],
  ["dotted units ×250", dottedModule(250)],
  ["dotted units ×1000", dottedModule(1000)],
]) {
  const t = await timings(text, 15);
  rows.push({ what, lines: t.lines, "extract ms (median)": t.extract.toFixed(1), "analyze ms (median)": t.analyze.toFixed(1) });
}
console.table(rows);
console.log(`1000 vs 250 units: analysis ×${(Number(rows[2]["analyze ms (median)"]) / Number(rows[1]["analyze ms (median)"])).toFixed(1)} (linear would be ×4)`);
