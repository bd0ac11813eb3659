import type { FileModel } from "../model/file";
import { ClaimIndex } from "../model/claims";
import type { Range } from "../model/range";
import type { Account, Authority, Mapping, PathClaim, RootOp, Service } from "../model/service";
import { known, possibleValues, unknown, type Value } from "../model/value";
import type { SourceDocument } from "../parsing/document";
import type { ConstructorInfo, GuixDetails, MkdirChownGroup, PathOp, ServiceRegion, ServiceTypeInfo, ShadowDefinition } from "./model";
import { resolveAccount, resolveString, type ResolveContext } from "./resolve";
import { Env, readTopLevel } from "./scope";
import { type Atom, type Datum, head, isList, isSymbol, keywordArgs, type List, recordFields, toDataIncremental, unquoted, walk } from "./sexp";
import { type CallSite, callOf, callsWithin, walkFile } from "./walk";

/** Procedures that write or change a path, and which argument is that path. */
const PATH_OPS: Record<string, number> = {
  chown: 1,
  chmod: 1,
  "copy-file": 2,
  "install-file": 2,
  "call-with-output-file": 1,
  "with-output-to-file": 1,
  "open-output-file": 1,
  "open-file": 1,
  symlink: 2,
  "rename-file": 2,
  "delete-file": 1,
  "delete-file-recursively": 1,
  utime: 1,
  "mkdir-p": 1,
  mkdir: 1,
  "make-file-writable": 1,
  "copy-recursively": 2,
  "mkdir-p/perms": 1,
  truncate: 1,
  "truncate-file": 1,
};

/** Procedures that are safe against symlink swaps. */
const NOFOLLOW_OPS = new Set(["mkdir-p/perms"]);

/** Procedures that act on the last path component itself, never on what a symlink there names. */
const LAST_COMPONENT_NOFOLLOW = new Set(["delete-file", "rename-file", "symlink", "mkdir"]);

const CONSTRUCTORS = new Set([
  "make-forkexec-constructor",
  "make-inetd-constructor",
  "make-systemd-constructor",
  "make-timer-constructor",
  "make-forkexec-constructor/container",
]);

/** Program options that name an output file. */
const OUTPUT_OPTIONS = new Set(["-out", "-o", "--output", "-keyout", "--out", "-outfile"]);

const NO_HOME = new Set(["/var/empty", "/nonexistent", "/", "/var/run/nonexistent", "/dev/null"]);

const ALL_NAMESPACES = ["cgroup", "mnt", "pid", "ipc", "uts", "user", "net"];

/** Finds the services of a Guix (Guile) file and computes their authority. */
/**
 * Finds the services of a Guix (Guile) file and computes their authority. `external` are ownership
 * claims learned from other files of the workspace (one service's directory chowned in another file).
 */
