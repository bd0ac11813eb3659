import type { SourceDocument } from "../parsing/document";
import type { FileModel } from "../model/file";
import type { Range } from "../model/range";
import { runsAsRoot, type Account, type Authority, type Mapping, type PathClaim, type Service } from "../model/service";
import { conditional, known, unknown, type Value } from "../model/value";
import { CAPABILITY_NAMES } from "../exposure/data";
import { scoreRange, topContributors, type ExposureResult, type UnitDirectives } from "../exposure/score";
import { SCORED_SERVICE_DIRECTIVES } from "../exposure/unit";
import { AnchorFinder, deletionRange, type UnitAnchors } from "./anchors";
import { Collector, type AccountAcc, type Def, type UnitAcc } from "./collect";
import { condsText, Evaluator, Lazy, strAV, type AV, type Cond } from "./eval";
import { defsBySection, render, resolveDefs, syntheticDef, unitBoolean, type Resolved, type UnitValue } from "./resolve";
import { stringText, walkDefinitions } from "../catalog/nix-walk";
import { tmpfilesClaims, unitRootSteps, type RootStep } from "./rootsteps";
import { findStoreFiles, type StoreFile } from "./secrets";
import { bindingAttrs, literalText, textOf, type Node } from "./syntax";

export type { Resolved, UnitValue, StoreFile, UnitAnchors, RootStep };

/** One key as written in a unit's serviceConfig (every occurrence, before merging). */
export interface KeySite {
  name: string;
  start: number;
  end: number;
  range: Range;
  /** The binding that ends in this key (absent for `inherit`). */
  bindingStart?: number;
  bindingEnd?: number;
  /** What removing the binding removes (its line when it stands alone). */
  deleteStart?: number;
  deleteEnd?: number;
  valueStart?: number;
  valueEnd?: number;
  valueRange?: Range;
  /** "list" with the elements as written, "string" with its words, or "other". */
  valueKind: "list" | "string" | "other";
  valueItems?: string[];
  /** The value's source text. */
  valueText?: string;
  /** Keys bound beside it in the same set (with the same dotted prefix). */
  siblings: string[];
  /** Extra conditions this definition is under. */
  when?: string;
  /** Written in a set shared with other units (a let-bound hardening set). */
  shared: boolean;
}

export interface NixUnit {
  name: string;
  /** The name is a pattern (`"foo-${name}"`, generated units). */
  pattern: boolean;
  /** Conditions the whole unit is defined under (`config = mkIf cfg.enable …`). */
  when?: string;
  nameRange: Range;
  range: Range;
  /** [Service] directives NixOS writes, after merging the file's definitions and confinement's. */
  directives: Record<string, Resolved>;
  /** Unit-level options (after, wantedBy, description, script, …). */
  options: Record<string, Resolved>;
  unitConfig: Record<string, Resolved>;
  environment: Record<string, Resolved>;
  confinement: Record<string, Resolved>;
  /** Every serviceConfig key as written. */
  keys: KeySite[];
  /** Parts that could not be read (`serviceConfig = cfg.serviceConfig // …`). */
  opaque: { section: string; why: string; when?: string }[];
  /** The unit as scored, the unknown keys, and the best and worst exposure. */
  score: {
    unit: UnitDirectives;
    unknownKeys: string[];
    best: ExposureResult;
    worst: ExposureResult;
    /** The values assumed for the unknown keys in the best case. */
    bestValues: Record<string, string[]>;
    exact: boolean;
  };
  /** What the service visibly needs (for hardening fixes). */
  needs: { listens: boolean; lowPort: boolean; network: boolean; reasons: string[] };
  anchors: UnitAnchors;
  /** Source extents of the unit's definitions. */
  extents: { start: number; end: number }[];
  /** Path operations its start/stop code does as root (filled after the accounts are known). */
  rootSteps: RootStep[];
}

export interface NixDetails {
  units: NixUnit[];
  storeFiles: StoreFile[];
  notes: string[];
}

