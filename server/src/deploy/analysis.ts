import { firewallReach } from "./firewall";
import { addressesOf } from "./machines";
import { type AccessItem, type Baseline, BLOCKED, type Level, type MachineFacts, OPEN, RESTRICTED } from "./model";
import { addressMatches, bareAddress } from "./net";
import { locationFor } from "./nginx";

/**
 * The ordering analysis: which machine guards which, what each update widens or narrows, which
 * list orders open a window, the safe order (closest to the written one), or — when none is —
 * the split into two deployments.
 *
 * Häyhä's rule: when the update narrows a guard to compensate for access it opens on the machine
 * behind it, the guard goes first; when it widens a guard (or rolls back a restriction) for
 * access it removes behind it, the protected machine goes first.
 */

/** How far a guard lets traffic reach one item, in words. */
export interface Reach {
  level: Level;
  /** `lets anyone reach tcp/22`, `forwards /admin to it only with auth_basic`. */
  how: string;
  /** What does it: `nftables`, `iptables`, `reverse proxy`. */
  via: string;
}

export interface Relation {
  guard: number;
  protected: number;
  /** Why pola thinks so: `nftables rules name 192.0.2.10`, `reverse proxy to 10.0.1.11:8080`, `declared`. */
  how: string[];
  /** Current reach of the items of the protected machine the guard filters. */
  reaches: { item: AccessItem; now?: Reach; before?: Reach }[];
}

/** One change of one machine's update. */
export interface Change {
  machine: number;
  direction: 1 | -1;
  /** For people: `enables SSH root login (tcp/22)`, `restricts tcp/22 to web`. */
  text: string;
}

/** `before` must be deployed before `after`. */
export interface Constraint {
  before: number;
  after: number;
  guard: number;
  protected: number;
  item: AccessItem;
  /** guard-first: the guard narrows for access the protected machine opens; protected-first: the reverse. */
  kind: "guard-first" | "protected-first";
  from: Reach;
  to: Reach;
  /** `router restricts tcp/22 before web enables SSH root login`. */
  short: string;
  /** The narrowing half, for the split: which machine, and what it does. */
  narrowing: Change;
}

export interface OrderResult {
  relations: Relation[];
  changes: Change[];
  constraints: Constraint[];
  /** Constraints the written order breaks. */
  violated: Constraint[];
  /** A safe order (machine indexes), closest to the written one; null when there is none. */
  order: number[] | null;
  /** Constraints on a cycle (no single-pass order is safe). */
  cycle: Constraint[];
  /** Whether a baseline was compared. */
  compared: boolean;
}

function portText(item: AccessItem): string {
  return `${item.proto}/${item.port}`;
}

/** An item in a sentence: `nginx on tcp/8443`, `/admin/ on tcp/8080`, `SSH root login`. */
export function itemText(item: AccessItem): string {
  const what = item.key.split(" ").slice(2).join(" ");
  if (what === "listens") return `${item.service === "openssh" || item.service === "dropbear" ? "SSH" : item.service} on ${portText(item)}`;
  if (item.path !== undefined) return `${item.path} on ${portText(item)}`;
  return shortLabel(item);
}

/** A short label: `SSH root login` for `SSH root login (tcp/22)`. */
export function shortLabel(item: AccessItem): string {
  return item.label.replace(/ \((?:tcp|udp)\/\d+[^)]*\)$/, "");
}

export function itemVerb(item: AccessItem, direction: 1 | -1): string {
  const what = item.key.split(" ").slice(2).join(" ");
  if (what === "listens") return direction > 0 ? "starts" : "stops";
  if (what.startsWith("key ") || what.startsWith("path ")) return direction > 0 ? "adds" : "removes";
  return direction > 0 ? "enables" : "disables";
}

