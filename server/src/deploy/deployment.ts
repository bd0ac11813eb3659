import type { GuixDetails } from "../guix/model";
import type { ResolveContext } from "../guix/resolve";
import { readTopLevel, type TopLevel } from "../guix/scope";
import { type Datum, head, isList, isSymbol } from "../guix/sexp";
import { walkFile } from "../guix/walk";
import type { FileModel } from "../model/file";
import { runsAsRoot } from "../model/service";
import type { SourceDocument } from "../parsing/document";
import { analyzeOrder, type OrderResult, reasons } from "./analysis";
import { type Deployment, findDeployment } from "./machines";
import type { DeployInputs, MachineFacts, SystemFacts } from "./model";
import { deref, guardComments, type Source } from "./source";
import { systemFacts } from "./system";

/** Everything the deploy rules, lenses and hovers show for one deployment file. */
export interface DeploymentAnalysis {
  deployment: Deployment;
  machines: MachineFacts[];
  inputs?: DeployInputs;
  order: OrderResult;
  /** The split plan pola would write for a conflict, and the one written above the list, if any. */
  plan?: SplitPlan;
}

export interface SplitPlan {
  /** The comment lines (without indentation or line breaks). */
  lines: string[];
  /** A plan block already above the list: its span (whole lines) and whether it says the same. */
  existing?: { start: number; end: number; current: boolean };
}

/** The module name of a file: `(define-module (infra web) …)` → `(infra web)`. */
export function moduleNameOf(data: readonly Datum[]): string | undefined {
  const form = data.find((d) => head(d) === "define-module");
  const name = isList(form) ? form.items[1] : undefined;
  return isList(name) ? `(${name.items.filter((x) => isSymbol(x)).map((x) => (x as { value: string }).value).join(" ")})` : undefined;
}

/** A Source for a file the rules are analysing: its Guix extraction is reused. */
export function sourceOfModel(document: SourceDocument, model: FileModel, files: Record<string, string>): Source | undefined {
  const d = model.details as GuixDetails | undefined;
  if (!d || !("top" in d) || !d.data) return undefined;
  return {
    text: document.text,
    data: d.data,
    top: d.top,
    ctx: d.ctx,
    readLocal: (name) => (Object.prototype.hasOwnProperty.call(files, name) ? files[name] : undefined),
    guardComments: guardComments(document.text),
    rootOf: (typeName) => {
      const st = d.serviceTypes.find((s) => s.defineName === typeName);
      const service = st ? model.services.find((s) => s.kind === "service-type" && s.name === st.name) : undefined;
      return service ? runsAsRoot(service) : undefined;
    },
    module: moduleNameOf(d.data),
  };
}

/** A Source for a file read by the transport (another module, the committed version). */
export function sourceOfText(text: string, data: Datum[], files: Record<string, string>, top: TopLevel = readTopLevel(data)): Source {
  let ctx: ResolveContext | undefined;
  const src: Source = {
    text,
    data,
    top,
    get ctx(): ResolveContext {
      ctx ??= { top, walk: walkFile(data, top), text };
      return ctx;
    },
    readLocal: (name) => (Object.prototype.hasOwnProperty.call(files, name) ? files[name] : undefined),
    guardComments: guardComments(text),
    rootOf: () => undefined,
    module: moduleNameOf(data),
  };
  return src;
}

/** Top-level operating-system definitions of a file, and the file's value when it is one (for `load`). */
export function systemsOf(src: Source): { byName: SystemFacts[]; value?: SystemFacts } {
  const byName: SystemFacts[] = [];
  for (const [name, form] of src.top.defines) {
    const b = src.top.env.lookup(name);
    if (!b || b.kind !== "value") continue;
    const r = deref(b.datum, b.env);
    if (isList(r.datum) && head(r.datum) === "operating-system") byName.push(systemFacts(r.datum, r.env, src, name, form));
  }
  let value: SystemFacts | undefined;
  const last = src.data[src.data.length - 1];
  if (last) {
    const r = deref(last, src.top.env);
    if (isList(r.datum) && head(r.datum) === "operating-system") {
      const name = r.names[r.names.length - 1];
      value = byName.find((s) => s.name === name) ?? systemFacts(r.datum, r.env, src, name ?? "operating-system", last);
    }
  }
  return { byName, value };
}

