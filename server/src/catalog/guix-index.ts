import type { GuixDetails } from "../guix/model";
import { extractGuix } from "../guix/extract";
import { type Datum, head, isList, isSymbol, walk } from "../guix/sexp";
import type { SourceDocument } from "../parsing/document";
import type { Service } from "../model/service";
import { compactAuthority, dedupeClaims } from "./compact";
import type { CatalogEntry, DefinedIn, FileIndex, GuixVersionInfo, ServiceList } from "./types";

/** Cheap test before parsing: only files that may define service types or lists of services are read. */
export function mayDefineGuixServices(text: string): boolean {
  return text.includes("(service-type") || /\(define(?:-public)?\s+%[\w-]*services\b/.test(text) || /\(define\*?\s+\(mkdir-p\/perms\b/.test(text);
}

const SETTING_FIELDS = /^(user|group|account|owner|run-as|run-as-user|supplementary-groups|.*-user|.*-group)$/;

/**
 * The service types, service lists and (for gnu/build/activation.scm) the mkdir-p/perms version a
 * Guix file defines. Keeps summaries only: the caller disposes the document.
 */
export function indexGuixDocument(document: SourceDocument, file: string, origin: CatalogEntry["origin"]): Omit<FileIndex, "mtimeMs" | "size"> {
  const model = extractGuix(document);
  const d = model.details as GuixDetails;
  const at = (x: { start: number }): DefinedIn => {
    const p = document.lineIndex.positionAt(x.start);
    return { file, line: p.line, character: p.character };
  };
  const entries: CatalogEntry[] = [];
  for (const st of d.serviceTypes) {
    const line = document.lineIndex.positionAt(st.form.start).line;
    const s = model.services.find((x) => x.kind === "service-type" && x.name === st.name && x.range.start.line === line);
    if (!s) continue;
    const children = model.services.filter((x) => x.kind === "shepherd-service" && x.parent === st.name);
    const authority = { ...s.authority };
    authority.rootOps = [...s.authority.rootOps, ...children.flatMap((c) => c.authority.rootOps)];
    authority.writable = dedupeClaims([...s.authority.writable, ...children.flatMap((c) => c.authority.writable)]);
    const names = new Set([st.name, ...children.map((c) => c.name)]);
    const below: NonNullable<CatalogEntry["mkdirPPermsBelow"]> = [];
    for (const op of d.ops) {
      if (op.op !== "mkdir-p/perms" || !op.service || !names.has(op.service) || op.path.kind !== "known") continue;
      const c = d.claimIndex.above(op.path.value);
      if (c) below.push({ path: op.path.value, under: c.path, account: c.account, line: document.lineIndex.positionAt(op.site.form.start).line });
    }
    const key = st.defineName && st.defineName.endsWith("service-type") ? st.defineName : `${st.name}-service-type`;
    const define = st.defineName ? d.top.defines.get(st.defineName) : undefined;
    const entry: CatalogEntry = {
      key,
      language: "guix",
      service: st.name,
      definedIn: at(define ?? st.form),
      origin,
      authority: compactAuthority(authority),
      units: children.map((c) => c.name),
      settings: settingsOf(st.form, d),
    };
    if (below.length) entry.mkdirPPermsBelow = below.slice(0, 20);
    entries.push(entry);
  }
  const result: Omit<FileIndex, "mtimeMs" | "size"> = { entries };
  const lists = serviceLists(d, at);
  if (lists.length) result.lists = lists;
  if (/(^|\/)gnu\/build\/activation\.scm$/.test(file.replace(/\\/g, "/")) || d.moduleForm?.items[1] && /^\(gnu build activation\)$/.test(document.text.slice(d.moduleForm.items[1].start, d.moduleForm.items[1].end).replace(/\s+/g, " "))) {
    result.activation = mkdirPPermsVersion(d, file, document);
  }
  return result;
}

/** Fields of the service's configuration record that choose its account. */
function settingsOf(form: Datum, d: GuixDetails): string[] {
  if (!isList(form)) return [];
  const dv = form.items.find((x) => head(x) === "default-value");
  const ctor = isList(dv) ? head(dv.items[1]) : undefined;
  if (!ctor) return [];
  const record = d.top.records.get(`<${ctor}>`);
  if (!record) return [];
  return [...record.keys()].filter((f) => SETTING_FIELDS.test(f)).map((f) => `(${ctor} (${f} …))`);
}

function serviceLists(d: GuixDetails, at: (x: { start: number }) => DefinedIn): ServiceList[] {
  const lists: ServiceList[] = [];
  for (const [name, form] of d.top.defines) {
    if (!/^%[\w-]*services$/.test(name)) continue;
    const types: string[] = [];
    const includes: string[] = [];
    walk([form.items[2] ?? form], (x) => {
      if (head(x) === "service" && isList(x) && isSymbol(x.items[1])) {
        if (!types.includes(x.items[1].value)) types.push(x.items[1].value);
        return false;
      }
      if (isSymbol(x) && /^%[\w-]*services$/.test(x.value) && x.value !== name && !includes.includes(x.value)) includes.push(x.value);
      return true;
    });
    if (types.length || includes.length) lists.push({ name, types, includes, definedIn: at(form) });
  }
  return lists;
}

/**
 * Which mkdir-p/perms this Guix has: the symlink-safe one (late 2024) walks the path with openat and
 * O_NOFOLLOW; the older one checks with lstat, then acts by path.
 */
function mkdirPPermsVersion(d: GuixDetails, file: string, document: SourceDocument): GuixVersionInfo {
  const proc = d.top.procedures.get("mkdir-p/perms");
  if (!proc) return { mkdirPPerms: "absent", file, line: 0 };
  // its body and the top-level helpers it calls (two levels)
  const seen = new Set<string>(["mkdir-p/perms"]);
  let forms: Datum[] = [proc.form];
  let text = "";
  for (let level = 0; level < 3 && forms.length; level++) {
    const next: Datum[] = [];
    for (const f of forms) {
      text += document.text.slice(f.start, f.end) + "\n";
      walk([f], (x) => {
        if (isSymbol(x) && !seen.has(x.value) && d.top.procedures.has(x.value)) {
          seen.add(x.value);
          next.push(d.top.procedures.get(x.value)!.form);
        }
        return true;
      });
    }
    forms = next;
  }
  const safe = /\bopenat\b/.test(text) || /\bO_NOFOLLOW\b/.test(text);
  return { mkdirPPerms: safe ? "safe" : "racy", file, line: document.lineIndex.positionAt(proc.form.start).line };
}

export type { Service };