/** How far a machine, as a guard, lets traffic reach an item of another machine. */
function reachThrough(guard: MachineFacts, target: MachineFacts, addresses: string[], item: AccessItem, proxyRelevant: boolean): Reach | undefined {
  if (item.port === null) return undefined;
  const system = guard.system;
  if (!system) return undefined;
  let best: Reach | undefined;
  // a packet passes every firewall of the machine: the narrowest one decides
  let fw: Reach | undefined;
  for (const f of system.firewalls) {
    const r = firewallReach(f, addresses, item.port, item.proto);
    if (!r) continue;
    const how =
      r.level === OPEN
        ? `lets anyone reach ${portText(item)}`
        : r.level === RESTRICTED
          ? `lets only ${r.sources.length ? r.sources.join(", ") : "some sources"} reach ${portText(item)}`
          : `blocks ${portText(item)}`;
    const reach: Reach = { level: r.level, how, via: f.kind };
    if (!fw || reach.level < fw.level) fw = reach;
  }
  best = fw;
  if (proxyRelevant && item.proto === "tcp") {
    const path = item.path ?? "/";
    let proxy: Reach = { level: BLOCKED, how: `does not forward ${path} to ${target.name}`, via: "reverse proxy" };
    for (const server of system.proxies) {
      const loc = locationFor(server.locations, path);
      if (!loc || loc.refuses) continue;
      if (!loc.targets.some((t) => t.port === item.port && addressMatches(t.host, addresses))) continue;
      const reach: Reach = loc.restriction
        ? { level: RESTRICTED, how: `forwards ${path} to ${target.name} only with ${loc.restriction}`, via: "reverse proxy" }
        : { level: OPEN, how: `forwards ${path} to ${target.name} without authentication`, via: "reverse proxy" };
      if (reach.level > proxy.level) proxy = reach;
    }
    if (!best || proxy.level > best.level) best = proxy;
  }
  return best;
}

/** Whether the guard's reverse proxy forwards to this port of the machine. */
function proxiesTo(guard: MachineFacts | undefined, addresses: string[], port: number): boolean {
  return guard?.system ? targetsOf(guard).proxy.some((t) => t.port === port && addressMatches(t.host, addresses)) : false;
}

/** What a machine's firewalls and proxies name: computed once per machine, matched against every other. */
interface Targets {
  firewall: { kind: string; value: string }[];
  proxy: { path: string; host: string; port: number }[];
}

const targetCache = new WeakMap<MachineFacts, Targets>();

function targetsOf(m: MachineFacts): Targets {
  let t = targetCache.get(m);
  if (t) return t;
  t = { firewall: [], proxy: [] };
  const seen = new Set<string>();
  for (const f of m.system?.firewalls ?? []) {
    for (const chain of f.chains) {
      if (chain.hook === "input" || chain.hook === "output") continue;
      for (const r of chain.rules) {
        const values = r.daddr && !r.daddr.neg ? [...r.daddr.values] : [];
        if (r.verdict === "dnat" && r.target) values.push(r.target.startsWith("[") ? r.target.slice(1, r.target.indexOf("]")) : r.target.replace(/:\d+(-\d+)?$/, ""));
        for (const value of values) {
          const key = `${f.kind} ${value}`;
          if (seen.has(key)) continue;
          seen.add(key);
          t.firewall.push({ kind: f.kind, value });
        }
      }
    }
  }
  for (const server of m.system?.proxies ?? []) for (const l of server.locations) for (const x of l.targets) t.proxy.push({ path: l.path, host: x.host, port: x.port });
  targetCache.set(m, t);
  return t;
}

/** Why pola thinks `guard` guards `target`, or an empty list. */
function guardEvidence(guard: MachineFacts | undefined, target: MachineFacts | undefined, addresses: string[]): string[] {
  const how: string[] = [];
  if (!guard?.system || !target || addresses.length === 0) return how;
  const t = targetsOf(guard);
  for (const f of t.firewall) {
    if (!addressMatches(f.value, addresses)) continue;
    const text = `${f.kind} forward rules name ${f.value}`;
    if (!how.some((h) => h.startsWith(`${f.kind} forward rules`))) how.push(text);
  }
  for (const x of t.proxy) {
    if (!addressMatches(x.host, addresses)) continue;
    const text = `reverse proxy: ${x.path} → ${x.host}:${x.port}`;
    if (!how.includes(text)) how.push(text);
  }
  return how;
}