export function extractGuix(document: SourceDocument, external: readonly PathClaim[] = []): FileModel {
  const data = toDataIncremental(document);
  const top = readTopLevel(data);
  const walked = walkFile(data, top);
  const ctx: ResolveContext = { top, walk: walked, text: document.text };
  const range = (d: { start: number; end: number }): Range => document.lineIndex.rangeOf(d.start, d.end);

  // ---- accounts and ownership claims ----
  const accounts: Account[] = [];
  const claims: PathClaim[] = [];
  for (const site of walked.callsByName.get("user-account") ?? []) {
    const f = recordFields(site.form);
    const name = fieldString(f.get("name"), site.env, ctx);
    if (!name) continue;
    const home = fieldString(f.get("home-directory"), site.env, ctx);
    const group = fieldString(f.get("group"), site.env, ctx);
    const createHome = f.get("create-home-directory?")?.items[1];
    const system = f.get("system?")?.items[1];
    accounts.push({ kind: "user", name, group, home, system: system?.t === "boolean" && system.value.startsWith("#t"), at: range(site.form) });
    if (home && !NO_HOME.has(home) && !(createHome?.t === "boolean" && createHome.value.startsWith("#f"))) {
      claims.push({ path: home, account: name, how: "home-directory", at: range(f.get("home-directory")!) });
    }
  }
  for (const site of walked.callsByName.get("user-group") ?? []) {
    const name = fieldString(recordFields(site.form).get("name"), site.env, ctx);
    if (name) accounts.push({ kind: "group", name, at: range(site.form) });
  }

  // ---- path operations in gexps ----
  const ops: PathOp[] = [];
  const excluded = [...excludedSpans(walked.calls), ...droppedPrivilegeSpans(walked)];
  for (const site of walked.calls) {
    if (!site.inGexp) continue;
    if (excluded.some((s) => site.form.start >= s.start && site.form.end <= s.end)) continue;
    ops.push(...pathOps(site, ctx));
  }
  for (const op of ops) {
    // a helper called with several paths claims each of them
    if (op.op === "chown" && op.account && op.account !== "root") {
      for (const path of possibleValues(op.path)) claims.push({ path, account: op.account, how: "chown", at: range(op.site.form) });
    }
    if (op.op === "mkdir-p/perms") {
      const owner = resolveAccount(op.site.form.items[2], op.site.env, ctx);
      if (owner && owner !== "root") for (const path of possibleValues(op.path)) claims.push({ path, account: owner, how: "mkdir-p/perms", at: range(op.site.form) });
    }
  }

  // ---- shepherd services and their constructors ----
  const constructors: ConstructorInfo[] = [];
  const services: Service[] = [];
  // dmd-service: the same record under Shepherd's name before 2016 (old channels still use it)
  const shepherdSites = [...(walked.callsByName.get("shepherd-service") ?? []), ...(walked.callsByName.get("dmd-service") ?? [])];
  for (const site of shepherdSites) {
    const info = readShepherdService(site, ctx);
    constructors.push(info);
  }
  // writable mappings are claims too (the service writes there)
  for (const info of constructors) {
    for (const m of mappingsOf(info, ctx, range)) {
      if (m.writable && m.source.kind === "known") claims.push({ path: m.source.value, account: userName(info, ctx) ?? "root", how: "writable-mapping", at: m.at });
    }
  }

  const allClaims = external.length ? [...claims, ...external] : claims;
  const claimIndex = new ClaimIndex(allClaims);

  // ---- which service each op runs for ----
  const serviceTypes = readServiceTypes(walked, top, ctx);
  const regions: ServiceRegion[] = [];
  for (const st of serviceTypes) {
    for (const span of st.activation) for (const s of reachable(span, walked, top)) regions.push({ ...s, service: st.name, phase: "activation" });
  }
  for (const info of constructors) {
    if (info.start) for (const s of reachable(info.start, walked, top)) regions.push({ ...s, service: info.service, phase: "start" });
  }
  for (const site of walked.callsByName.get("simple-service") ?? []) {
    const target = site.form.items[2];
    const name = unquoted(site.form.items[1]);
    if (isSymbol(target, "activation-service-type") && site.form.items[3] && name && isSymbol(name)) {
      for (const s of reachable(site.form.items[3], walked, top)) regions.push({ ...s, service: name.value, phase: "activation" });
    }
  }
  // innermost region wins (a start gexp inside a service-type's define belongs to the shepherd service)
  regions.sort((a, b) => b.start - a.start || a.end - b.end);
  for (const op of ops) {
    const region = regions.find((r) => op.site.form.start >= r.start && op.site.form.end <= r.end);
    if (region) {
      op.service = region.service;
      op.phase = region.phase;
    }
    if (op.path.kind === "known" && op.followsSymlinks) op.under = redirectingClaim(op.path.value, op.op, claimIndex);
  }

  const groups = mkdirChownGroups(ops, ctx);
  const shadows = shadowDefinitions(walked, top, ctx);

  // ---- the services, with their authority ----
  for (const info of constructors) {
    services.push(shepherdService(info, ops, accounts, claims, ctx, range, serviceTypes));
  }
  for (const st of serviceTypes) {
    services.push(serviceTypeService(st, services, ops, accounts, claims, range));
  }
  for (const site of walked.callsByName.get("simple-service") ?? []) {
    const name = unquoted(site.form.items[1]);
    if (!name || !isSymbol(name)) continue;
    if (services.some((s) => s.name === name.value && s.kind !== "simple-service")) continue;
    const own = ops.filter((o) => o.service === name.value);
    services.push({
      name: name.value,
      kind: "simple-service",
      language: "guix",
      range: range(site.form),
      nameRange: range(site.form.items[1]),
      authority: baseAuthority(known(null), known(null), own, claims, [], range),
    });
  }
  services.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);

  const moduleForm = data.find((d): d is List => head(d) === "define-module");
  const details: GuixDetails = { data, top, walk: walked, ctx, ops, groups, constructors, shadows, accounts, claims: allClaims, claimIndex, moduleForm, serviceTypes, regions };
  return { services, claims, details };
}