/** The details of a NixOS file model, or an empty set. */
export function nixDetails(model: FileModel): NixDetails {
  const d = model.details as NixDetails | undefined;
  return d && Array.isArray(d.units) ? d : { units: [], storeFiles: [], notes: [] };
}

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Finds the systemd units of a NixOS module and resolves their directives statically. */
export function extractNix(document: SourceDocument): FileModel {
  const source = document.text;
  const root = document.tree.rootNode;
  const ev = new Evaluator(source);
  const collected = new Collector(ev).collectModule(root);
  const hints = moduleHints(source);
  const finder = new AnchorFinder(source);
  const firstAt = (u: UnitAcc) => Math.min(...u.names.map((n) => n.binding?.startIndex ?? n.node?.startIndex ?? Infinity));
  const ordered = collected.units.map((u) => ({ u, at: firstAt(u) })).sort((a, b) => a.at - b.at).map((x) => x.u);
  const units = ordered.map((u) => buildUnit(ev, document, u, hints, finder));
  const storeFiles = findStoreFiles(source, root);
  const services = units.map((u) => toService(u, collected.accounts, ev, document));
  addRootSteps(document, units, services, collected.accounts, ev);
  const claims = services.flatMap((s) => s.authority.writable);
  const details: NixDetails = { units, storeFiles, notes: collected.notes };
  return { services, claims, details };
}

/**
 * The root-run steps of each unit's start/stop code, checked against the directories the module gives
 * non-root accounts (state directories, created homes, tmpfiles `d` entries); the unit's own account
 * gets its homes and tmpfiles directories as writable claims.
 */
function addRootSteps(document: SourceDocument, units: NixUnit[], services: Service[], accounts: AccountAcc[], ev: Evaluator): void {
  const extra: PathClaim[] = [];
  for (const a of accounts) {
    if (a.kind !== "user") continue;
    const str = (k: string) => {
      const v = a.fields.get(k)?.get();
      const r = v ? render(ev, v) : undefined;
      return r && typeof r.full === "string" && !r.unknowns.length ? r.full : undefined;
    };
    const home = str("home");
    if (home && home.startsWith("/") && str("createHome") === "true" && a.name !== "root") {
      extra.push({ path: home.replace(/\/+$/, ""), account: a.name, how: "home-directory", at: a.keyNode ? document.rangeOf(a.keyNode) : ZERO });
    }
  }
  const source = document.text;
  walkDefinitions(source, document.tree.rootNode, (d) => {
    const path = d.path[0] === "config" ? d.path.slice(1) : d.path;
    if (path.join(".") !== "systemd.tmpfiles.rules") return true;
    const stack = [d.value];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.type === "string_expression" || n.type === "indented_string_expression") {
        const t = n.namedChildren.some((c) => c?.type === "interpolation") ? undefined : stringText(source, n);
        const c = t !== undefined ? tmpfilesClaims(t, document.rangeOf(n)) : undefined;
        if (c) extra.push(c);
        continue;
      }
      for (const c of n.namedChildren) if (c) stack.push(c);
    }
    return false;
  });
  const all = [...services.flatMap((s) => s.authority.writable), ...extra].filter((c) => c.account !== "root" && c.account !== "unknown");
  units.forEach((u, i) => {
    const s = services[i]!;
    const account = s.authority.user.kind === "known" ? s.authority.user.value : undefined;
    if (account && account !== "root") {
      for (const c of extra) if (c.account === account && !s.authority.writable.some((w) => w.path === c.path && w.account === c.account)) s.authority.writable.push(c);
    }
    u.rootSteps = unitRootSteps(document, u.options, u.directives, runsAsRoot(s), all);
    s.authority.rootOps = u.rootSteps.map((r) => {
      const op: Service["authority"]["rootOps"][number] = { op: r.op, path: r.path, followsSymlinks: r.followsSymlinks, phase: r.phase, at: r.at };
      if (r.under) op.under = r.under;
      return op;
    });
  });
}

// ----------------------------------------------------------------------------------------------
// Units

