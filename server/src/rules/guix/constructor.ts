import type { ConstructorInfo, GuixDetails } from "../../guix/model";
import { resolveString, STORE } from "../../guix/resolve";
import { isStrictlyBelow } from "../../model/claims";
import { type Datum, head, isList, isSymbol, type List, recordFields, walk } from "../../guix/sexp";
import type { Fix } from "../../model/finding";
import type { Service } from "../../model/service";
import type { TextEdit } from "../../model/range";
import type { RuleContext } from "../rule";
import { asciiName, columnOf, ensureModule, eol, fix, insert, replace, schemeString, textOf } from "./util";

const DAEMONS = new WeakMap<GuixDetails, { info: ConstructorInfo; service: Service }[]>();

/** Shepherd services that start a daemon, with their model service (computed once per analysis). */
export function daemons(ctx: RuleContext, d: GuixDetails): { info: ConstructorInfo; service: Service }[] {
  const cached = DAEMONS.get(d);
  if (cached) return cached;
  // shepherd services by name and first line: one lookup per constructor, not a scan
  const byKey = new Map<string, Service>();
  for (const s of ctx.file.services) if (s.kind === "shepherd-service") byKey.set(`${s.name}\u0000${s.range.start.line}`, s);
  const result: { info: ConstructorInfo; service: Service }[] = [];
  for (const info of d.constructors) {
    if (!info.call) continue;
    const service = byKey.get(`${info.service}\u0000${ctx.document.lineIndex.positionAt(info.record.start).line}`);
    if (service) result.push({ info, service });
  }
  DAEMONS.set(d, result);
  return result;
}

/** Inserts keyword arguments into the constructor call (or `command` form), in its layout. */
export function addKeywords(ctx: RuleContext, info: ConstructorInfo, text: string): TextEdit | undefined {
  return info.keywordOwner ? addKeywordsTo(ctx, info.keywordOwner, text) : undefined;
}

/** Inserts keyword arguments at the end of a call, on a line of their own when its keywords are. */
export function addKeywordsTo(ctx: RuleContext, owner: List, text: string): TextEdit | undefined {
  const keywords = owner.items.filter((x) => x.t === "keyword");
  const last = owner.items[owner.items.length - 1];
  if (!last) return undefined;
  const lines = ctx.document.lineIndex;
  if (keywords.length > 0) {
    const firstKw = keywords[0];
    // keywords on lines of their own: add a line in the same column after the last argument
    const column = columnOf(ctx, firstKw.start);
    const onOwnLine = /^[ \t]*$/.test(ctx.document.text.slice(lines.lineStart(lines.positionAt(firstKw.start).line), firstKw.start));
    if (onOwnLine) return insert(ctx, last.end, `${eol(ctx)}${" ".repeat(column)}${text}`);
    return insert(ctx, last.end, ` ${text}`);
  }
  const command = owner.items[1];
  if (!command) return insert(ctx, last.end, ` ${text}`);
  const multiLine = lines.positionAt(owner.start).line !== lines.positionAt(last.end).line;
  if (multiLine) return insert(ctx, last.end, `${eol(ctx)}${" ".repeat(columnOf(ctx, command.start))}${text}`);
  return insert(ctx, last.end, ` ${text}`);
}

/** The user a daemon's constructor or wrapper names, when known. */
function daemonUser(d: GuixDetails, c: ConstructorInfo): string | undefined {
  const u = c.keywords.get("user") ?? c.wrapper?.keywords.get("user");
  if (!u?.value) return undefined;
  const v = resolveString(u.value, c.env, d.ctx);
  return v.kind === "known" ? v.value : undefined;
}

/**
 * The account a service should run as. In order: an account named after the service (or its
 * service-type); the one account its own service-type declares that no other daemon runs as; the
 * file's only account when the service has no service-type here. Otherwise a new account named after
 * the service (declared: false). Never an account another service-type declares, and never nobody.
 */
export function accountFor(d: GuixDetails, service: Service): { name: string; group: string; declared: boolean } {
  const users = d.accounts.filter((a) => a.kind === "user" && a.name !== "nobody" && a.name !== "root");
  const usedByOthers = (name: string) => d.constructors.some((c) => c.service !== service.name && c.call && daemonUser(d, c) === name);
  const st = d.serviceTypes.find((s) => s.name === service.parent);
  const named = users.find((a) => a.name === service.name) ?? users.find((a) => service.parent !== undefined && a.name === service.parent && !usedByOthers(a.name));
  let pick = named;
  if (!pick && st) {
    const free = users.filter((a) => st.accountNames.includes(a.name) && !usedByOthers(a.name));
    const distinct = [...new Set(free.map((a) => a.name))];
    if (distinct.length === 1) pick = free[0];
  }
  if (!pick && !st) {
    const free = users.filter((a) => !usedByOthers(a.name) && !d.serviceTypes.some((s) => s.accountNames.includes(a.name)));
    if (free.length === 1) pick = free[0];
  }
  if (pick) return { name: pick.name, group: pick.group ?? pick.name, declared: true };
  const name = asciiName(service.name).toLowerCase();
  return { name, group: name, declared: false };
}

