import { nixDetails, type RootStep } from "../../nixos/extract";
import type { RawFinding, Rule } from "../rule";

/** What the planted symlink gains for each kind of step. */
function gain(s: RootStep, account: string): string {
  const restart = s.source.startsWith("ExecStop") || s.source === "preStop" || s.source === "postStop" ? "on the next stop" : s.source === "reload" || s.source === "ExecReload" ? "on the next reload" : "on the next restart";
  if (!s.followsSymlinks) return `${restart} root ${s.op.startsWith("rm") ? "removes" : "creates or replaces"} that name in whatever directory the link points to`;
  if (s.op.startsWith("chown") || s.op.startsWith("chgrp")) return `${restart} this makes the target ${s.owner && s.owner !== account ? `${s.owner}'s` : `${account}'s`}`;
  if (s.op === "install -d") return `${restart} root sets the mode${s.owner ? " and owner" : ""} of the target`;
  if (s.op.startsWith("chmod")) return `${restart} root changes the target's mode`;
  if (s.op.startsWith("ln")) return `${restart} root creates the link inside whatever directory the link points to`;
  if (s.op.startsWith("mv")) return `${restart} root moves the file to wherever the link points`;
  if (s.op === "touch") return `${restart} root creates or touches the target`;
  return `${restart} root writes the target`;
}

/** The message for an unsafe step (one with `under`). */
export function describeStep(s: RootStep): string {
  const claim = s.under!;
  const path = s.path.kind === "known" ? s.path.value : "?";
  const rest = path.slice(claim.path.replace(/\/$/, "").length + 1).split("/");
  const entry = rest[0] || path;
  const target = rest.length > 1 || !s.followsSymlinks || /^(ln|mv|install -d)\b/.test(s.op) ? "a directory such as /etc" : "/etc/shadow";
  const who = claim.account;
  const how = claim.how === "writable-mapping" ? "can write" : "owns";
  const does = s.op === ">" || s.op === ">>" ? `writes ${path} through a ${s.op} redirect` : `does ${s.op} on ${path}`;
  return `Root-run ${s.source} (${s.why}) ${does}, below ${claim.path} which the ${who} account ${how}: ${who} can replace ${entry} with a symlink to ${target}; ${gain(s, who)}.`;
}

/** Root-run start/stop code of a unit follows paths below a directory a non-root account controls. */
export const rootOpInServiceDirRule: Rule = {
  id: "nixos/root-op-in-service-dir",
  language: "nix",
  defaultSeverity: "error",
  title: "Root-run start code follows paths below a directory a service account can write",
  check(ctx) {
    const out: RawFinding[] = [];
    for (const u of nixDetails(ctx.file).units) {
      for (const s of u.rootSteps ?? []) {
        if (!s.under) continue;
        out.push({ message: describeStep(s), range: s.at, service: u.name, fixes: [] });
      }
    }
    return out;
  },
};