function fieldString(field: List | undefined, env: Env, ctx: ResolveContext): string | undefined {
  if (!field) return undefined;
  const v = resolveString(unquoted(field.items[1]), env, ctx);
  return v.kind === "known" ? v.value : undefined;
}

/** Gexps whose code runs in the build sandbox or as the user, not as root on the system. */
function excludedSpans(calls: CallSite[]): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (const site of calls) {
    if (site.name === "computed-file" || site.name === "gexp->derivation" || site.name === "build-expression->derivation") spans.push(site.form);
    if (site.name === "service-extension" && isSymbol(site.form.items[1], "home-activation-service-type")) spans.push(site.form);
    if (site.name === "simple-service" && isSymbol(site.form.items[2], "home-activation-service-type")) spans.push(site.form);
  }
  return spans;
}

function pathOps(site: CallSite, ctx: ResolveContext): PathOp[] {
  const name = site.name;
  if (name in PATH_OPS) {
    const pathArg = site.form.items[PATH_OPS[name]];
    let path = resolveString(pathArg, site.env, ctx);
    if (name === "install-file" && path.kind === "known") path = known(`${path.value.replace(/\/$/, "")}/<file>`);
    const op: PathOp = { site, op: name, pathArg, path, followsSymlinks: !NOFOLLOW_OPS.has(name), phase: "gexp" };
    if (name === "chown") op.account = resolveAccount(site.form.items[2], site.env, ctx);
    return [op];
  }
  const result: PathOp[] = [];
  if (name === "invoke" || name === "system*") {
    // every output file the program is told to write: `openssl req … -keyout K -out C`
    const items = site.form.items;
    for (let i = 2; i < items.length - 1; i++) {
      const item = items[i];
      if (item.t === "string" && OUTPUT_OPTIONS.has(item.value)) {
        const pathArg = items[i + 1];
        result.push({ site, op: `${name} … ${item.value}`, pathArg, path: resolveString(pathArg, site.env, ctx), followsSymlinks: true, phase: "gexp" });
      }
    }
  }
  return result;
}

/**
 * The claim an op's path lies below — the innermost one — when a symlink planted by its account can
 * redirect the op. Ops that do not follow a symlink in the last component (unlink, rename, symlink,
 * mkdir) are redirected only through a directory between the claim and the last component.
 */
function redirectingClaim(path: string, op: string, claims: ClaimIndex): PathClaim | undefined {
  // ops that do not follow the last component are only redirectable through a directory above it
  return LAST_COMPONENT_NOFOLLOW.has(op) ? claims.above(path.slice(0, path.lastIndexOf("/"))) : claims.above(path);
}

/**
 * Code that runs after the process gave up root: `(setuid …)` (or `seteuid`) and the rest of its
 * body, up to a `(seteuid 0)` that takes root back. Path ops there act as the account.
 */
function droppedPrivilegeSpans(walked: ReturnType<typeof walkFile>): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (const name of ["setuid", "seteuid"]) {
    for (const site of walked.callsByName.get(name) ?? []) {
      if (!site.parent) continue;
      const arg = site.form.items[1];
      if (arg?.t === "number" && arg.value === "0") continue;
      let end = site.parent.end;
      for (const later of site.parent.items.slice(site.index + 1)) {
        if ((head(later) === "seteuid" || head(later) === "setuid") && isList(later) && later.items[1]?.t === "number" && later.items[1].value === "0") {
          end = later.start;
          break;
        }
      }
      spans.push({ start: site.form.end, end });
    }
  }
  return spans;
}