/** user-group and user-account records for a new system account, one per line at `pad`. */
function accountRecords(ctx: RuleContext, name: string, pad: string): string[] {
  const nl = eol(ctx);
  return [
    `(user-group (name ${schemeString(name)}) (system? #t))`,
    [
      `(user-account`,
      ` (name ${schemeString(name)})`,
      ` (group ${schemeString(name)})`,
      ` (system? #t)`,
      ` (comment ${schemeString(`${name} daemon`)})`,
      ` (home-directory "/var/empty")`,
      ` (create-home-directory? #f)`,
      ` (shell (file-append shadow "/sbin/nologin")))`,
    ].join(`${nl}${pad}`),
  ];
}

/** The `(list …)` of account records an account-extension procedure returns, when it returns one. */
function accountList(d: GuixDetails, proc: Datum | undefined, steps = 0): List | undefined {
  if (!proc || steps > 8) return undefined;
  if (isSymbol(proc)) {
    const procedure = d.top.procedures.get(proc.value);
    if (procedure) return tailList(procedure.body[procedure.body.length - 1], steps + 1);
    const def = d.top.defines.get(proc.value);
    return def ? tailList(def.items[2], steps + 1) : undefined;
  }
  if (head(proc) === "const" && isList(proc)) {
    const v = proc.items[1];
    return isSymbol(v) ? accountList(d, v, steps + 1) : tailList(v, steps + 1);
  }
  return undefined;
}

/** The list form an expression returns, through let, let* and match-record bodies. */
function tailList(d: Datum | undefined, steps: number): List | undefined {
  if (!isList(d) || steps > 8) return undefined;
  const h = head(d);
  if (h === "list") return d.items.some((x) => head(x) === "user-account" || head(x) === "user-group") ? d : undefined;
  if (h === "let" || h === "let*" || h === "match-record" || h === "begin") return tailList(d.items[d.items.length - 1], steps + 1);
  return undefined;
}

/**
 * Declares a new system account for the service's service-type: appended to the list of records its
 * account-service-type extension returns, or — when that extension computes its list some other way —
 * consed onto what the extension returns; or in a new account-service-type extension.
 */
export function addAccountExtension(ctx: RuleContext, d: GuixDetails, service: Service, name: string): TextEdit[] | undefined {
  const st = d.serviceTypes.find((s) => s.name === service.parent);
  if (!st) return undefined;
  const nl = eol(ctx);
  const modules = [...ensureModule(ctx, "gnu system shadow"), ...ensureModule(ctx, "gnu packages admin")];
  if (st.accountNames.includes(name)) return [];
  const ext = st.accountExtension;
  if (ext) {
    const proc = ext.items[2];
    if (!proc) return undefined;
    const list = accountList(d, proc);
    if (list && list.items.length > 1) {
      const lastItem = list.items[list.items.length - 1];
      const pad = " ".repeat(columnOf(ctx, list.items[1].start));
      const records = accountRecords(ctx, name, pad);
      return [insert(ctx, lastItem.end, records.map((r) => `${nl}${pad}${r}`).join("")), ...modules];
    }
    // (service-extension account-service-type P) → (lambda (config) (cons* group account (P config)))
    const column = columnOf(ctx, proc.start);
    const pad = " ".repeat(column + 2);
    const inner = " ".repeat(column + 9);
    const records = accountRecords(ctx, name, inner);
    const text = `(lambda (config)${nl}${pad}(cons* ${records.join(`${nl}${inner}`)}${nl}${inner}(${textOf(ctx, proc)} config)))`;
    return [replace(ctx, proc.start, proc.end, text), ...modules];
  }
  const extensions = recordFields(st.form).get("extensions");
  const list = extensions?.items[1];
  if (!isList(list) || head(list) !== "list" || list.items.length < 2) return undefined;
  const lastItem = list.items[list.items.length - 1];
  const pad = " ".repeat(columnOf(ctx, list.items[1].start));
  const inner = `${pad}                                `;
  const records = accountRecords(ctx, name, inner);
  const text = `${nl}${pad}(service-extension account-service-type${nl}${pad}                   (const (list ${records.join(`${nl}${inner}`)})))`;
  return [insert(ctx, lastItem.end, text), ...modules];
}

/** Whether the wrapper keeps the host's user namespace out: then #:user belongs on the wrapper. */
export function wrapperDropsUserNamespace(service: Service, info: ConstructorInfo): boolean {
  const ns = service.authority.confinement.namespaces;
  return Boolean(info.wrapper) && ns.kind === "known" && !ns.value.includes("user");
}

