import * as path from "node:path";
import { type Datum, head, isList, isSymbol, toData, toDataIncremental, walk } from "../guix/sexp";
import { MAX_ANALYSED_BYTES, SourceDocument } from "../parsing/document";
import { isDeploymentText, machinesOfText, sourceOfText, systemsOf } from "./deployment";
import type { Committed } from "./git";
import type { Baseline, DeployInputs, SystemFacts } from "./model";

/** What the transport gives the loader: file contents now and at the last commit. */
export interface DeployIO {
  /** The text of a file now (an editor's buffer, or the disk); undefined when it cannot be read. */
  read(file: string): Promise<string | undefined>;
  /** The text at the last commit. */
  committed(file: string): Promise<Committed>;
  /** Whether pola may read this file (it lies in the workspace). */
  allowed(file: string): boolean;
}

const MAX_USED_FILES = 32;

/** Operating systems of module texts already read (typing in a deployment file re-reads its modules). */
const systemsCache = new Map<string, ReturnType<typeof systemsOf>>();

interface Used {
  /** local-file names → absolute paths. */
  locals: Map<string, string>;
  /** Module, include and load files (absolute), with how the file names them. */
  files: { file: string; load?: string }[];
}

/** The files a Guile file uses: local-files, modules of the workspace, included and loaded files. */
function usedFiles(data: readonly Datum[], file: string, io: DeployIO, exists: (f: string) => boolean): Used {
  const dir = path.dirname(file);
  const used: Used = { locals: new Map(), files: [] };
  const add = (f: string, load?: string) => {
    if (used.files.length >= MAX_USED_FILES || used.files.some((u) => u.file === f && u.load === load)) return;
    if (io.allowed(f) && exists(f)) used.files.push({ file: f, load });
  };
  const moduleFile = (spec: Datum | undefined) => {
    // (infra web) or ((infra web) #:select …)
    const name = isList(spec) && isList(spec.items[0]) ? spec.items[0] : spec;
    if (!isList(name) || !name.items.every((x) => isSymbol(x))) return;
    const rel = `${name.items.map((s) => (s as { value: string }).value).join("/")}.scm`;
    // Guile's load path for `guix deploy -L DIR`: the file's directory and the ones above it
    for (let d = dir, i = 0; i < 8; i++) {
      const candidate = path.join(d, rel);
      if (io.allowed(candidate) && exists(candidate)) return add(candidate);
      const up = path.dirname(d);
      if (up === d) break;
      d = up;
    }
  };
  walk(data, (d) => {
    const h = head(d);
    if (!isList(d) || !h) return true;
    if (h === "local-file" && d.items[1]?.t === "string") {
      const name = (d.items[1] as { value: string }).value;
      if (!used.locals.has(name)) used.locals.set(name, path.resolve(dir, name));
      return false;
    }
    if (h === "use-modules") {
      for (const spec of d.items.slice(1)) moduleFile(spec);
      return false;
    }
    if (h === "define-module") {
      d.items.forEach((x, i) => {
        if (x.t === "keyword" && x.value === "use-module") moduleFile(d.items[i + 1]);
      });
      return false;
    }
    if ((h === "include" || h === "load" || h === "primitive-load") && d.items[1]?.t === "string") {
      const name = (d.items[1] as { value: string }).value;
      add(path.resolve(dir, name), h === "include" ? undefined : name);
      return false;
    }
    return true;
  });
  return used;
}

async function parse(text: string, uri: string): Promise<{ data: Datum[] } | undefined> {
  if (text.length > MAX_ANALYSED_BYTES) return undefined;
  const doc = await SourceDocument.create(uri, "guix", text);
  try {
    return { data: toData(doc.tree.rootNode) };
  } finally {
    doc.dispose();
  }
}

/**
 * Reads what a deployment file's analysis needs besides the file itself: the operating systems
 * defined in the modules it uses, the rulesets it reads with local-file, and the committed version
 * of all of it (for the comparison). undefined when the file is not a deployment: then nothing is
 * read and git is not started.
 */