function buildUnit(ev: Evaluator, document: SourceDocument, u: UnitAcc, hints: ModuleHints, finder: AnchorFinder): NixUnit {
  const source = document.text;
  const rangeOf = (s: number, e: number) => document.lineIndex.rangeOf(s, e);
  const resolveSection = (section: Def["section"]) => {
    const out: Record<string, Resolved> = {};
    for (const [k, defs] of defsBySection(u, section)) {
      const r = resolveDefs(ev, k, defs);
      if (r) out[k] = r;
    }
    return out;
  };
  const confinement = resolveSection("confinement");
  const options = resolveSection("unit");
  const unitConfig = resolveSection("unitConfig");
  const environment = resolveSection("environment");

  // [Service]: the file's definitions plus what confinement adds
  const serviceDefs = defsBySection(u, "serviceConfig");
  for (const d of confinementDefs(u, confinement, defsBySection(u, "confinement"))) {
    const list = serviceDefs.get(d.key);
    if (list) list.push(d);
    else serviceDefs.set(d.key, [d]);
  }
  const directives: Record<string, Resolved> = {};
  for (const [k, defs] of serviceDefs) {
    const r = resolveDefs(ev, k, defs);
    if (r) directives[k] = r;
  }

  // names and extents
  const named = u.names.filter((n) => n.binding).sort((a, b) => a.binding!.startIndex - b.binding!.startIndex);
  const main = named[0];
  const nameNode = main?.node ?? u.names.find((n) => n.node)?.node ?? u.defs.find((d) => d.valueNode)?.valueNode;
  const rangeNode = main?.binding ?? nameNode;
  const extents = named.map((n) => ({ start: n.binding!.startIndex, end: n.binding!.endIndex }));

  const keys: KeySite[] = [];
  for (const d of u.defs) {
    if (d.section !== "serviceConfig" || d.synthetic || !d.keyNode) continue;
    if (d.keyPattern) {
      u.opaque.push({ section: "serviceConfig", why: `a directive named "${d.key}"`, conds: d.conds });
      continue;
    }
    keys.push(keySite(source, d, rangeOf, finder));
  }

  const opaque = u.opaque.map((o) => (o.conds.length ? { section: o.section, why: o.why, when: condsText(o.conds) } : { section: o.section, why: o.why }));
  const name = u.key;
  const score = scoreUnitDirectives(name, directives, unitConfig, opaque);
  const needs = unitNeeds(directives, options, hints);
  const unit: NixUnit = {
    name,
    pattern: u.pattern,
    nameRange: nameNode ? rangeOf(nameNode.startIndex, nameNode.endIndex) : ZERO,
    range: rangeNode ? rangeOf(rangeNode.startIndex, rangeNode.endIndex) : ZERO,
    directives,
    options,
    unitConfig,
    environment,
    confinement,
    keys,
    opaque,
    score,
    needs,
    anchors: finder.unitAnchors(u),
    extents,
    rootSteps: [],
  };
  if (u.when.length) unit.when = condsText(u.when);
  return unit;
}

function keySite(source: string, d: Def, rangeOf: (s: number, e: number) => Range, finder: AnchorFinder): KeySite {
  const k = d.keyNode!;
  const site: KeySite = {
    name: d.key,
    start: k.startIndex,
    end: k.endIndex,
    range: rangeOf(k.startIndex, k.endIndex),
    valueKind: "other",
    siblings: [],
    shared: !(d.binding && d.unitBinding && d.binding.startIndex >= d.unitBinding.startIndex && d.binding.endIndex <= d.unitBinding.endIndex),
  };
  if (d.conds.length) site.when = condsText(d.conds);
  const b = d.binding;
  if (b && b.type === "binding") {
    const attrs = bindingAttrs(b);
    if (attrs.length && attrs[attrs.length - 1]!.id === k.id) {
      site.bindingStart = b.startIndex;
      site.bindingEnd = b.endIndex;
      const del = deletionRange(source, b);
      site.deleteStart = del.start;
      site.deleteEnd = del.end;
      site.siblings = finder.siblings(b, attrs.length - 1);
    }
  }
  const v = d.valueNode;
  if (v && v.type !== "identifier") {
    site.valueStart = v.startIndex;
    site.valueEnd = v.endIndex;
    site.valueRange = rangeOf(v.startIndex, v.endIndex);
    site.valueText = textOf(source, v);
    if (v.type === "list_expression") {
      site.valueKind = "list";
      site.valueItems = v.childrenForFieldName("element").filter((e): e is Node => e !== null).map((e) => textOf(source, e));
    } else {
      const lit = literalText(source, v);
      if (lit && !lit.interpolated) {
        site.valueKind = "string";
        site.valueItems = lit.text.split(/\s+/).filter(Boolean);
      }
    }
  }
  return site;
}