/** Machines of a deployment file read by the transport (the committed version); null when it is not one. */
export function machinesOfText(text: string, data: Datum[], files: Record<string, string>, systems: SystemFacts[]): MachineFacts[] | null {
  const src = sourceOfText(text, data, files);
  const deployment = findDeployment(src, (name) => systems.find((s) => s.name === name));
  return deployment ? deployment.machines.map((m) => m.facts) : null;
}

/** Whether the text's value is a list of machines, without the full walk (for the transport's quick check). */
export function isDeploymentText(text: string, data: Datum[]): boolean {
  if (!text.includes("machine")) return false;
  const src = sourceOfText(text, data, {});
  return findDeployment(src, () => undefined) !== undefined;
}


const cache = new WeakMap<FileModel, DeploymentAnalysis | null>();

/** The deployment analysis of a file, computed once per model (rules, lenses and hovers share it). */
export function deploymentOf(document: SourceDocument, model: FileModel, inputs: DeployInputs | undefined): DeploymentAnalysis | undefined {
  const cached = cache.get(model);
  if (cached !== undefined) return cached ?? undefined;
  const analysis = computeDeployment(document, model, inputs);
  cache.set(model, analysis ?? null);
  return analysis;
}

function computeDeployment(document: SourceDocument, model: FileModel, inputs: DeployInputs | undefined): DeploymentAnalysis | undefined {
  if (document.language !== "guix" || !document.text.includes("machine")) return undefined;
  const src = sourceOfModel(document, model, inputs?.files ?? {});
  if (!src) return undefined;
  const systems = inputs?.systems ?? [];
  const deployment = findDeployment(src, (name) => systems.find((s) => s.name === name));
  if (!deployment) return undefined;
  const machines = deployment.machines.map((m) => m.facts);
  const order = analyzeOrder(machines, inputs?.baseline);
  const analysis: DeploymentAnalysis = { deployment, machines, inputs, order };
  if (order.cycle.length) analysis.plan = splitPlan(document, analysis);
  return analysis;
}

export const PLAN_MARKER = ";; pola: split-deploy";

/**
 * The split for a conflicting update, as comment lines: pass 1 deploys only the narrowing halves of
 * the constraints (any order is safe when every change narrows), pass 2 this file.
 */
function splitPlan(document: SourceDocument, analysis: DeploymentAnalysis): SplitPlan {
  const { machines, order } = analysis;
  const lines: string[] = [PLAN_MARKER];
  lines.push(";; No order of the list below is safe in one `guix deploy` (deploy/conflicting-update):");
  for (const reason of reasons(machines, order.cycle)) lines.push(`;;   ${reason}`);
  lines.push(";; Deploy it in two passes:");
  lines.push(";;   1. from the committed configuration, only the changes that narrow access:");
  const pass1 = new Map<number, string[]>();
  for (const c of order.constraints) {
    const list = pass1.get(c.narrowing.machine) ?? [];
    if (!list.includes(c.narrowing.text)) list.push(c.narrowing.text);
    pass1.set(c.narrowing.machine, list);
  }
  for (const [machine, changes] of [...pass1.entries()].sort((a, b) => a[0] - b[0])) {
    lines.push(`;;      ${machines[machine].name}: ${changes.join("; ")}`);
  }
  lines.push(";;   2. then this file as it is (any order: what is left only widens access).");
  const plan: SplitPlan = { lines };
  // an existing block: comment lines directly above the list's first line, starting at the marker
  const lineIndex = document.lineIndex;
  const listLine = lineIndex.positionAt(analysis.deployment.list.start).line;
  let first = listLine;
  while (first > 0 && /^\s*;/.test(document.text.slice(lineIndex.lineStart(first - 1), lineIndex.lineEnd(first - 1)))) first--;
  for (let line = first; line < listLine; line++) {
    const content = document.text.slice(lineIndex.lineStart(line), lineIndex.lineEnd(line)).trim();
    if (content !== PLAN_MARKER) continue;
    // the block: from the marker to the last comment line before the list
    const existing: string[] = [];
    let end = line;
    for (let l = line; l < listLine; l++) {
      const c = document.text.slice(lineIndex.lineStart(l), lineIndex.lineEnd(l)).trim();
      if (l > line && (c.startsWith(";; pola-ignore:") || (c.startsWith(PLAN_MARKER)))) break;
      existing.push(c);
      end = l;
    }
    const current = existing.length === lines.length && existing.every((c, i) => c.replace(/\s+/g, " ") === lines[i].replace(/\s+/g, " "));
    plan.existing = { start: lineIndex.lineStart(line), end: lineIndex.lineStart(end + 1), current };
    break;
  }
  return plan;
}