function readServiceTypes(walked: ReturnType<typeof walkFile>, top: ReturnType<typeof readTopLevel>, ctx: ResolveContext): ServiceTypeInfo[] {
  const result: ServiceTypeInfo[] = [];
  for (const site of walked.callsByName.get("service-type") ?? []) {
    const fields = recordFields(site.form);
    const nameField = fields.get("name");
    const quoted = unquoted(nameField?.items[1]);
    const name = isSymbol(quoted) ? quoted.value : site.topDefine?.replace(/-service-type$/, "") ?? "service";
    const info: ServiceTypeInfo = { name, form: site.form, nameDatum: nameField ?? site.form.items[0], defineName: site.topDefine, activation: [], shepherd: [], accounts: [], accountNames: [] };
    const extensions = fields.get("extensions");
    walk(extensions ? [extensions] : [], (d) => {
      if (head(d) !== "service-extension" || !isList(d)) return true;
      const target = d.items[1];
      const proc = d.items[2];
      if (!proc || !isSymbol(target)) return false;
      const procs = procedureSpans(proc, top);
      if (target.value === "activation-service-type") info.activation.push(...procs);
      else if (target.value === "shepherd-root-service-type" || target.value === "dmd-root-service-type") info.shepherd.push(...procs);
      else if (target.value === "account-service-type") {
        info.accounts.push(...procs);
        info.accountExtension = d;
      }
      return false;
    });
    // the accounts it declares: user-account records in its account extension's code
    const spans = info.accounts.flatMap((span) => reachable(span, walked, top));
    for (const account of walked.callsByName.get("user-account") ?? []) {
      if (!spans.some((sp) => account.form.start >= sp.start && account.form.end <= sp.end)) continue;
      const name = fieldString(recordFields(account.form).get("name"), account.env, ctx);
      if (name && !info.accountNames.includes(name)) info.accountNames.push(name);
    }
    result.push(info);
  }
  return result;
}

/** The code an extension's procedure denotes: a named procedure's define, a lambda, `(const x)`, `(compose … f)`. */
function procedureSpans(proc: Datum, top: ReturnType<typeof readTopLevel>): Datum[] {
  if (isSymbol(proc)) {
    const def = top.defines.get(proc.value);
    return def ? [def] : [];
  }
  if (isList(proc)) {
    const h = head(proc);
    if (h === "const" || h === "compose" || h === "cut" || h === "lambda" || h === "match-lambda" || h === "match-lambda*") {
      const spans: Datum[] = [proc];
      for (const item of proc.items.slice(1)) if (isSymbol(item) && top.defines.has(item.value)) spans.push(top.defines.get(item.value)!);
      return spans;
    }
    return [proc];
  }
  return [];
}

/** A span plus every top-level procedure it calls, transitively. */
function reachable(start: Datum, walked: ReturnType<typeof walkFile>, top: ReturnType<typeof readTopLevel>): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [{ start: start.start, end: start.end }];
  const seen = new Set<string>();
  const queue = [spans[0]];
  while (queue.length) {
    const span = queue.pop()!;
    for (const site of callsWithin(walked, span)) {
      // procedures called or passed, and gexps spliced in: `#$%foo-helpers`
      const candidates = [site.name, ...site.form.items.map((x) => (x.t === "prefix" && x.kind.startsWith("ungexp") ? x.value : x)).filter((x): x is Atom => isSymbol(x)).map((x) => x.value)];
      for (const name of candidates) {
        if (seen.has(name) || !(top.procedures.has(name) || isGexpDefine(top.defines.get(name)))) continue;
        seen.add(name);
        const def = top.defines.get(name)!;
        const s = { start: def.start, end: def.end };
        spans.push(s);
        queue.push(s);
      }
    }
    if (seen.size > 200) break;
  }
  return spans;
}

/** `(define %foo #~…)`: a top-level gexp value, spliced into other code. */
function isGexpDefine(form: List | undefined): boolean {
  const value = form?.items[2];
  return value !== undefined && value.t === "prefix" && value.kind === "gexp";
}