/**
 * Pairs (guard, protected) worth looking at: the guard's firewall or proxy names an address of the
 * other machine, or the guard declares it. Found through an address index, so a router naming
 * every machine costs one lookup per rule, not one per pair of machines.
 */
function candidatePairs(current: MachineFacts[], old: (MachineFacts | undefined)[], addresses: string[][], oldAddresses: string[][]): [number, number][] {
  const byAddress = new Map<string, Set<number>>();
  const byAlias = new Map<string, Set<number>>();
  const add = (map: Map<string, Set<number>>, key: string, i: number) => {
    const set = map.get(key);
    if (set) set.add(i);
    else map.set(key, new Set([i]));
  };
  current.forEach((m, i) => {
    for (const a of [...addresses[i], ...oldAddresses[i]]) add(byAddress, bareAddress(a), i);
    for (const alias of m.aliases) add(byAlias, alias, i);
  });
  const pairs = new Set<number>();
  const n = current.length;
  const pair = (g: number, p: number) => {
    if (g !== p) pairs.add(g * n + p);
  };
  current.forEach((G, g) => {
    for (const m of [G, old[g]]) {
      if (!m?.system) continue;
      const t = targetsOf(m);
      const values = [...t.firewall.map((f) => f.value), ...t.proxy.map((x) => x.host)];
      for (const v of values) {
        if (v.includes("/") || v.startsWith("$") || v.startsWith("@")) {
          // a network: every machine in it
          for (let p = 0; p < n; p++) if (addressMatches(v, addresses[p]) || addressMatches(v, oldAddresses[p])) pair(g, p);
        } else for (const p of byAddress.get(bareAddress(v)) ?? []) pair(g, p);
      }
    }
    for (const name of G.declaredGuards) for (const p of byAlias.get(name) ?? []) pair(g, p);
  });
  return [...pairs].sort((x, y) => x - y).map((k) => [Math.floor(k / n), k % n]);
}

function declares(guard: MachineFacts, target: MachineFacts): boolean {
  return guard.declaredGuards.some((n) => target.aliases.includes(n));
}

/**
 * The relations, changes and order constraints of a deployment. `old[i]` is the committed version
 * of current machine i (undefined: new in this update); `baseline` undefined compares nothing.
 */