export async function loadDeployInputs(document: SourceDocument, file: string | undefined, io: DeployIO, exists: (f: string) => boolean): Promise<DeployInputs | undefined> {
  if (document.language !== "guix" || document.tooLarge || !document.text.includes("machine")) return undefined;
  // the same (cached) conversion the Guix extraction of this document uses: typing does not convert twice
  const data = toDataIncremental(document);
  if (!isDeploymentText(document.text, data)) return undefined;
  const inputs: DeployInputs = { baseline: { kind: "unavailable", why: "the file is not saved on disk" }, systems: [], files: {}, uses: [] };
  if (!file) return inputs;

  // ---- now ----
  const used = usedFiles(data, file, io, exists);
  for (const [name, full] of used.locals) {
    if (!io.allowed(full)) continue;
    const text = await io.read(full);
    if (text !== undefined && text.length <= MAX_ANALYSED_BYTES) {
      inputs.files[name] = text;
      inputs.uses.push(full);
    }
  }
  inputs.systems = await systemsOfFiles(used.files, io, (f) => io.read(f), inputs.uses);

  // ---- at the last commit ----
  const committed = await io.committed(file);
  inputs.baseline = await baselineOf(committed, file, io, exists);
  return inputs;
}

/** Operating-system definitions of the used files, read with `read` (now or committed). */
async function systemsOfFiles(files: Used["files"], io: DeployIO, read: (f: string) => Promise<string | undefined>, uses?: string[]): Promise<SystemFacts[]> {
  const systems: SystemFacts[] = [];
  for (const { file, load } of files) {
    const text = await read(file);
    if (text === undefined) continue;
    const parsed = await parse(text, `file://${file}`);
    if (!parsed) continue;
    uses?.push(file);
    // the module's own local-files (its rulesets), relative to it
    const locals: Record<string, string> = {};
    const own = usedFiles(parsed.data, file, { ...io, allowed: io.allowed }, () => true);
    for (const [name, full] of own.locals) {
      if (!io.allowed(full)) continue;
      const t = await read(full);
      if (t !== undefined && t.length <= MAX_ANALYSED_BYTES) {
        locals[name] = t;
        uses?.push(full);
      }
    }
    const key = `${file}\u0000${text}\u0000${JSON.stringify(locals)}`;
    let found = systemsCache.get(key);
    if (!found) {
      found = systemsOf(sourceOfText(text, parsed.data, locals));
      systemsCache.set(key, found);
      if (systemsCache.size > 64) systemsCache.delete(systemsCache.keys().next().value!);
    }
    if (load !== undefined) {
      if (found.value) systems.push({ ...found.value, name: `load:${load}` });
    } else systems.push(...found.byName);
  }
  return systems;
}

async function baselineOf(committed: Committed, file: string, io: DeployIO, exists: (f: string) => boolean): Promise<Baseline> {
  if (committed.kind === "unavailable") return { kind: "unavailable", why: committed.why };
  if (committed.kind === "absent") return { kind: "new-file", why: committed.why };
  const parsed = await parse(committed.text, `file://${file}@HEAD`);
  if (!parsed) return { kind: "ok", ref: committed.ref, machines: null, why: "the committed version is too large" };
  const readCommitted = async (f: string): Promise<string | undefined> => {
    const c = await io.committed(f);
    return c.kind === "ok" ? c.text : undefined;
  };
  // the committed file names its modules and rulesets; the committed versions of those are used
  const used = usedFiles(parsed.data, file, io, exists);
  const locals: Record<string, string> = {};
  for (const [name, full] of used.locals) {
    if (!io.allowed(full)) continue;
    const text = await readCommitted(full);
    if (text !== undefined && text.length <= MAX_ANALYSED_BYTES) locals[name] = text;
  }
  const systems = await systemsOfFiles(used.files, io, readCommitted);
  const machines = machinesOfText(committed.text, parsed.data, locals, systems);
  return machines ? { kind: "ok", ref: committed.ref, machines } : { kind: "ok", ref: committed.ref, machines: null, why: "the committed version is not a list of machines" };
}