function readShepherdService(site: CallSite, ctx: ResolveContext): ConstructorInfo {
  const fields = recordFields(site.form);
  const provision = unquoted(fields.get("provision")?.items[1]);
  let service = "shepherd-service";
  if (isList(provision) && head(provision) === "list") {
    const first = unquoted(provision.items[1]);
    if (isSymbol(first)) service = first.value;
    else if (first) {
      const v = resolveString(head(first) === "string->symbol" && isList(first) ? first.items[1] : first, site.env, ctx);
      if (v.kind === "known") service = v.value;
      else service = ctx.text.slice(first.start, first.end).replace(/\s+/g, " "); // as written, on one line
    }
  } else if (isList(provision) && isSymbol(provision.items[0])) service = (provision.items[0] as Atom).value;
  else if (provision) {
    const v = resolveString(provision, site.env, ctx);
    if (v.kind === "known") service = v.value;
  }
  const start = fields.get("start");
  const info: ConstructorInfo = { service, record: site.form, start, keywords: new Map(), env: site.env };
  if (!start) return info;
  // the constructor call inside start (possibly behind a let or a lambda)
  const calls = callsWithin(ctx.walk, start).filter((c) => CONSTRUCTORS.has(c.name));
  const call = calls[0];
  if (!call) return info;
  info.call = call.form;
  info.constructorName = call.name;
  info.env = call.env;
  let owner: List = call.form;
  if (call.name === "make-timer-constructor") {
    const command = call.form.items.find((x) => head(x) === "command");
    if (isList(command)) owner = command;
  }
  info.keywordOwner = owner;
  info.keywords = keywordArgs(owner, call.name === "make-timer-constructor" ? 2 : 2);
  // the command: first operand of the constructor (or of `command`)
  const commandDatum = owner.items[1];
  const commandList = commandOf(commandDatum, call.env, ctx);
  if (commandList) {
    info.commandList = commandList;
    info.program = commandList.items[0] && head(commandList) === "list" ? commandList.items[1] : commandList.items[0];
  }
  // the wrapper: #$(least-authority-wrapper …) as program, directly or through a binding
  const wrapper = findWrapper(info.program, call.env, ctx);
  if (wrapper) info.wrapper = wrapper;
  // the removed container constructor confined the process itself, with the same keywords
  else if (call.name === "make-forkexec-constructor/container") info.wrapper = { call: call.form, keywords: info.keywords, at: call.form };
  return info;
}

function commandOf(d: Datum | undefined, env: Env, ctx: ResolveContext, steps = 0): List | undefined {
  if (!d || steps > 8) return undefined;
  if (d.t === "prefix" && d.value) return commandOf(d.value, env, ctx, steps + 1);
  if (isSymbol(d)) {
    const b = env.lookup(d.value);
    return b?.kind === "value" ? commandOf(b.datum, b.env, ctx, steps + 1) : undefined;
  }
  if (isList(d)) {
    const h = head(d);
    if (h === "list" || h === "cons*" || h === "append") return h === "append" ? commandOf(d.items[1], env, ctx, steps + 1) : d;
    if (!h) return d;
  }
  return undefined;
}

function findWrapper(program: Datum | undefined, env: Env, ctx: ResolveContext, steps = 0): ConstructorInfo["wrapper"] {
  if (!program || steps > 8) return undefined;
  if (program.t === "prefix" && program.value) return findWrapper(program.value, env, ctx, steps + 1);
  if (isSymbol(program)) {
    const b = env.lookup(program.value);
    return b?.kind === "value" ? findWrapper(b.datum, b.env, ctx, steps + 1) : undefined;
  }
  if (head(program) === "least-authority-wrapper" && isList(program)) return { call: program, keywords: keywordArgs(program, 2), at: program };
  return undefined;
}

/** Namespaces the wrapped process gets of its own. */
function namespacesOf(info: ConstructorInfo, ctx: ResolveContext): Value<string[]> {
  const w = info.wrapper;
  if (!w) return known([]);
  const ns = w.keywords.get("namespaces")?.value;
  if (!ns) return known(ALL_NAMESPACES);
  return evalNamespaces(ns, info.env, ctx, 0);
}

function evalNamespaces(d: Datum, env: Env, ctx: ResolveContext, steps: number): Value<string[]> {
  if (steps > 8) return unknown("too deep");
  if (d.t === "symbol" && d.value === "%namespaces") return known(ALL_NAMESPACES);
  if (isSymbol(d)) {
    const b = env.lookup(d.value);
    return b?.kind === "value" && b.datum ? evalNamespaces(b.datum, b.env, ctx, steps + 1) : unknown(`depends on ${d.value}`);
  }
  const q = unquoted(d);
  if (q !== d && isList(q)) return known(q.items.filter((x): x is Atom => isSymbol(x)).map((x) => x.value));
  if (isList(d)) {
    const h = head(d);
    if (h === "delq" || h === "delete") {
      const removed = unquoted(d.items[1]);
      const base: Value<string[]> = d.items[2] ? evalNamespaces(d.items[2], env, ctx, steps + 1) : unknown("missing list");
      if (base.kind !== "known" || !removed || removed.t !== "symbol") return base;
      const drop = removed.value;
      return known(base.value.filter((x) => x !== drop));
    }
    if (h === "fold" && isSymbol(d.items[1], "delq")) {
      const base: Value<string[]> = d.items[2] ? evalNamespaces(d.items[2], env, ctx, steps + 1) : unknown("missing list");
      const removed = unquoted(d.items[3]);
      if (base.kind !== "known" || !isList(removed)) return base;
      const drop = new Set(removed.items.filter((x): x is Atom => isSymbol(x)).map((x) => x.value));
      return known(base.value.filter((x) => !drop.has(x)));
    }
    if (h === "list") return known(d.items.slice(1).map((x) => unquoted(x)).filter((x): x is Atom => isSymbol(x)).map((x) => x.value));
  }
  return unknown("namespaces computed at run time");
}

