import type { Fix } from "../../model/finding";
import { nixDetails } from "../../nixos/extract";
import { addUnitOption, replaceValue } from "../../nixos/fixes";
import { unitBoolean } from "../../nixos/resolve";
import type { RawFinding, Rule } from "../rule";

/** The unit does not use NixOS's confinement (a chroot of only its closure). */
export const unconfinedRule: Rule = {
  id: "nixos/unconfined",
  language: "nix",
  defaultSeverity: "information",
  title: "systemd service not confined (confinement.enable unset)",
  check(ctx) {
    const out: RawFinding[] = [];
    const units = nixDetails(ctx.file).units;
    ctx.file.services.forEach((service, i) => {
      const u = units[i];
      const confined = service.authority.confinement.confined;
      if (!u || confined.kind !== "known" || confined.value) return;
      const fixes: Fix[] = [];
      const startOnly = u.directives["RootDirectoryStartOnly"];
      const ownRoot = u.keys.some((k) => k.name === "RootDirectory" || k.name === "RootImage");
      const opaque = u.opaque.length > 0;
      if (!(startOnly && unitBoolean(startOnly.value) !== false) && !ownRoot && !opaque) {
        const enable = u.confinement["enable"];
        const site = enable?.sites.length === 1 && !enable.sites[0]!.when ? enable.sites[0] : undefined;
        const edits = site ? replaceValue(ctx.document, site, "true") : addUnitOption(ctx.document, u, "confinement.enable", "true");
        if (edits) fixes.push({ title: "Confine: confinement.enable = true (a chroot holding only the service's closure)", edits });
      }
      out.push({
        message: `Unit "${u.name}" is not confined: without confinement.enable the service sees the whole file system (including the Nix store and /etc).`,
        range: u.nameRange,
        service: u.name,
        fixes,
      });
    });
    return out;
  },
};
