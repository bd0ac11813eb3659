import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Range } from "../model/range";
import type { Service } from "../model/service";
import type { SourceDocument } from "../parsing/document";
import type { FileAnalysis } from "../rules/run";
import { CommittedCache } from "./git";
import { loadDeployInputs } from "./inputs";
import type { DeployInputs } from "./model";
import { nodeDeployIO } from "./node-io";
import { attachMachines, listLens, machineLens, machineMarkdown, machineOf } from "./present";

function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith("file:") ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The language server's side of the deploy analysis: before a file is analysed it gathers the
 * committed version (git, cached for a few seconds) and the files the deployment uses (editor
 * buffers first); afterwards it adds the machines to the model, and answers lenses and hovers.
 */
export class DeployTransport {
  private readonly committed = new CommittedCache();
  /** Open documents' texts by path: modules being edited count with their unsaved text. */
  private readonly buffers = new Map<string, string>();
  /** Deployment file uri → the files it uses. */
  private readonly uses = new Map<string, Set<string>>();
  /** Files whose buffer changed since the deployments using them were analysed. */
  private readonly changed = new Set<string>();

  /** Reads what the rules need for a deployment file; undefined (quickly) for any other file. */
  async inputs(uri: string, document: SourceDocument, roots: readonly string[]): Promise<DeployInputs | undefined> {
    const file = uriToPath(uri);
    if (file) {
      const key = path.resolve(file);
      const before = this.buffers.get(key);
      // first seen, or edited: the deployments using it read the disk or an older buffer
      if (before !== document.text) this.changed.add(key);
      this.buffers.set(key, document.text);
    }
    if (document.language !== "guix" || !document.text.includes("machine")) {
      this.uses.delete(uri);
      return undefined;
    }
    const bases = roots.length ? roots : file ? [path.dirname(file)] : [];
    const { io, exists } = nodeDeployIO(bases, { buffer: (f) => this.buffers.get(path.resolve(f)), cache: this.committed });
    const inputs = await loadDeployInputs(document, file, io, exists);
    if (inputs) this.uses.set(uri, new Set(inputs.uses.map((u) => path.resolve(u))));
    else this.uses.delete(uri);
    return inputs;
  }

  /** Adds the deployment's machines to the analysis' services. */
  attach(result: FileAnalysis, document: SourceDocument, inputs: DeployInputs | undefined): void {
    if (inputs || document.text.includes("machine")) attachMachines(result.model, document, inputs);
  }

  /**
   * Deployment files that use this file, when its text changed since they last read it (or
   * `force`: it changed on disk) — to re-analyse them.
   */
  usersOf(uri: string, force = false): string[] {
    const file = uriToPath(uri);
    if (!file) return [];
    const full = path.resolve(file);
    if (force) {
      this.committed.clear();
      this.buffers.delete(full);
    } else if (!this.changed.delete(full)) return [];
    const result: string[] = [];
    for (const [user, used] of this.uses) if (user !== uri && used.has(full)) result.push(user);
    return result;
  }

  forget(uri: string): void {
    const file = uriToPath(uri);
    if (file) this.buffers.delete(path.resolve(file));
    this.uses.delete(uri);
  }

  /** Saved or committed elsewhere: read git again. */
  refresh(): void {
    this.committed.clear();
  }

  /** A machine's lens title, or undefined for other services. */
  lensTitle(service: Service): string | undefined {
    const m = machineOf(service);
    return m ? machineLens(m.analysis, m.index) : undefined;
  }

  hover(service: Service): string | undefined {
    const m = machineOf(service);
    return m ? machineMarkdown(m.analysis, m.index) : undefined;
  }

  /** The lens over the machine list. */
  listLenses(document: SourceDocument, services: readonly Service[]): { range: Range; title: string }[] {
    const m = services.map((s) => machineOf(s)).find((x) => x !== undefined);
    return m ? [listLens(m.analysis, document)] : [];
  }
}


/**
 * The CLI's side: the same inputs, read from the disk and git, within the current directory, the
 * checked paths and the file's own directory.
 */
export async function cliDeployInputs(document: SourceDocument, file: string, roots: readonly string[]): Promise<DeployInputs | undefined> {
  if (document.language !== "guix" || !document.text.includes("machine")) return undefined;
  const full = path.resolve(file);
  const bases = [...roots.map((r) => path.resolve(r)), path.dirname(full)];
  const { io, exists } = nodeDeployIO(bases);
  return loadDeployInputs(document, full, io, exists);
}

export { attachMachines, machineJson } from "./present";