function mappingsOf(info: ConstructorInfo, ctx: ResolveContext, range: (d: Datum) => Range): Mapping[] {
  const m = info.wrapper?.keywords.get("mappings")?.value;
  if (!m) return [];
  const result: Mapping[] = [];
  walk([m], (d) => {
    if (head(d) !== "file-system-mapping" || !isList(d)) return true;
    const f = recordFields(d);
    const source = resolveString(f.get("source")?.items[1], info.env, ctx);
    const targetDatum = f.get("target")?.items[1];
    const target = isSymbol(targetDatum, "source") ? source : resolveString(targetDatum, info.env, ctx);
    const w = f.get("writable?")?.items[1];
    result.push({ source, target, writable: w?.t === "boolean" && w.value.startsWith("#t"), at: range(d) });
    return false;
  });
  return result;
}

function keywordString(info: ConstructorInfo, key: string, ctx: ResolveContext): Value<string | null> | undefined {
  const entry = info.keywords.get(key) ?? info.wrapper?.keywords.get(key);
  if (!entry) return undefined;
  const v = resolveString(entry.value, info.env, ctx);
  return v as Value<string | null>;
}

function userName(info: ConstructorInfo, ctx: ResolveContext): string | undefined {
  const u = keywordString(info, "user", ctx);
  return u?.kind === "known" && u.value ? u.value : undefined;
}

function baseAuthority(user: Value<string | null>, group: Value<string | null>, ops: PathOp[], claims: PathClaim[], accounts: Account[], range: (d: Datum) => Range): Authority {
  const isRoot = user.kind === "known" && (user.value === null || user.value === "root");
  return {
    user,
    group,
    supplementaryGroups: known([]),
    capabilities: isRoot ? known("all") : user.kind === "known" ? known([]) : unknown("depends on the user"),
    confinement: { confined: known(false), namespaces: known([]), mappings: [], network: known("host"), fileSystemView: known("full") },
    writable: claims,
    rootOps: ops.map((o) => ({ op: o.op, path: o.path, followsSymlinks: o.followsSymlinks, under: o.under, phase: o.phase === "gexp" ? "activation" : o.phase, at: range(o.site.form) })),
    accounts,
  };
}

function shepherdService(
  info: ConstructorInfo,
  ops: PathOp[],
  accounts: Account[],
  claims: PathClaim[],
  ctx: ResolveContext,
  range: (d: Datum) => Range,
  serviceTypes: ServiceTypeInfo[],
): Service {
  const daemon = Boolean(info.call);
  // no constructor, or no #:user → root
  let user: Value<string | null> = known(null);
  const u = keywordString(info, "user", ctx);
  if (u) user = u;
  const g = keywordString(info, "group", ctx);
  // #:user without #:group: Shepherd never calls setgid, so the process keeps gid 0
  const group: Value<string | null> = g ?? (info.keywords.has("user") ? known("root") : known(null));
  const own = ops.filter((o) => o.service === info.service && o.phase === "start");
  const account = user.kind === "known" ? user.value : undefined;
  const writable = claims.filter((c) => account && c.account === account);
  const authority = baseAuthority(user, group, own, writable, accounts.filter((a) => account && (a.name === account || a.name === (group.kind === "known" ? group.value : ""))), range);
  const supplementary = info.keywords.get("supplementary-groups");
  if (supplementary) {
    const q = unquoted(supplementary.value);
    authority.supplementaryGroups = isList(q) ? known(q.items.map((x) => (x.t === "string" || x.t === "symbol" ? x.value : "?"))) : unknown("computed");
  }
  if (info.wrapper) {
    const namespaces = namespacesOf(info, ctx);
    const mappings = mappingsOf(info, ctx, range);
    authority.confinement = {
      confined: known(true),
      namespaces,
      mappings,
      network: namespaces.kind === "known" ? known(namespaces.value.includes("net") ? "private" : "host") : unknown("namespaces unknown"),
      fileSystemView: known("confined"),
    };
    if (namespaces.kind === "known" && namespaces.value.includes("user") && user.kind === "known" && user.value === null) authority.capabilities = known([]);
  } else if (!daemon) {
    authority.confinement.confined = unknown("no daemon is started (one-shot code in start)");
  }
  const log = info.keywords.get("log-file");
  if (log) authority.logFile = resolveString(log.value, info.env, ctx);
  const parent = serviceTypes.find((st) => st.shepherd.some((s) => info.record.start >= s.start && info.record.end <= s.end) || (st.form.start <= info.record.start && st.form.end >= info.record.end));
  return {
    name: info.service,
    kind: "shepherd-service",
    language: "guix",
    range: range(info.record),
    nameRange: range(info.record.items[0]),
    authority,
    parent: parent?.name,
  };
}

