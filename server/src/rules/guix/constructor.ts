import type { ConstructorInfo, GuixDetails } from "../../guix/model";
import { resolveString, STORE } from "../../guix/resolve";
import { type Datum, head, isList, type List, recordFields, unquoted, walk } from "../../guix/sexp";
import type { Service } from "../../model/service";
import type { TextEdit } from "../../model/range";
import type { RuleContext } from "../rule";
import { columnOf, ensureModule, eol, insert, schemeString, textOf } from "./util";

/** Shepherd services that start a daemon, with their model service. */
export function daemons(ctx: RuleContext, d: GuixDetails): { info: ConstructorInfo; service: Service }[] {
  const result: { info: ConstructorInfo; service: Service }[] = [];
  for (const info of d.constructors) {
    if (!info.call) continue;
    const service = ctx.file.services.find((s) => s.kind === "shepherd-service" && s.name === info.service && s.range.start.line === ctx.document.lineIndex.positionAt(info.record.start).line);
    if (service) result.push({ info, service });
  }
  return result;
}

/** Inserts keyword arguments into the constructor call (or `command` form), in its layout. */
export function addKeywords(ctx: RuleContext, info: ConstructorInfo, text: string): TextEdit | undefined {
  const owner = info.keywordOwner;
  if (!owner) return undefined;
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

/** The account a service should run as: one declared for it in the file, or one named after it. */
export function accountFor(d: GuixDetails, service: Service): { name: string; group: string; declared: boolean } {
  const users = d.accounts.filter((a) => a.kind === "user");
  const named = users.find((a) => a.name === service.name) ?? users.find((a) => service.parent && a.name === service.parent);
  // the file's only account, unless another daemon already runs as it
  const usedByOthers = (name: string) =>
    d.constructors.some((c) => {
      if (c.service === service.name) return false;
      const u = c.keywords.get("user") ?? c.wrapper?.keywords.get("user");
      return u?.value !== undefined && resolveString(u.value, c.env, d.ctx).kind === "known" && (resolveString(u.value, c.env, d.ctx) as { value: string }).value === name;
    });
  const only = users.length === 1 && !usedByOthers(users[0].name) ? users[0] : undefined;
  const pick = named ?? only;
  if (pick) return { name: pick.name, group: pick.group ?? pick.name, declared: true };
  const name = service.name.replace(/[^a-z0-9_-]/gi, "-").toLowerCase();
  return { name, group: name, declared: false };
}

/** Adds user-group/user-account records via an account-service-type extension of the parent service-type. */
export function addAccountExtension(ctx: RuleContext, d: GuixDetails, service: Service, name: string): TextEdit[] | undefined {
  const st = d.walk.callsByName.get("service-type")?.find((s) => {
    const q = unquoted(recordFields(s.form).get("name")?.items[1]);
    return q?.t === "symbol" && q.value === service.parent;
  });
  if (!st) return undefined;
  const extensions = recordFields(st.form).get("extensions");
  const list = extensions?.items[1];
  if (!isList(list) || head(list) !== "list") return undefined;
  const hasAccounts = /account-service-type/.test(textOf(ctx, list));
  if (hasAccounts) return undefined;
  const lastItem = list.items[list.items.length - 1];
  const column = list.items.length > 1 ? columnOf(ctx, list.items[1].start) : columnOf(ctx, list.start) + 6;
  const pad = " ".repeat(column);
  const nl = eol(ctx);
  const shell = `(shell (file-append shadow "/sbin/nologin"))`;
  const text =
    `${nl}${pad}(service-extension account-service-type${nl}${pad}                   (const (list (user-group (name ${schemeString(name)}) (system? #t))` +
    `${nl}${pad}                                (user-account${nl}${pad}                                 (name ${schemeString(name)})${nl}${pad}                                 (group ${schemeString(name)})` +
    `${nl}${pad}                                 (system? #t)${nl}${pad}                                 (home-directory "/var/empty")${nl}${pad}                                 ${shell}))))`;
  return [insert(ctx, lastItem.end, text), ...ensureModule(ctx, "gnu system shadow"), ...ensureModule(ctx, "gnu packages admin")];
}

/** Read-only and writable mappings for a wrapper, from what the service writes and the files it is given. */
export function wrapperMappings(ctx: RuleContext, d: GuixDetails, info: ConstructorInfo, service: Service): string[] {
  const mappings: string[] = [];
  const seen = new Set<string>();
  const account = accountFor(d, service).name;
  const user = service.authority.user.kind === "known" ? service.authority.user.value : undefined;
  for (const claim of d.claims.filter((c) => c.account === account || (user && c.account === user))) {
    if (seen.has(claim.path)) continue;
    seen.add(claim.path);
    mappings.push(`(file-system-mapping (source ${schemeString(claim.path)}) (target source) (writable? #t))`);
  }
  const args = info.commandList ? info.commandList.items.slice(head(info.commandList) === "list" ? 2 : 1) : [];
  for (const arg of args) {
    if (arg.t !== "prefix" || !arg.kind.startsWith("ungexp") || !arg.value) continue;
    const v = resolveString(arg.value, info.env, d.ctx);
    const text = textOf(ctx, arg.value);
    if (v.kind === "known" && v.value === STORE && !seen.has(text) && !text.includes("file-append")) {
      seen.add(text);
      mappings.push(`(file-system-mapping (source ${text}) (target source))`);
    }
  }
  return mappings;
}

/** Whether the service visibly listens on the network (a port option, a listen address). */
export function listens(ctx: RuleContext, info: ConstructorInfo): boolean {
  const text = textOf(ctx, info.record);
  return /port|listen|bind|socket|endpoint|address/i.test(text);
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
