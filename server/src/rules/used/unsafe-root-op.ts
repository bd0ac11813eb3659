import { usageOf } from "../../catalog/usage";
import type { CatalogEntry } from "../../catalog/types";
import type { RootOp } from "../../model/service";
import type { RawFinding, Rule } from "../rule";
import { catalogOf, plural, upstream, where } from "./util";

function describe(op: RootOp): string {
  const p = op.path.kind === "known" ? op.path.value : "a path";
  return `\`${op.op}\` ${p} (below ${op.under!.path}, writable by ${op.under!.account})`;
}

function advice(entry: CatalogEntry, unsafe: RootOp[], catalog: NonNullable<ReturnType<typeof catalogOf>>): string {
  const parts = [upstream(catalog, entry, unsafe[0].at.start.line)];
  if (entry.language === "nix") parts.push(`replace the step from your configuration (${(entry.unsafeScripts ?? ["<name>"]).map((n) => `\`system.activationScripts.${n} = lib.mkForce …\``).join(", ")})`);
  parts.push("use a different service");
  return `What you can do: ${parts.join("; or ")}.`;
}

/**
 * A service the configuration uses whose own definition runs a path operation as root below a
 * directory an unprivileged account can write: that account can redirect it with a symlink.
 */
export const usedUnsafeRootOp: Rule = {
  id: "used/unsafe-root-op",
  language: "any",
  defaultSeverity: "information",
  title: "A used service's definition runs a root operation below a directory its account can write",
  check(ctx) {
    const catalog = catalogOf(ctx);
    if (!catalog) return [];
    const usage = usageOf(ctx.document, ctx.file, catalog);
    const findings: RawFinding[] = [];
    for (const used of usage.services) {
      const unsafe = used.entry.authority.rootOps.filter((o) => o.under);
      if (!unsafe.length) continue;
      findings.push({
        message: `${used.name} runs ${plural(unsafe.length, "operation")} as root below directories an account can write (its definition: ${where(catalog, used.entry)}): ${unsafe.slice(0, 3).map(describe).join("; ")}${unsafe.length > 3 ? "; …" : ""}. A symlink planted there redirects ${unsafe.length === 1 ? "it" : "them"} to any file. ${advice(used.entry, unsafe, catalog)}`,
        range: used.nameRange,
        service: used.name,
        fixes: [],
      });
    }
    // services a list brings in (%base-services): one finding on the list, for those not used by name
    const named = new Set(usage.services.map((s) => s.name));
    for (const list of usage.lists) {
      const members = catalog.expandList(list.name).filter((t) => !list.deleted.includes(t) && !named.has(t));
      const bad = members.map((t) => catalog.lookupGuix(t)).filter((e): e is CatalogEntry => Boolean(e && e.authority.rootOps.some((o) => o.under)));
      if (!bad.length) continue;
      findings.push({
        message: `${list.name} brings in ${bad.map((e) => e.key).join(", ")}, whose definition${bad.length === 1 ? "" : "s"} run${bad.length === 1 ? "s" : ""} root operations below directories an account can write (${bad.map((e) => where(catalog, e, e.authority.rootOps.find((o) => o.under)!.at.start.line)).join(", ")}). What you can do: remove ${bad.length === 1 ? "it" : "them"} with \`(delete …)\` in modify-services if you do not need ${bad.length === 1 ? "it" : "them"}, or ${upstream(catalog, bad[0], bad[0].authority.rootOps.find((o) => o.under)!.at.start.line)}.`,
        range: list.range,
        service: list.name,
        fixes: [],
      });
    }
    return findings;
  },
};