function serviceTypeService(st: ServiceTypeInfo, services: Service[], ops: PathOp[], accounts: Account[], claims: PathClaim[], range: (d: Datum) => Range): Service {
  const children = services.filter((s) => s.kind === "shepherd-service" && s.parent === st.name);
  const own = ops.filter((o) => o.service === st.name);
  const user = combined(children, (c) => c.authority.user);
  const group = combined(children, (c) => c.authority.group);
  const ownAccounts = accounts.filter((a) => (a.kind === "user" && st.accountNames.includes(a.name)) || st.accounts.some((span) => a.at && span && within(a.at, range(span))));
  const accountNames = new Set(ownAccounts.map((a) => a.name));
  const authority = baseAuthority(user, group, own, claims.filter((c) => accountNames.has(c.account)), ownAccounts, range);
  if (children.length === 1) authority.confinement = children[0].authority.confinement;
  else if (children.length > 1) {
    const all = children.every((c) => c.authority.confinement.confined.kind === "known" && c.authority.confinement.confined.value);
    const none = children.every((c) => c.authority.confinement.confined.kind === "known" && !c.authority.confinement.confined.value);
    authority.confinement.confined = all ? known(true) : none ? known(false) : unknown("some of its shepherd services are confined");
  } else authority.confinement.confined = unknown("no daemon of its own");
  if (children.length === 1) authority.logFile = children[0].authority.logFile;
  return { name: st.name, kind: "service-type", language: "guix", range: range(st.form), nameRange: range(st.nameDatum), authority };
}

/** The user (or group) of a service-type from its shepherd services: one value, or one per service. */
function combined(children: Service[], get: (s: Service) => Value<string | null>): Value<string | null> {
  if (children.length === 0) return unknown("no shepherd service of its own");
  if (children.length === 1) return get(children[0]);
  const values = children.map((c) => get(c));
  const first = values[0];
  if (first.kind === "known" && values.every((v) => v.kind === "known" && v.value === first.value)) return known(first.value);
  if (values.some((v) => v.kind !== "known")) return unknown(`differs between ${children.map((c) => c.name).join(", ")}`);
  return { kind: "conditional", cases: children.map((c, i) => ({ when: `in ${c.name}`, value: (values[i] as { value: string | null }).value })) };
}

function within(inner: Range, outer: Range): boolean {
  const le = (a: Range["start"], b: Range["start"]) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return le(outer.start, inner.start) && le(inner.end, outer.end);
}