/**
 * Runs the daemon as an account of its own: #:user/#:group on the constructor (or on the wrapper,
 * when the wrapper drops the user namespace: it needs root to set up the container and switches
 * inside it), plus the account's records when the file does not declare it yet.
 */
export function runAsAccountFix(ctx: RuleContext, d: GuixDetails, info: ConstructorInfo, service: Service): Fix | undefined {
  const account = accountFor(d, service);
  const keywords = `#:user ${schemeString(account.name)} #:group ${schemeString(account.group)}`;
  const onWrapper = wrapperDropsUserNamespace(service, info) && info.wrapper;
  const kw = onWrapper ? addKeywordsTo(ctx, info.wrapper!.call, keywords) : addKeywords(ctx, info, keywords);
  if (!kw) return undefined;
  const where = onWrapper ? "on least-authority-wrapper" : "#:user/#:group";
  if (account.declared) return fix(`Run as the ${account.name} account (${where})`, [kw], true);
  const accounts = addAccountExtension(ctx, d, service, account.name);
  if (!accounts) return undefined;
  return fix(`Run as a new ${account.name} system account (${where}, user-account and user-group)`, [kw, ...accounts], true);
}

/** Read-only and writable mappings for a wrapper, from what the service writes and the files it is given. */
export function wrapperMappings(ctx: RuleContext, d: GuixDetails, info: ConstructorInfo, service: Service): string[] {
  const mappings: string[] = [];
  const seen = new Set<string>();
  const account = accountFor(d, service).name;
  const user = service.authority.user.kind === "known" ? service.authority.user.value : undefined;
  const owned = [...d.claimIndex.of(account), ...(user && user !== account ? d.claimIndex.of(user) : [])].map((c) => c.path);
  // one mapping per directory; what lies below a mapped directory comes with it
  for (const path of owned) {
    if (seen.has(path) || owned.some((other) => isStrictlyBelow(path, other))) continue;
    seen.add(path);
    mappings.push(`(file-system-mapping (source ${schemeString(path)}) (target source) (writable? #t))`);
  }
  const args = info.commandList ? info.commandList.items.slice(head(info.commandList) === "list" ? 2 : 1) : [];
  const mapped = [...seen];
  // the daemon writes its PID file inside the container, where Shepherd reads it from the host
  const pid = info.keywords.get("pid-file");
  const pidPath = pid?.value ? resolveString(pid.value, info.env, d.ctx) : undefined;
  if (pidPath?.kind === "known" && pidPath.value.startsWith("/")) {
    const dir = pidPath.value.slice(0, pidPath.value.lastIndexOf("/")) || "/";
    if (dir !== "/" && dir !== "/run" && dir !== "/var/run" && !mapped.some((m) => m === dir || isStrictlyBelow(dir, m))) {
      mapped.push(dir);
      seen.add(dir);
      mappings.push(`(file-system-mapping (source ${schemeString(dir)}) (target source) (writable? #t))`);
    }
  }
  for (const arg of args) {
    // a file the command is given by absolute path: read-only, unless a writable mapping holds it
    const literal = arg.t === "string" ? arg.value : undefined;
    const isUngexp = arg.t === "prefix" && arg.kind === "ungexp" && arg.value !== undefined;
    const v = isUngexp ? resolveString(arg.value, info.env, d.ctx) : literal !== undefined ? { kind: "known" as const, value: literal } : undefined;
    if (v?.kind !== "known") continue;
    if (v.value === STORE && isUngexp) {
      const text = textOf(ctx, arg.value!);
      if (seen.has(text) || text.includes("file-append")) continue;
      seen.add(text);
      mappings.push(`(file-system-mapping (source ${text}) (target source))`);
    } else if (/^\/(?!gnu\/store|dev\/|proc\/|sys\/)[^\s*?]+$/.test(v.value) && !mapped.some((m) => m === v.value || isStrictlyBelow(v.value, m))) {
      mapped.push(v.value);
      seen.add(v.value);
      mappings.push(`(file-system-mapping (source ${schemeString(v.value)}) (target source))`);
    }
  }
  return mappings;
}

/** Whether the service visibly listens on the network (a port option, a listen address). */
export function listens(ctx: RuleContext, info: ConstructorInfo, d?: GuixDetails): boolean {
  const network = /port|listen|bind|socket|endpoint|address|url|host/i;
  if (network.test(textOf(ctx, info.record))) return true;
  // a configuration record with a port or listen field: the daemon serves the network
  return d !== undefined && [...d.top.accessors.values()].some((f) => network.test(f.field));
}

export function keywordDatum(info: ConstructorInfo, key: string): Datum | undefined {
  return info.keywords.get(key)?.key;
}

export function walkSymbols(d: Datum, names: Set<string>): boolean {
  let found = false;
  walk([d], (x) => {
    if (found) return false;
    if (x.t === "symbol" && names.has(x.value)) found = true;
    return true;
  });
  return found;
}

export type { List };
