import type { Env } from "../guix/scope";
import { type Datum, head, isList, isSymbol, type List } from "../guix/sexp";
import type { MachineFacts, SystemFacts } from "./model";
import { asString, commentsOn, deref, evaluate, fieldsOf, fieldValue, type Source } from "./source";
import { systemFacts } from "./system";

/** A machine of the list, with where it is written. */
export interface MachineSite {
  facts: MachineFacts;
  /** The list element (what a reorder moves). */
  element: Datum;
  /** The `(machine …)` form, when it is in this file. */
  form?: List;
}

export interface Deployment {
  /** The list the file returns. */
  list: List;
  /** The list's elements, in order (all of them machines). */
  machines: MachineSite[];
  /** Where the list's value is written, when the file ends with a name for it. */
  defineName?: string;
}

/** Heads that are the file's configuration, not its value. */
const NOT_VALUE = new Set(["define-module", "use-modules", "use-service-modules", "use-package-modules", "use-system-modules", "define", "define*", "define-public", "define-syntax", "define-record-type", "define-record-type*"]);

/**
 * Whether the file is a `guix deploy` file, and its machines: the file's value (its last top-level
 * expression, a name followed to its definition) is a `(list …)` of machines — `(machine …)` forms,
 * names defined as machines, or calls of a procedure of the file whose body ends in one.
 */
export function findDeployment(src: Source, systems: (name: string) => SystemFacts | undefined): Deployment | undefined {
  let last: Datum | undefined;
  for (let i = src.data.length - 1; i >= 0; i--) {
    const d = src.data[i];
    if (NOT_VALUE.has(head(d) ?? "")) continue;
    last = d;
    break;
  }
  if (!last) return undefined;
  const value = deref(last, src.top.env);
  const list = value.datum;
  if (!isList(list) || head(list) !== "list") return undefined;
  const elements = list.items.slice(1);
  const machines: MachineSite[] = [];
  let recognised = 0;
  elements.forEach((element, index) => {
    const m = machineForm(element, value.env, src);
    if (m) recognised++;
    machines.push(readMachine(element, m, index, src, systems));
  });
  if (recognised === 0) return undefined;
  return { list, machines, defineName: value.names[value.names.length - 1] };
}

/** The `(machine …)` form an element denotes, with the environment its fields are read in. */
function machineForm(element: Datum, env: Env, src: Source): { form: List; env: Env; define?: List } | undefined {
  // a name, or a helper: (define (node os host) (machine …)) called as (node %web "192.0.2.10")
  const r = evaluate(element, env, src.top);
  if (!isList(r.datum) || head(r.datum) !== "machine") return undefined;
  const define = isSymbol(element) ? src.top.defines.get(element.value) : undefined;
  return { form: r.datum, env: r.env, define };
}

function readMachine(element: Datum, m: { form: List; env: Env; define?: List } | undefined, index: number, src: Source, systems: (name: string) => SystemFacts | undefined): MachineSite {
  const facts: MachineFacts = { index, key: `#${index + 1}`, name: `machine ${index + 1}`, declaredGuards: [], aliases: [] };
  const site: MachineSite = { facts, element };
  const declared = [...commentsOn(src, element)];
  if (!m) {
    facts.unknown = `${src.text.slice(element.start, Math.min(element.end, element.start + 40))} is not a machine pola can read`;
    facts.declaredGuards = declared;
    return site;
  }
  if (m.form.start >= element.start && m.form.end <= element.end) site.form = m.form;
  if (m.define) declared.push(...commentsOn(src, m.define));
  else if (m.form !== element && !(m.form.start >= element.start && m.form.end <= element.end)) declared.push(...commentsOn(src, m.form));
  const fields = fieldsOf(m.form, m.env, src.top);
  const config = fieldValue(fields, "configuration");
  if (isList(config?.datum) && head(config.datum) === "machine-ssh-configuration") {
    const cf = fieldsOf(config.datum, config.env, src.top);
    facts.sshHost = asString(fieldValue(cf, "host-name"), src);
  }
  const osField = fields.get("operating-system");
  const r = osField ? evaluate(osField.field.items[1], osField.env, src.top) : undefined;
  const os = r ? { datum: r.datum, env: r.env } : undefined;
  const osName = isSymbol(r?.datum) ? r.datum.value : ([...(r?.names ?? [])].reverse().find((n) => src.top.defines.has(n)) ?? r?.names[r.names.length - 1]);
  if (osName) facts.osName = osName;
  if (os?.datum && isList(os.datum) && head(os.datum) === "operating-system") {
    const define = osName ? src.top.defines.get(osName) : undefined;
    facts.system = systemFacts(os.datum, os.env, src, osName ?? "operating-system", define ?? os.datum);
  } else if (os?.datum && isSymbol(os.datum)) {
    const external = systems(os.datum.value);
    if (external) facts.system = external;
    else facts.unknown = `${os.datum.value} is not defined in this file or in a module of the workspace it uses`;
  } else if (isList(os?.datum) && (head(os.datum) === "load" || head(os.datum) === "primitive-load") && os.datum.items[1]?.t === "string") {
    const file = (os.datum.items[1] as { value: string }).value;
    const loaded = systems(`load:${file}`);
    if (loaded) facts.system = loaded;
    else facts.unknown = `${file} (loaded) does not end with an operating-system pola can read`;
  } else if (os?.datum) {
    facts.unknown = "its operating system is computed";
  } else facts.unknown = "no operating-system field";
  if (facts.system) declared.push(...facts.system.declaredGuards);
  facts.declaredGuards = [...new Set(declared)];
  const hostName = facts.system?.hostName;
  facts.name = hostName ?? facts.sshHost ?? (osName ? osName.replace(/^%/, "").replace(/-(os|system|operating-system)$/, "") : facts.name);
  facts.key = facts.sshHost ?? hostName ?? osName ?? facts.key;
  const aliases = [hostName, facts.sshHost, osName, osName?.replace(/^%/, ""), facts.name, isSymbol(element) ? element.value : undefined, isSymbol(element) ? element.value.replace(/^%/, "") : undefined];
  facts.aliases = [...new Set(aliases.filter((a): a is string => Boolean(a)).map((a) => a.toLowerCase()))];
  return site;
}

/** A machine's addresses and names, for matching firewall rules and proxy targets. */
export function addressesOf(m: MachineFacts): string[] {
  const result = new Set<string>();
  if (m.sshHost) result.add(m.sshHost.toLowerCase());
  if (m.system?.hostName) result.add(m.system.hostName.toLowerCase());
  for (const a of m.system?.addresses ?? []) result.add(a.toLowerCase());
  return [...result];
}
