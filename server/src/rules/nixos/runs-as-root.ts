import { runsAsRoot } from "../../model/service";
import { nixDetails } from "../../nixos/extract";
import { addDirectives, replaceValue } from "../../nixos/fixes";
import { fromOptionDefault } from "../../nixos/resolve";
import type { Fix } from "../../model/finding";
import type { RawFinding, Rule } from "../rule";

/** A unit with neither User= nor DynamicUser= runs as root (NixOS adds no user by default). */
export const runsAsRootRule: Rule = {
  id: "nixos/runs-as-root",
  language: "nix",
  defaultSeverity: "warning",
  title: "systemd service runs as root (no User or DynamicUser)",
  check(ctx) {
    const out: RawFinding[] = [];
    const units = nixDetails(ctx.file).units;
    ctx.file.services.forEach((service, i) => {
      const u = units[i];
      if (!u || runsAsRoot(service) !== true) return;
      // User = cfg.user with the module's option defaulting to root: the unit does set User (the exposure
      // finding scores the default); this rule is about units that set neither User nor DynamicUser
      if (fromOptionDefault(u.directives["User"])) return;
      const confined = service.authority.confinement.confined;
      if (confined.kind === "known" && confined.value) return;
      const fixes: Fix[] = [];
      const title = "Run as a dynamic user: DynamicUser = true (a fresh unprivileged account per start, no account to manage; keep data in StateDirectory)";
      const dyn = u.keys.find((k) => k.name === "DynamicUser" && !k.shared && !k.when);
      const edits = dyn ? replaceValue(ctx.document, dyn, "true") : addDirectives(ctx.document, u, [["DynamicUser", "true"]]);
      if (edits) fixes.push({ title, edits, preferred: true });
      const where = u.when ? ` (defined when ${u.when})` : "";
      out.push({
        message: `Unit "${u.name}"${where} runs as root: its serviceConfig sets neither User nor DynamicUser, so the service has every capability and owns the whole system.`,
        range: u.nameRange,
        service: u.name,
        fixes,
      });
    });
    return out;
  },
};
