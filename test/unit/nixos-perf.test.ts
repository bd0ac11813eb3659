/** NixOS analysis stays fast and linear in the size of the module. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { extractNix } from "../../server/src/nixos/extract";
import { SourceDocument } from "../../server/src/parsing/document";
import { analyzeFile } from "../../server/src/rules/run";

/** A module of the usual shape: many option declarations, a few units (~3,000 lines for 360 options). */
function optionsModule(options: number, units: number): string {
  let s = "{ config, lib, pkgs, ... }:\nwith lib;\nlet\n  cfg = config.services.big;\nin {\n  options.services.big = {\n    enable = mkEnableOption \"big\";\n";
  for (let i = 0; i < options; i++) {
    s += `    option${i} = mkOption {\n      type = types.nullOr types.str;\n      default = null;\n      example = "value-${i}";\n      description = ''\n        Option number ${i}.\n      '';\n    };\n`;
  }
  s += "  };\n  config = mkIf cfg.enable {\n";
  for (let i = 0; i < units; i++) {
    s += `    systemd.services.big-${i} = {\n      description = "Big ${i}";\n      wantedBy = [ "multi-user.target" ];\n      serviceConfig = {\n        ExecStart = "\${pkgs.hello}/bin/hello --port \${toString cfg.port}";\n        User = cfg.user;\n        StateDirectory = "big-${i}";\n        PrivateTmp = true;\n        After = [ "network.target" ];\n      } // optionalAttrs cfg.sandbox { PrivateNetwork = true; };\n    };\n`;
  }
  return s + "  };\n}\n";
}

/** Many units written as dotted paths at the top level (one set holding every binding). */
function dottedModule(units: number): string {
  let s = "{ pkgs, ... }: {\n";
  for (let i = 0; i < units; i++) {
    s += `  systemd.services.u${i}.serviceConfig.ExecStart = "\${pkgs.hello}/bin/hello";\n  systemd.services.u${i}.serviceConfig.DynamicUser = true;\n  systemd.services.u${i}.serviceConfig.PrivateTmp = ${i % 2 ? "true" : "false"};\n  systemd.services.u${i}.after = [ "network.target" ];\n`;
  }
  return s + "}\n";
}

async function fastest(text: string, runs: number, what: "extract" | "analyze"): Promise<number> {
  const doc = await SourceDocument.create("file:///perf.nix", "nix", text);
  try {
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      if (what === "extract") extractNix(doc);
      else analyzeFile(doc);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  } finally {
    doc.dispose();
  }
}

test("a 3,000-line module is extracted in a few milliseconds and analysed quickly", async () => {
  const text = optionsModule(360, 5);
  assert.ok(text.split("\n").length >= 2900);
  const extract = await fastest(text, 15, "extract");
  const analyze = await fastest(text, 15, "analyze");
  assert.ok(extract < 25, `extraction took ${extract.toFixed(1)} ms`);
  assert.ok(analyze < 80, `analysis took ${analyze.toFixed(1)} ms`);
});

test("extraction is linear in the number of units, even with every unit in one set", async () => {
  const small = await fastest(dottedModule(250), 5, "extract");
  const large = await fastest(dottedModule(1000), 5, "extract");
  assert.ok(large < small * 4 * 2.5 + 20, `250 units: ${small.toFixed(1)} ms, 1000 units: ${large.toFixed(1)} ms`);
});