/** The settings `confinement.enable` adds to the unit (nixos/modules/security/systemd-confinement.nix). */
function confinementDefs(u: UnitAcc, confinement: Record<string, Resolved>, defs: Map<string, Def[]>): Def[] {
  const enable = confinement["enable"];
  if (!enable) return [];
  const at = defs.get("enable")?.[0];
  let conds: Cond[];
  if (enable.confidence === "literal" || enable.confidence === "default") {
    if (unitBoolean(enable.value) !== true) return [];
    conds = [];
  } else if (enable.confidence === "conditional") {
    const on = (enable.cases ?? []).filter((c) => unitBoolean(c.value) === true).map((c) => c.when);
    if (!on.length) return [];
    conds = [{ text: on.join(" || "), negated: false }];
  } else {
    conds = [{ text: `confinement.enable = ${enable.why ?? "?"}`, negated: false }];
  }
  const mode = confinement["mode"];
  let apivfs: Cond[] | false = [];
  if (mode) {
    if (mode.confidence === "literal" || mode.confidence === "default") apivfs = mode.value === "chroot-only" ? false : [];
    else apivfs = [{ text: `confinement.mode == "full-apivfs"`, negated: false }];
  }
  const safe = u.key.replace(/@/g, "-");
  const str = (s: string): AV => strAV(s);
  const list = (...xs: string[]): AV => ({ t: "list", items: xs.map((x) => ({ lazy: Lazy.of(str(x)), when: [] })), opaque: [] });
  const out: Def[] = [
    syntheticDef("RootDirectory", str(`/run/confinement/${safe}`), 100, conds, at),
    syntheticDef("RuntimeDirectory", list(`confinement/${safe}`), 100, conds, at),
    syntheticDef("ReadOnlyPaths", list("+/"), 100, conds, at),
    syntheticDef("InaccessiblePaths", list(`-+/run/confinement/${safe}`), 100, conds, at),
    syntheticDef("PrivateMounts", { t: "bool", v: true }, 1000, conds, at),
  ];
  if (apivfs !== false) {
    for (const k of ["MountAPIVFS", "PrivateDevices", "PrivateTmp", "PrivateUsers", "ProtectControlGroups", "ProtectKernelModules", "ProtectKernelTunables"]) {
      out.push(syntheticDef(k, { t: "bool", v: true }, 1000, [...conds, ...apivfs], at));
    }
  }
  for (const d of out) d.unitBinding = at?.unitBinding;
  return out;
}

// ----------------------------------------------------------------------------------------------
// Exposure

function asList(v: UnitValue | null): string[] {
  return v === null ? [] : Array.isArray(v) ? v : [v];
}

/** Generated modules repeat the same unit many times: score each distinct unit once. */
const scoreMemo = new Map<string, ReturnType<typeof scoreRange>>();

function scoreUnitDirectives(name: string, directives: Record<string, Resolved>, unitConfig: Record<string, Resolved>, opaque: NixUnit["opaque"]): NixUnit["score"] {
  const service: Record<string, string[]> = {};
  const unknownKeys: string[] = [];
  for (const [k, r] of Object.entries(directives)) {
    const vals = asList(r.value);
    if (vals.length) service[k] = vals;
    if (r.confidence === "unknown" || r.confidence === "conditional") unknownKeys.push(k);
  }
  if (opaque.some((o) => o.section === "serviceConfig" || o.section === "unit")) {
    for (const k of SCORED_SERVICE_DIRECTIVES) {
      const r = directives[k];
      if (!r || r.confidence === "default") unknownKeys.push(k);
    }
  }
  const unitSec: Record<string, string[]> = {};
  for (const [k, r] of Object.entries(unitConfig)) {
    const vals = asList(r.value);
    if (vals.length) unitSec[k] = vals;
    if (k === "DefaultDependencies" && r.confidence !== "literal" && r.confidence !== "default") unknownKeys.push(k);
  }
  const unit: UnitDirectives = { service, unit: unitSec, name: `${name}.service` };
  const keys = [...new Set(unknownKeys)];
  const memoKey = JSON.stringify([unit, keys]);
  let range = scoreMemo.get(memoKey);
  if (!range) {
    range = scoreRange(unit, keys);
    if (scoreMemo.size > 500) scoreMemo.clear();
    scoreMemo.set(memoKey, range);
  }
  return { unit, unknownKeys: keys, best: range.best, worst: range.worst, bestValues: range.bestValues, exact: range.exact };
}

interface ModuleHints {
  portOption: boolean;
  lowPortDefault: boolean;
  sockets: boolean;
  reasons: string[];
}