export function analyzeOrder(current: MachineFacts[], baseline: Baseline | undefined): OrderResult {
  const compared = baseline?.kind === "ok" && baseline.machines !== null;
  const oldByKey = new Map<string, MachineFacts>();
  if (baseline?.kind === "ok") for (const m of baseline.machines ?? []) if (!oldByKey.has(m.key)) oldByKey.set(m.key, m);
  const old = current.map((m) => (compared ? oldByKey.get(m.key) : undefined));
  const result: OrderResult = { relations: [], changes: [], constraints: [], violated: [], order: null, cycle: [], compared };
  const n = current.length;

  // ---- per machine: what its update opens or closes ----
  for (let i = 0; i < n && compared; i++) {
    if (!current[i].system || (old[i] && !old[i]!.system)) continue;
    const now = new Map(current[i].system!.items.map((x) => [x.key, x]));
    const before = new Map((old[i]?.system?.items ?? []).map((x) => [x.key, x]));
    for (const [key, item] of now) if (!before.has(key)) result.changes.push({ machine: i, direction: 1, text: `${itemVerb(item, 1)} ${item.label}` });
    if (old[i]?.system) for (const [key, item] of before) if (!now.has(key)) result.changes.push({ machine: i, direction: -1, text: `${itemVerb(item, -1)} ${item.label}` });
  }

  // ---- relations and constraints ----
  const addresses = current.map((m) => addressesOf(m));
  const oldAddresses = current.map((_, i) => (old[i] ? addressesOf(old[i]!) : addresses[i]));
  const guardChanges = new Set<string>();
  for (const [g, p] of candidatePairs(current, old, addresses, oldAddresses)) {
    const G = current[g];
    const P = current[p];
    const addrNow = addresses[p];
    const oldP = old[p];
    const oldG = old[g];
    const addrOld = oldAddresses[p];
    const how = guardEvidence(G, P, addrNow);
    for (const h of guardEvidence(oldG, oldP ?? P, addrOld)) if (!how.includes(h)) how.push(`${h} (before this update)`);
    if (declares(G, P)) how.push(`declared (;; pola: guards ${P.name})`);
    if (how.length === 0) continue;
    const relation: Relation = { guard: g, protected: p, how, reaches: [] };
    result.relations.push(relation);
    // an update pola cannot read on one side tells nothing about what it opens or closes
    const oldUnknown = oldP !== undefined && !oldP.system;
    const nowKeys = new Set((P.system?.items ?? []).map((x) => x.key));
    const beforeKeys = new Set((oldP?.system?.items ?? []).map((x) => x.key));
    const items = new Map<string, AccessItem>();
    for (const x of P.system?.items ?? []) items.set(x.key, x);
    for (const x of oldP?.system?.items ?? []) if (!items.has(x.key)) items.set(x.key, x);
    for (const item of items.values()) {
      if (item.port === null) continue;
      const proxyRelevant = proxiesTo(G, addrNow, item.port) || proxiesTo(oldG, addrOld, item.port);
      const now = reachThrough(G, P, addrNow, item, proxyRelevant);
      let before: Reach | undefined;
      if (compared) {
        before = oldG ? reachThrough(oldG, oldP ?? P, addrOld, item, proxyRelevant) : { level: OPEN, how: "was not deployed yet", via: "none" };
      }
      if (!now && !before) continue;
      relation.reaches.push({ item, now, before });
      if (!compared || !now || !before || !G.system || !P.system || oldUnknown) continue;
      const inNow = nowKeys.has(item.key);
      const inBefore = beforeKeys.has(item.key);
      const pDelta = inNow === inBefore ? 0 : inNow ? 1 : -1;
      const gDelta = Math.sign(now.level - before.level);
      if (pDelta > 0 && gDelta < 0) {
        const narrowing: Change = { machine: g, direction: -1, text: guardVerb(before, now, item, P.name) };
        result.constraints.push({ before: g, after: p, guard: g, protected: p, item, kind: "guard-first", from: before, to: now, short: `${G.name} ${guardVerb(before, now, item, P.name)} before ${P.name} ${itemVerb(item, 1)} ${itemText(item)}`, narrowing });
      } else if (pDelta < 0 && gDelta > 0) {
        const narrowing: Change = { machine: p, direction: -1, text: `${itemVerb(item, -1)} ${itemText(item)}` };
        result.constraints.push({ before: p, after: g, guard: g, protected: p, item, kind: "protected-first", from: before, to: now, short: `${P.name} ${itemVerb(item, -1)} ${itemText(item)} before ${G.name} ${guardVerb(before, now, item, P.name)}`, narrowing });
      }
      if (gDelta !== 0) {
        const text = guardVerb(before, now, item, P.name);
        if (!guardChanges.has(`${g}\u0000${text}`)) {
          guardChanges.add(`${g}\u0000${text}`);
          result.changes.push({ machine: g, direction: gDelta > 0 ? 1 : -1, text });
        }
      }
    }
  }

  // ---- order ----
  const edges = new Map<number, Set<number>>();
  for (const c of result.constraints) {
    if (!edges.has(c.before)) edges.set(c.before, new Set());
    edges.get(c.before)!.add(c.after);
  }
  const cyclic = stronglyConnected(n, edges);
  result.cycle = result.constraints.filter((c) => cyclic[c.before] >= 0 && cyclic[c.before] === cyclic[c.after]);
  if (result.cycle.length === 0) {
    result.order = stableTopologicalOrder(n, edges);
    const position = new Map(current.map((_, i) => [i, i]));
    result.violated = result.constraints.filter((c) => position.get(c.before)! > position.get(c.after)!);
  }
  return result;
}

