import type { Range } from "../../model/range";
import { splitWords } from "../../exposure/words";
import { nixDetails, type NixUnit } from "../../nixos/extract";
import { secretEnvironment, storeFileSecret } from "../../nixos/secrets";
import { unitBoolean } from "../../nixos/resolve";
import type { RawFinding, Rule } from "../rule";

function unitAt(units: NixUnit[], offset: number): NixUnit | undefined {
  return units.find((u) => u.extents.some((e) => offset >= e.start && offset < e.end));
}

/** Secrets that end up in the world-readable Nix store. */
export const secretInStoreRule: Rule = {
  id: "nixos/secret-in-store",
  language: "nix",
  defaultSeverity: "warning",
  title: "secret written to the world-readable Nix store",
  check(ctx) {
    const out: RawFinding[] = [];
    const details = nixDetails(ctx.file);
    const lines = ctx.document.lineIndex;
    const carriers = new Set<NixUnit>();

    // 1. writeText / toFile / writeTextFile with secret-looking content or name
    for (const f of details.storeFiles) {
      const why = storeFileSecret(f);
      if (!why) continue;
      const u = unitAt(details.units, f.start);
      if (u) carriers.add(u);
      out.push({
        message: `${f.fn} puts this file in the Nix store, which every local user can read, and ${why}. Keep secrets out of the store: point the service at a file outside it (EnvironmentFile, LoadCredential, a *File option).`,
        range: lines.rangeOf(f.start, f.end),
        ...(u ? { service: u.name } : {}),
        fixes: [],
      });
    }

    const seen = new Set<string>();
    for (const u of details.units) {
      const report = (range: Range, message: string) => {
        const key = `${range.start.line}:${range.start.character}:${message}`;
        if (seen.has(key)) return;
        seen.add(key);
        carriers.add(u);
        out.push({ message, range, service: u.name, fixes: [] });
      };
      // 2. Environment = [ "DB_PASSWORD=…" ] in serviceConfig
      for (const k of u.keys) {
        if (k.name === "Environment" && k.valueText) {
          const r = u.directives["Environment"];
          const values = r?.value === null || r === undefined ? [] : Array.isArray(r.value) ? r.value : [r.value];
          for (const v of values) {
            for (const word of splitWords(v).words) {
              const eq = word.indexOf("=");
              if (eq <= 0) continue;
              const name = word.slice(0, eq);
              if (secretEnvironment(name, word.slice(eq + 1)) && k.valueText.includes(name)) {
                report(k.valueRange ?? k.range, `Environment sets ${name} in the unit file, which lives in the world-readable Nix store. Use EnvironmentFile or LoadCredential with a file outside the store.`);
              }
            }
          }
        }
        if ((k.name === "EnvironmentFile" || k.name === "LoadCredential") && k.valueText) {
          const items = k.valueKind === "list" ? k.valueItems! : [k.valueText];
          const pathLiteral = (i: string) => /^(\.{1,2}\/|\/|~\/)[^\s"]*$/.test(i.trim()) || /\$\{\s*(\.{1,2}\/|\/|~\/)/.test(i);
          if (items.some(pathLiteral)) {
            report(k.valueRange ?? k.range, `${k.name} names a path literal: Nix copies that file into the world-readable store. Give the path as a string ("/run/secrets/…") so the file stays outside the store.`);
          }
        }
      }
      // 3. environment.DB_PASSWORD = "…" at the unit level
      for (const [name, r] of Object.entries(u.environment)) {
        const v = r.value;
        if (typeof v !== "string" || !secretEnvironment(name, v)) continue;
        const s = r.sites.find((x) => x.valueStart !== undefined);
        const range = s ? lines.rangeOf(s.valueStart!, s.valueEnd!) : u.nameRange;
        report(range, `environment.${name} is written into the unit file, which lives in the world-readable Nix store. Use EnvironmentFile or LoadCredential with a file outside the store.`);
      }
    }

    // 4. confinement.fullUnit = true copies the whole unit's closure, secrets included, into the chroot
    for (const u of details.units) {
      const full = u.confinement["fullUnit"];
      if (!full || unitBoolean(full.value) !== true || !carriers.has(u)) continue;
      const s = full.sites.find((x) => x.valueStart !== undefined) ?? full.sites[0];
      out.push({
        message: `confinement.fullUnit = true puts the closure of the whole unit into the chroot, including the secrets this unit keeps in the store (see the other findings); leave fullUnit off and list the packages the service needs.`,
        range: s ? lines.rangeOf(s.valueStart ?? s.keyStart, s.valueEnd ?? s.keyEnd) : u.nameRange,
        service: u.name,
        fixes: [],
      });
    }
    return out;
  },
};