/** Hints the whole module gives about the service's network needs (a `port` option, socket units). */
function moduleHints(source: string): ModuleHints {
  const hints: ModuleHints = { portOption: false, lowPortDefault: false, sockets: false, reasons: [] };
  const re = /\b(\w*[pP]ort)\s*=\s*(?:lib\.)?mkOption\s*\{/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    hints.portOption = true;
    const body = source.slice(m.index, m.index + 500);
    const d = /default\s*=\s*(\d+)\s*;/.exec(body);
    if (d && Number(d[1]) < 1024) hints.lowPortDefault = true;
  }
  if (/types\.port\b/.test(source)) hints.portOption = true;
  if (hints.portOption) hints.reasons.push("the module has a port option");
  if (/systemd\.sockets|\bsockets\s*=|ListenStream|listenStreams/.test(source)) {
    hints.sockets = true;
    hints.reasons.push("the module defines a socket");
  }
  return hints;
}

function unitNeeds(directives: Record<string, Resolved>, options: Record<string, Resolved>, hints: ModuleHints): NixUnit["needs"] {
  const reasons = [...hints.reasons];
  const exec = ["ExecStart", "ExecStartPre", "ExecStartPost"].flatMap((k) => asList(directives[k]?.value ?? null));
  const script = asList(options["script"]?.value ?? null);
  const text = [...exec, ...script].join("\n");
  let listens = hints.portOption || hints.sockets;
  if (/(^|\s)--?[\w-]*(port|listen|bind|addr|address)\b|\blisten\b/i.test(text)) {
    listens = true;
    reasons.push("its command line names a port or listen address");
  }
  let lowPort = hints.lowPortDefault;
  const portRe = /(?:--?[\w-]*port[= ]+|\blisten[= ]+|[=\s\w\]]:)(\d{1,5})(?![\d.])/gi;
  for (let m = portRe.exec(text); m; m = portRe.exec(text)) if (Number(m[1]) < 1024 && Number(m[1]) > 0) lowPort = true;
  if (lowPort) reasons.push("it uses a port below 1024");
  const deps = ["after", "wants", "requires", "bindsTo"].flatMap((k) => asList(options[k]?.value ?? null));
  let network = listens || /https?:\/\//.test(text);
  if (deps.includes("network-online.target")) {
    network = true;
    reasons.push("it waits for network-online.target");
  }
  return { listens, lowPort, network, reasons };
}

// ----------------------------------------------------------------------------------------------
// Authority

function valueOf<T>(r: Resolved | undefined, map: (v: UnitValue | null) => T, missing: T, at?: Range): Value<T> {
  if (!r) return known(missing, at);
  if (r.confidence === "literal" || r.confidence === "default") return known(map(r.value), at);
  if (r.confidence === "conditional" && r.cases) return conditional(r.cases.map((c) => ({ when: c.when, value: map(c.value) })), at);
  return unknown(`depends on ${r.why ?? "an expression"}`, at);
}

function lastString(v: UnitValue | null): string | null {
  if (v === null) return null;
  if (Array.isArray(v)) return v.length ? v[v.length - 1]! : null;
  return v;
}

function siteRange(document: SourceDocument, r: Resolved | undefined): Range | undefined {
  const s = r?.sites.find((x) => !x.synthetic) ?? r?.sites[0];
  return s && s.keyEnd > s.keyStart ? document.lineIndex.rangeOf(s.keyStart, s.keyEnd) : undefined;
}

