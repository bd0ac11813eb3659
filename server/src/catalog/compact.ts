import type { Authority, PathClaim, RootOp } from "../model/service";
import type { Value } from "../model/value";

/** Caps that keep a catalog of a whole Guix or nixpkgs tree small in memory and on disk. */
export const MAX_OPS = 40;
export const MAX_CLAIMS = 40;

function v<T>(x: Value<T>): Value<T> {
  if (x.kind === "known") return { kind: "known", value: x.value };
  if (x.kind === "conditional") return { kind: "conditional", cases: x.cases };
  return { kind: "unknown", why: x.why.length > 160 ? `${x.why.slice(0, 157)}…` : x.why };
}

function claim(c: PathClaim): PathClaim {
  return { path: c.path, account: c.account, how: c.how, at: c.at };
}

function op(o: RootOp): RootOp {
  const r: RootOp = { op: o.op, path: v(o.path), followsSymlinks: o.followsSymlinks, phase: o.phase, at: o.at };
  if (o.under) r.under = claim(o.under);
  return r;
}

/** An authority with only what the catalog shows: values without their ranges, capped lists. */
export function compactAuthority(a: Authority): Authority {
  const out: Authority = {
    user: v(a.user),
    group: v(a.group),
    supplementaryGroups: v(a.supplementaryGroups),
    capabilities: v(a.capabilities),
    confinement: {
      confined: v(a.confinement.confined),
      namespaces: v(a.confinement.namespaces),
      mappings: a.confinement.mappings.slice(0, MAX_CLAIMS).map((m) => ({ source: v(m.source), target: v(m.target), writable: m.writable, at: m.at })),
      network: v(a.confinement.network),
      fileSystemView: v(a.confinement.fileSystemView),
    },
    writable: dedupeClaims(a.writable).slice(0, MAX_CLAIMS).map(claim),
    // unsafe operations first, so the cap never hides one
    rootOps: [...a.rootOps].sort((x, y) => Number(Boolean(y.under)) - Number(Boolean(x.under))).slice(0, MAX_OPS).map(op).sort((x, y) => x.at.start.line - y.at.start.line),
    accounts: a.accounts.slice(0, 8).map((x) => ({ ...x })),
  };
  if (a.logFile) out.logFile = v(a.logFile);
  if (a.exposure) out.exposure = { score: a.exposure.score, worst: a.exposure.worst, label: a.exposure.label, worstLabel: a.exposure.worstLabel, top: a.exposure.top.slice(0, 5) };
  return out;
}

export function dedupeClaims(claims: readonly PathClaim[]): PathClaim[] {
  const seen = new Set<string>();
  return claims.filter((c) => {
    const k = `${c.path}\0${c.account}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