/** mkdir-p then chown (then chmod) of the same path, in one body. */
function mkdirChownGroups(ops: PathOp[], ctx: ResolveContext): MkdirChownGroup[] {
  const groups: MkdirChownGroup[] = [];
  const byParent = new Map<unknown, PathOp[]>();
  for (const op of ops) {
    if (!op.site.parent) continue;
    let list = byParent.get(op.site.parent);
    if (!list) byParent.set(op.site.parent, (list = []));
    list.push(op);
  }
  const samePath = (a: PathOp, b: PathOp) =>
    (a.pathArg && b.pathArg && ctx.text.slice(a.pathArg.start, a.pathArg.end) === ctx.text.slice(b.pathArg.start, b.pathArg.end)) ||
    (a.path.kind === "known" && b.path.kind === "known" && a.path.value === b.path.value);
  for (const list of byParent.values()) {
    list.sort((a, b) => a.site.index - b.site.index);
    for (let i = 0; i < list.length; i++) {
      const mkdir = list[i];
      if (mkdir.op !== "mkdir-p") continue;
      const chown = list.find((o, j) => j > i && o.op === "chown" && samePath(mkdir, o) && o.site.index - mkdir.site.index <= 3);
      if (!chown) continue;
      const chmod = list.find((o) => o.op === "chmod" && samePath(mkdir, o) && o.site.index > mkdir.site.index && o.site.index - chown.site.index <= 2 && o.site.index - mkdir.site.index <= 4);
      const group: MkdirChownGroup = { mkdir, chown, chmod };
      group.owner = ownerExpression(chown, ctx);
      const modeDatum = chmod?.site.form.items[2];
      if (modeDatum?.t === "number") group.mode = modeDatum.value;
      groups.push(group);
    }
  }
  return groups;
}

/** A passwd expression for mkdir-p/perms' OWNER, from a chown's uid argument. */
function ownerExpression(chown: PathOp, ctx: ResolveContext): string | undefined {
  const uid = chown.site.form.items[2];
  if (!uid) return undefined;
  // (passwd:uid X) → X, when X is a symbol or a (getpwnam …) call
  if (head(uid) === "passwd:uid" && isList(uid)) {
    const x = uid.items[1];
    if (x && (isSymbol(x) || head(x) === "getpwnam")) return ctx.text.slice(x.start, x.end);
  }
  // a symbol bound to (passwd:uid X)
  if (isSymbol(uid)) {
    const b = chown.site.env.lookup(uid.value);
    if (b?.kind === "value" && head(b.datum) === "passwd:uid" && isList(b.datum)) {
      const x = b.datum.items[1];
      if (isSymbol(x) && chown.site.env.lookup(x.value) === b.env.lookup(x.value)) return x.value;
      if (x && head(x) === "getpwnam") return ctx.text.slice(x.start, x.end);
    }
  }
  if (chown.account && chown.account !== "root") return `(getpwnam ${JSON.stringify(chown.account)})`;
  return undefined;
}

/** Local definitions named like the safe API, which shadow it. */
function shadowDefinitions(walked: ReturnType<typeof walkFile>, top: ReturnType<typeof readTopLevel>, ctx: ResolveContext): ShadowDefinition[] {
  const result: ShadowDefinition[] = [];
  const names = ["mkdir-p/perms"];
  for (const name of names) {
    const local = walked.localProcedures.get(name) ?? [];
    const topLevel = top.procedures.get(name);
    const defs = [...local.map((l) => ({ form: l.form, params: l.params, env: l.env })), ...(topLevel ? [{ form: topLevel.form, params: topLevel.params, env: top.env }] : [])];
    for (const def of defs) {
      let owner: string | undefined;
      let ownerExpression: string | undefined;
      walk([def.form], (d) => {
        if (head(d) === "chown" && isList(d)) {
          const site = callOf(walked, d);
          owner = site ? resolveAccount(d.items[2], site.env, ctx) : undefined;
          const passwd = site ? passwdForm(d.items[2], site.env) : undefined;
          if (passwd) ownerExpression = ctx.text.slice(passwd.start, passwd.end);
          return false;
        }
        return true;
      });
      const scope = callOf(walked, def.form)?.parent;
      result.push({ form: def.form, name, params: def.params, owner, ownerExpression, env: def.env, scope: scope ? { start: scope.start, end: scope.end } : undefined });
    }
  }
  return result;
}

/** The `(getpwnam …)` form a uid expression comes from: `(passwd:uid pw)` with pw bound to it, or inline. */
function passwdForm(d: Datum | undefined, env: Env, steps = 0): List | undefined {
  if (!d || steps > 8) return undefined;
  if (head(d) === "getpwnam" && isList(d)) return d;
  if (isSymbol(d)) {
    const b = env.lookup(d.value);
    return b?.kind === "value" ? passwdForm(b.datum, b.env, steps + 1) : undefined;
  }
  if ((head(d) === "passwd:uid" || head(d) === "passwd:gid") && isList(d)) return passwdForm(d.items[1], env, steps + 1);
  return undefined;
}

export { Env };
