import type { Fix } from "../../model/finding";
import { nixDetails } from "../../nixos/extract";
import { removeBinding } from "../../nixos/fixes";
import { unitBoolean } from "../../nixos/resolve";
import type { RawFinding, Rule } from "../rule";

/** RootDirectoryStartOnly with confinement: NixOS's assertion fails (the chroot must hold for every command). */
export const confinementStartOnlyRule: Rule = {
  id: "nixos/confinement-start-only",
  language: "nix",
  defaultSeverity: "error",
  title: "RootDirectoryStartOnly together with confinement",
  check(ctx) {
    const out: RawFinding[] = [];
    for (const u of nixDetails(ctx.file).units) {
      const enable = u.confinement["enable"];
      if (!enable) continue;
      const on = enable.confidence === "literal" || enable.confidence === "default" ? unitBoolean(enable.value) === true : (enable.cases ?? []).some((c) => unitBoolean(c.value) !== false);
      if (!on) continue;
      for (const k of u.keys) {
        if (k.name !== "RootDirectoryStartOnly") continue;
        const r = u.directives["RootDirectoryStartOnly"];
        const values = r ? [r.value, ...(r.cases ?? []).map((c) => c.value)] : [];
        if (!values.some((v) => unitBoolean(v) === true) && r?.confidence !== "unknown") continue;
        const fixes: Fix[] = [];
        const edits = !k.shared ? removeBinding(ctx.document, k) : undefined;
        if (edits) fixes.push({ title: "Remove RootDirectoryStartOnly (confinement applies the chroot to every command)", edits });
        const cond = enable.confidence === "literal" || enable.confidence === "default" ? "" : ` (when ${enable.why})`;
        out.push({
          message: `RootDirectoryStartOnly = true with confinement.enable${cond}: NixOS refuses this combination (its assertion fails the build); ExecStartPre and friends would run outside the chroot.`,
          range: k.range,
          service: u.name,
          fixes,
        });
      }
    }
    return out;
  },
};