function toService(u: NixUnit, accounts: AccountAcc[], ev: Evaluator, document: SourceDocument): Service {
  const d = u.directives;
  const opaqueService = u.opaque.find((o) => o.section === "serviceConfig" || o.section === "unit");
  const dyn = d["DynamicUser"];
  const dynamic = dyn && (dyn.confidence === "literal" || dyn.confidence === "default") ? unitBoolean(dyn.value) === true : false;
  let user: Value<string | null>;
  const userR = d["User"];
  if (userR) {
    user = valueOf(userR, (v) => lastString(v) ?? (dynamic ? u.name : null), null, siteRange(document, userR));
  } else if (dyn && dyn.confidence !== "literal" && dyn.confidence !== "default") {
    user = valueOf(dyn, (v) => (unitBoolean(v) ? u.name : null), null, siteRange(document, dyn));
  } else if (dynamic) {
    user = known(u.name, siteRange(document, dyn));
  } else if (opaqueService) {
    user = unknown(`serviceConfig includes ${opaqueService.why}`);
  } else {
    user = known(null);
  }
  const userName = user.kind === "known" ? user.value : undefined;
  let group: Value<string | null>;
  const groupR = d["Group"];
  if (groupR) group = valueOf(groupR, (v) => lastString(v), null, siteRange(document, groupR));
  else if (dynamic && userName) group = known(userName);
  else if (user.kind === "known" && user.value === null) group = known(null);
  else if (userName) {
    const acc = accounts.find((a) => a.kind === "user" && a.name === userName);
    const g = acc?.fields.get("group")?.get();
    const gs = g ? render(ev, g) : undefined;
    group = gs && typeof gs.full === "string" && !gs.unknowns.length ? known(gs.full) : unknown(`the primary group of ${userName}`);
  } else group = unknown("depends on the user");

  const supplementaryGroups = valueOf(d["SupplementaryGroups"], (v) => asList(v).flatMap((x) => x.split(/\s+/)).filter(Boolean), [] as string[]);
  const capabilities = capabilitiesOf(u, user);
  const confinement = confinementOf(u, document);
  const account = userName ?? (dynamic ? u.name : user.kind === "known" ? "root" : "unknown");
  const writable = writableOf(u, account, document);
  const accountList: Account[] = [];
  for (const a of accounts) {
    const g = group.kind === "known" ? group.value : undefined;
    if (!((a.kind === "user" && a.name === userName) || (a.kind === "group" && a.name === g))) continue;
    const acc: Account = { kind: a.kind, name: a.name, at: a.keyNode ? document.rangeOf(a.keyNode) : ZERO };
    const str = (k: string) => {
      const v = a.fields.get(k)?.get();
      const r = v ? render(ev, v) : undefined;
      return r && typeof r.full === "string" && !r.unknowns.length ? r.full : undefined;
    };
    const grp = str("group");
    if (grp) acc.group = grp;
    const home = str("home");
    if (home) acc.home = home;
    const sys = str("isSystemUser");
    if (sys) acc.system = sys === "true";
    accountList.push(acc);
  }
  const best = u.score.best;
  const worst = u.score.worst;
  const authority: Authority = {
    user,
    group,
    supplementaryGroups,
    capabilities,
    confinement,
    writable,
    rootOps: [],
    accounts: accountList,
    exposure: {
      score: best.score,
      worst: worst.score,
      label: best.label,
      worstLabel: worst.label,
      top: topContributors(best, 5).map((c) => ({ setting: c.setting, description: c.description, part: c.exposurePart })),
      checks: best.checks.map((c) => ({ setting: c.setting, description: c.description, part: c.exposurePart, badness: c.badness })),
    },
  };
  const directives: Record<string, UnitValue> = {};
  for (const [k, r] of Object.entries(d)) if (r.value !== null) directives[k] = r.value;
  return {
    name: u.name,
    kind: "systemd-service",
    language: "nix",
    range: u.range,
    nameRange: u.nameRange,
    authority,
    directives,
  };
}

function capabilitiesOf(u: NixUnit, user: Value<string | null>): Value<string[] | "all"> {
  const d = u.directives;
  const bset = d["CapabilityBoundingSet"];
  const amb = d["AmbientCapabilities"];
  const certain = (r: Resolved | undefined) => !r || r.confidence === "literal" || r.confidence === "default";
  if (!certain(bset) || !certain(amb)) return unknown(`depends on ${[bset, amb].filter((r) => r && !certain(r)).map((r) => r!.why).join(", ")}`);
  const bounding = bset ? parseCapSet(asList(bset.value), new Set(CAPABILITY_NAMES)) : "all";
  if (user.kind === "known" && (user.value === null || user.value === "root")) return known(bounding === "all" ? "all" : [...bounding]);
  if (user.kind !== "known") return unknown("depends on the user");
  const ambient = amb ? parseCapSet(asList(amb.value), new Set()) : new Set<string>();
  const set = ambient === "all" ? new Set(CAPABILITY_NAMES) : ambient;
  return known([...set].filter((c) => bounding === "all" || bounding.has(c)));
}

