import type { GuixDetails } from "../guix/model";
import { type Datum, head, isList, isSymbol, type List, walk } from "../guix/sexp";
import type { FileModel } from "../model/file";
import type { SourceDocument } from "../parsing/document";
import type { Catalog } from "./catalog";
import { enableValue, type NixDefinition, walkDefinitions } from "./nix-walk";
import type { UsedList, UsedService } from "./types";

export interface Usage {
  services: UsedService[];
  lists: UsedList[];
}

const memo = new WeakMap<FileModel, { generation: number; catalog: Catalog; usage: Usage }>();

/**
 * The services a configuration uses that the catalog knows: `(service x-service-type …)` and the
 * clauses of `(modify-services …)` in Guix, `services.x.enable = true` in NixOS. Read from the syntax
 * tree only. Computed once per analysis and catalog generation.
 */
export function usageOf(document: SourceDocument, model: FileModel, catalog: Catalog): Usage {
  const hit = memo.get(model);
  if (hit && hit.catalog === catalog && hit.generation === catalog.generation) return hit.usage;
  const usage = document.language === "guix" ? guixUsage(document, model, catalog) : nixUsage(document, catalog);
  memo.set(model, { generation: catalog.generation, catalog, usage });
  return usage;
}

function guixUsage(document: SourceDocument, model: FileModel, catalog: Catalog): Usage {
  const d = model.details as GuixDetails | undefined;
  const data: Datum[] = d?.data ?? [];
  const services: UsedService[] = [];
  const lists: UsedList[] = [];
  const range = (x: { start: number; end: number }) => document.lineIndex.rangeOf(x.start, x.end);
  const use = (form: List, sym: Datum, usage: UsedService["usage"]) => {
    if (!isSymbol(sym)) return;
    const entry = catalog.lookupGuix(sym.value);
    if (!entry) return;
    services.push({ name: sym.value, kind: "used-service", language: "guix", range: range(form), nameRange: range(sym), authority: entry.authority, entry, usage });
  };
  walk(data, (x) => {
    if (!isList(x)) return true;
    const h = head(x);
    if (h === "service") {
      use(x, x.items[1], "service");
      return true;
    }
    if (h === "modify-services") {
      const base = x.items[1];
      const deleted: string[] = [];
      for (const clause of x.items.slice(2)) {
        if (!isList(clause)) continue;
        if (head(clause) === "delete" && isSymbol(clause.items[1])) deleted.push(clause.items[1].value);
        else if (isSymbol(clause.items[0])) use(clause, clause.items[0], "modify-services");
      }
      if (isSymbol(base) && catalog.lists.has(base.value)) lists.push({ name: base.value, range: range(base), list: catalog.lists.get(base.value)!, deleted });
      else if (base) walk([base], (y) => (isSymbol(y) && catalog.lists.has(y.value) ? (lists.push({ name: y.value, range: range(y), list: catalog.lists.get(y.value)!, deleted }), false) : true));
      return true;
    }
    // a list of services named outside modify-services: (append (list …) %base-services), (cons* … %desktop-services)
    for (const item of x.items.slice(1)) {
      if (isSymbol(item) && /^%[\w-]*services$/.test(item.value) && catalog.lists.has(item.value) && (h === "append" || h === "cons*" || h === "cons" || h === "services" || h === "list")) {
        if (!lists.some((l) => l.range.start.line === range(item).start.line && l.name === item.value)) lists.push({ name: item.value, range: range(item), list: catalog.lists.get(item.value)!, deleted: [] });
      }
    }
    return true;
  });
  // a modify-services clause also matched as a nested (service …)? keep the first per position
  const seen = new Set<string>();
  const unique = services.filter((s) => {
    const k = `${s.nameRange.start.line}:${s.nameRange.start.character}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { services: unique, lists };
}

function nixUsage(document: SourceDocument, catalog: Catalog): Usage {
  const source = document.text;
  const services: UsedService[] = [];
  const seen = new Map<string, NixDefinition>();
  walkDefinitions(source, document.tree.rootNode, (d) => {
    if (d.path[0] === "options") return false;
    const path = d.path[0] === "config" ? d.path.slice(1) : d.path;
    if (!seen.has(path.join("."))) seen.set(path.join("."), d);
    if (path.length < 2 || path[path.length - 1] !== "enable") return true;
    const key = path.slice(0, -1).join(".");
    const entry = catalog.lookupNix(key);
    if (!entry) return false;
    const value = enableValue(source, d.value);
    if (value.on === false) return false;
    const conds = [...d.conds, ...(value.on === "maybe" ? [value.expr] : [])];
    // the lens sits on the binding; the name is the attrpath's attrs naming the service
    // (`services.tor = { enable = true; … }`: the whole `services.tor` definition)
    const outer = seen.get(key);
    const site = outer ?? d;
    const attrs = site.attrs;
    const first = attrs[0] ?? site.binding;
    const lastNameAttr = outer ? attrs[attrs.length - 1] : attrs.length >= 2 ? attrs[attrs.length - 2] : attrs[0];
    const used: UsedService = {
      name: key,
      kind: "used-service",
      language: "nix",
      range: document.rangeOf(site.binding),
      nameRange: document.lineIndex.rangeOf(first.startIndex, (lastNameAttr ?? first).endIndex),
      authority: entry.authority,
      entry,
      usage: "enable",
    };
    if (conds.length) used.when = conds.join(" && ");
    services.push(used);
    return false;
  });
  return { services, lists: [] };
}