/** A guard's change to an item of `target`, as a verb phrase: `restricts tcp/22 to web`, `puts shop's /admin/ behind auth_basic`. */
export function guardVerb(from: Reach, to: Reach, item: AccessItem, target: string): string {
  const proxy = from.via === "reverse proxy" || to.via === "reverse proxy";
  const path = item.path ?? "/";
  if (to.level < from.level) {
    if (proxy) return to.level === RESTRICTED ? `puts ${target}'s ${path} behind ${to.how.replace(/^.* only with /, "")}` : `stops forwarding ${path} to ${target}`;
    return to.level === RESTRICTED ? `restricts ${portText(item)} to ${target}` : `blocks ${portText(item)} to ${target}`;
  }
  if (proxy) return to.level === OPEN ? `forwards ${path} to ${target} without authentication` : `starts forwarding ${path} to ${target}`;
  return to.level === OPEN ? `opens ${portText(item)} to ${target}` : `opens ${portText(item)} to ${target} for some sources`;
}

/**
 * Constraints as sentences, one per pair of machines and guard change, the items merged:
 * `router restricts tcp/22 before web enables SSH root login, adds SSH key backup.pub for root`.
 */
export function reasons(machines: readonly MachineFacts[], constraints: readonly Constraint[]): string[] {
  const groups = new Map<string, { c: Constraint; verbs: string[] }>();
  for (const c of constraints) {
    const guardPart = guardVerb(c.from, c.to, c.item, machines[c.protected].name);
    const key = `${c.before}:${c.after}:${c.kind}:${guardPart}`;
    const verb = `${itemVerb(c.item, c.kind === "guard-first" ? 1 : -1)} ${itemText(c.item)}`;
    const g = groups.get(key);
    if (g) {
      if (!g.verbs.includes(verb)) g.verbs.push(verb);
    } else groups.set(key, { c, verbs: [verb] });
  }
  return [...groups.values()].map(({ c, verbs }) => {
    const G = machines[c.guard].name;
    const P = machines[c.protected].name;
    const guardPart = guardVerb(c.from, c.to, c.item, P);
    return c.kind === "guard-first" ? `${G} ${guardPart} before ${P} ${verbs.join(", ")}` : `${P} ${verbs.join(", ")} before ${G} ${guardPart}`;
  });
}

/**
 * A topological order that moves as little as possible, by moving guards up rather than their
 * machines down: built from the end, always placing last the machine written last among those
 * nothing has to follow.
 */
function stableTopologicalOrder(n: number, edges: Map<number, Set<number>>): number[] {
  const outdegree = new Array<number>(n).fill(0);
  const incoming = new Map<number, number[]>();
  for (const [from, targets] of edges) {
    outdegree[from] += targets.size;
    for (const t of targets) incoming.set(t, [...(incoming.get(t) ?? []), from]);
  }
  const reversed: number[] = [];
  const done = new Array<boolean>(n).fill(false);
  for (let k = 0; k < n; k++) {
    let next = -1;
    for (let i = n - 1; i >= 0; i--) {
      if (!done[i] && outdegree[i] === 0) {
        next = i;
        break;
      }
    }
    if (next < 0) break;
    done[next] = true;
    reversed.push(next);
    for (const from of incoming.get(next) ?? []) outdegree[from]--;
  }
  return reversed.reverse();
}

/** Tarjan: component id per node when the component has a cycle (size > 1), else -1. */
function stronglyConnected(n: number, edges: Map<number, Set<number>>): number[] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const comp = new Array<number>(n).fill(-1);
  const stack: number[] = [];
  let counter = 0;
  let compId = 0;
  const strong = (v: number) => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    for (const w of edges.get(v) ?? []) {
      if (index[w] < 0) {
        strong(w);
        low[v] = Math.min(low[v], low[w]);
      } else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
    }
    if (low[v] === index[v]) {
      const members: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = false;
        members.push(w);
      } while (w !== v);
      if (members.length > 1) {
        for (const m of members) comp[m] = compId;
        compId++;
      }
    }
  };
  for (let v = 0; v < n; v++) if (index[v] < 0) strong(v);
  return comp;
}
