import type { Fix } from "../../model/finding";
import { nixDetails } from "../../nixos/extract";
import type { RawFinding, Rule } from "../rule";

/** `User = "nobody"`: the account every such service shares (and owns the files of). */
export const sharedNobodyRule: Rule = {
  id: "nixos/shared-nobody",
  language: "nix",
  defaultSeverity: "warning",
  title: 'systemd service runs as the shared "nobody" user',
  check(ctx) {
    const out: RawFinding[] = [];
    const seen = new Set<number>();
    for (const u of nixDetails(ctx.file).units) {
      for (const k of u.keys) {
        if (k.name !== "User" || !k.valueText || !/"nobody"/.test(k.valueText) || seen.has(k.start)) continue;
        seen.add(k.start);
        const fixes: Fix[] = [];
        const simple = k.valueKind === "string" && k.valueItems?.length === 1 && k.valueItems[0] === "nobody";
        if (simple && k.bindingStart !== undefined && !k.siblings.includes("DynamicUser") && !k.shared && k.valueStart !== undefined) {
          fixes.push({
            title: "Use DynamicUser = true instead (an account of its own, allocated per start)",
            edits: [
              { range: k.range, newText: ctx.document.text.charAt(k.start) === '"' ? '"DynamicUser"' : "DynamicUser" },
              { range: k.valueRange!, newText: "true" },
            ],
          });
        }
        out.push({
          message: `Unit "${u.name}" runs as "nobody", an account shared with every other service that does the same: they can signal, ptrace and read each other's files. Give the service its own user or DynamicUser.`,
          range: k.valueRange ?? k.range,
          service: u.name,
          fixes,
        });
      }
    }
    return out;
  },
};
