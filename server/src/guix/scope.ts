import { type Atom, type Datum, head, isList, isSymbol, type List } from "./sexp";

/** What a name is bound to, lexically. */
export type Binding =
  | { kind: "value"; datum: Datum | undefined; env: Env }
  /** A procedure parameter: its values come from the procedure's call sites. */
  | { kind: "param"; procedure: string; index: number; keyword?: string; fallback?: Datum; env: Env }
  | { kind: "opaque"; why: string };

/** A chain of lexical frames. The outermost frame is the file's top level. */
export class Env {
  private readonly vars = new Map<string, Binding>();
  constructor(readonly parent: Env | null) {}

  set(name: string, binding: Binding): void {
    this.vars.set(name, binding);
  }

  lookup(name: string): Binding | undefined {
    for (let env: Env | null = this; env; env = env.parent) {
      const b = env.vars.get(name);
      if (b) return b;
    }
    return undefined;
  }

  child(): Env {
    return new Env(this);
  }
}

export interface Procedure {
  name: string;
  /** Positional parameter names; keyword parameters of define* map keyword → index in `keywords`. */
  params: string[];
  keywords: Map<string, { name: string; fallback?: Datum }>;
  body: Datum[];
  form: List;
}

export interface RecordField {
  accessor: string;
  field: string;
  defaultValue?: Datum;
  form: List;
  /** The record type the field belongs to, e.g. <tor-configuration>. */
  record: string;
}

/** Top-level definitions of a file: values, procedures, configuration-record fields. */
export interface TopLevel {
  env: Env;
  procedures: Map<string, Procedure>;
  /** accessor name → field. */
  accessors: Map<string, RecordField>;
  /** record type name → field name → field (for match-record). */
  records: Map<string, Map<string, RecordField>>;
  /** Top-level define forms by name, for ranges. */
  defines: Map<string, List>;
}

const DEFINE_FORMS = new Set(["define", "define*", "define-public", "define*-public", "define-inlinable"]);

/** Parameters of a lambda list `(a b #:optional c #:key (d 1) . rest)`. */
export function parseParams(formals: Datum | undefined): { params: string[]; keywords: Map<string, { name: string; fallback?: Datum }> } {
  const params: string[] = [];
  const keywords = new Map<string, { name: string; fallback?: Datum }>();
  if (isSymbol(formals)) {
    params.push(formals.value);
    return { params, keywords };
  }
  if (!isList(formals)) return { params, keywords };
  let mode: "positional" | "optional" | "key" | "rest" = "positional";
  for (const item of formals.items) {
    if (item.t === "keyword") {
      mode = item.value === "key" ? "key" : item.value === "optional" ? "optional" : item.value === "rest" ? "rest" : mode;
      continue;
    }
    const name = isSymbol(item) ? item.value : isList(item) && isSymbol(item.items[0]) ? (item.items[0] as Atom).value : undefined;
    if (!name) continue;
    if (mode === "key") keywords.set(name, { name, fallback: isList(item) ? item.items[1] : undefined });
    else params.push(name);
  }
  return { params, keywords };
}

/** Reads a `(define …)` form: a procedure definition, or a value. */
export function readDefine(form: List): { name: string; procedure?: Omit<Procedure, "name">; value?: Datum } | undefined {
  const target = form.items[1];
  if (isList(target) && isSymbol(target.items[0])) {
    // (define (name . formals) body…); curried defines (define ((f a) b) …) are rare: treated as opaque
    const formals: List = { ...target, items: target.items.slice(1) };
    const { params, keywords } = parseParams(formals);
    return { name: (target.items[0] as Atom).value, procedure: { params, keywords, body: form.items.slice(2), form } };
  }
  if (!isSymbol(target)) return undefined;
  const value = form.items[2];
  const lambdaHead = head(value);
  if (isList(value) && (lambdaHead === "lambda" || lambdaHead === "lambda*")) {
    const { params, keywords } = parseParams(value.items[1]);
    return { name: target.value, procedure: { params, keywords, body: value.items.slice(2), form } };
  }
  return { name: target.value, value };
}

/** Collects the file's top level: defines, define-record-type* and define-configuration fields. */
export function readTopLevel(data: readonly Datum[]): TopLevel {
  const env = new Env(null);
  const top: TopLevel = { env, procedures: new Map(), accessors: new Map(), records: new Map(), defines: new Map() };
  for (const form of data) {
    const h = head(form);
    if (!h || !isList(form)) continue;
    if (DEFINE_FORMS.has(h)) {
      const def = readDefine(form);
      if (!def) continue;
      top.defines.set(def.name, form);
      if (def.procedure) {
        top.procedures.set(def.name, { name: def.name, ...def.procedure });
        env.set(def.name, { kind: "opaque", why: `${def.name} is a procedure` });
      } else {
        env.set(def.name, { kind: "value", datum: def.value, env });
      }
    } else if (h === "define-record-type*") {
      readRecordTypeStar(form, top);
    } else if (h.startsWith("define-configuration") || h === "define-maybe") {
      if (h !== "define-maybe") readConfiguration(form, top);
    }
  }
  return top;
}

function addField(top: TopLevel, field: RecordField): void {
  top.accessors.set(field.accessor, field);
  let fields = top.records.get(field.record);
  if (!fields) top.records.set(field.record, (fields = new Map()));
  fields.set(field.field, field);
}

/** `(define-record-type* <foo> foo make-foo foo? (field accessor (default v)) …)` */
function readRecordTypeStar(form: List, top: TopLevel): void {
  const record = isSymbol(form.items[1]) ? form.items[1].value : "?";
  for (const item of form.items.slice(5)) {
    if (!isList(item) || !isSymbol(item.items[0])) continue;
    const field = (item.items[0] as Atom).value;
    const accessor = isSymbol(item.items[1]) ? item.items[1].value : undefined;
    if (!accessor) continue;
    let defaultValue: Datum | undefined;
    for (const option of item.items.slice(2)) if (head(option) === "default" && isList(option)) defaultValue = option.items[1];
    addField(top, { accessor, field, defaultValue, form: item, record });
  }
}

/** `(define-configuration foo-configuration (field (type default) "doc") …)` — accessor is foo-configuration-field. */
function readConfiguration(form: List, top: TopLevel): void {
  const name = isSymbol(form.items[1]) ? form.items[1].value : undefined;
  if (!name) return;
  const record = `<${name}>`;
  for (const item of form.items.slice(2)) {
    if (!isList(item) || !isSymbol(item.items[0])) continue;
    const field = (item.items[0] as Atom).value;
    if (field === "prefix" || field === "no-serialization") continue;
    const spec = item.items[1];
    // (type default) gives a default; a bare type (maybe-string) has none
    const defaultValue = isList(spec) && spec.items.length >= 2 ? spec.items[1] : undefined;
    addField(top, { accessor: `${name}-${field}`, field, defaultValue, form: item, record });
  }
}