/** Applies capability assignments in order like systemd (`~` inverts, "" resets). */
function parseCapSet(values: string[], initial: Set<string>): Set<string> | "all" {
  let cur = new Set(initial);
  let touched = false;
  for (const raw of values) {
    let v = raw.trim();
    if (v === "") {
      cur = new Set();
      touched = true;
      continue;
    }
    const invert = v.startsWith("~");
    if (invert) v = v.slice(1);
    const caps = v.split(/\s+/).filter(Boolean).map((c) => c.toUpperCase());
    if (invert) {
      const base = touched ? cur : new Set(CAPABILITY_NAMES);
      cur = new Set([...base].filter((c) => !caps.includes(c)));
    } else {
      cur = touched ? new Set([...cur, ...caps]) : new Set(caps);
    }
    touched = true;
  }
  if (!touched && initial.size === CAPABILITY_NAMES.length) return "all";
  if (cur.size === CAPABILITY_NAMES.length) return "all";
  return cur;
}

function confinementOf(u: NixUnit, document: SourceDocument): Authority["confinement"] {
  const d = u.directives;
  const enable = u.confinement["enable"];
  const at = siteRange(document, enable);
  const confined = valueOf(enable, (v) => unitBoolean(v) === true, false, at);
  const ns: string[] = [];
  const nsOf: Record<string, string> = { PrivateTmp: "tmp", PrivateDevices: "dev", PrivateNetwork: "net", PrivateUsers: "user", PrivateIPC: "ipc", PrivateMounts: "mnt", ProtectHostname: "uts" };
  let nsCertain = true;
  for (const [k, n] of Object.entries(nsOf)) {
    const r = d[k];
    if (!r) continue;
    if (r.confidence === "literal" || r.confidence === "default") {
      if (unitBoolean(r.value)) ns.push(n);
    } else nsCertain = false;
  }
  const namespaces: Value<string[]> = nsCertain ? known(ns) : unknown("some namespace settings depend on options");
  const network = valueOf(d["PrivateNetwork"], (v) => (unitBoolean(v) ? ("private" as const) : ("host" as const)), "host" as const, siteRange(document, d["PrivateNetwork"]));
  const root = d["RootDirectory"] ?? d["RootImage"];
  const protect = d["ProtectSystem"];
  let fileSystemView: Value<"full" | "read-only" | "confined">;
  if (root && (root.confidence === "literal" || root.confidence === "default")) fileSystemView = known("confined");
  else if (root) fileSystemView = valueOf(root, (v) => (v ? ("confined" as const) : ("full" as const)), "full" as const);
  else if (d["DynamicUser"] && unitBoolean(d["DynamicUser"].value) && !protect) fileSystemView = known("read-only");
  else fileSystemView = valueOf(protect, (v) => (lastString(v) === "strict" ? ("read-only" as const) : ("full" as const)), "full" as const);
  const mappings: Mapping[] = [];
  for (const [k, writable] of [["BindPaths", true], ["BindReadOnlyPaths", false]] as const) {
    const r = d[k];
    if (!r || r.value === null) continue;
    const range = siteRange(document, r) ?? ZERO;
    for (const entry of asList(r.value).flatMap((x) => x.split(/\s+/)).filter(Boolean)) {
      const [src, dst] = entry.replace(/^-/, "").split(":");
      const certain = r.confidence === "literal" || r.confidence === "default";
      const v = (s: string): Value<string> => (certain && !s.includes("${") ? known(s) : unknown(`depends on ${r.why ?? s}`));
      mappings.push({ source: v(src ?? entry), target: v(dst ?? src ?? entry), writable, at: range });
    }
  }
  return { confined, namespaces, mappings, network, fileSystemView };
}

const WRITABLE_DIRS: Record<string, string> = { StateDirectory: "/var/lib/", CacheDirectory: "/var/cache/", LogsDirectory: "/var/log/", RuntimeDirectory: "/run/" };

function writableOf(u: NixUnit, account: string, document: SourceDocument): PathClaim[] {
  const out: PathClaim[] = [];
  for (const [k, r] of Object.entries(u.directives)) {
    const base = WRITABLE_DIRS[k];
    if (!base && k !== "ReadWritePaths") continue;
    if (r.confidence !== "literal" && r.confidence !== "default") continue;
    const at = siteRange(document, r) ?? u.nameRange;
    for (const word of asList(r.value).flatMap((x) => x.split(/\s+/)).filter(Boolean)) {
      if (word.includes("${")) continue;
      if (base) {
        if (k === "RuntimeDirectory" && word.startsWith("confinement/")) continue;
        out.push({ path: base + word.split(":")[0]!, account, how: "state-directory", at });
      } else {
        out.push({ path: word.replace(/^[-+]+/, ""), account, how: "writable-mapping", at });
      }
    }
  }
  return out;
}
