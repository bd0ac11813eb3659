import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { DeploymentAnalysis } from "../../server/src/deploy/deployment";
import type { DeployInputs } from "../../server/src/deploy/model";
import { attachMachines, cliDeployInputs } from "../../server/src/deploy/transport";
import { SourceDocument } from "../../server/src/parsing/document";
import { analyzeFile, type FileAnalysis } from "../../server/src/rules/run";
import { FIXTURES } from "./paths";

/** The deploy fixtures: test/fixtures/deploy/<case>/{committed,current}/ mirror a repository. */
export const DEPLOY_FIXTURES = path.join(FIXTURES, "deploy");

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "pola", GIT_AUTHOR_EMAIL: "pola@example.org", GIT_COMMITTER_NAME: "pola", GIT_COMMITTER_EMAIL: "pola@example.org" },
  });
}

function copyTree(from: string, to: string): void {
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, e.name);
    const target = path.join(to, e.name);
    if (e.isDirectory()) {
      fs.mkdirSync(target, { recursive: true });
      copyTree(source, target);
    } else fs.copyFileSync(source, target);
  }
}

export interface Repo {
  dir: string;
  /** The deployment file (deploy.scm) in the working copy. */
  file: string;
  cleanup(): void;
}

/**
 * A real git repository for a fixture: `git init`, the committed version added and committed, then the
 * current version copied over it (uncommitted, as while editing). `commit: false` leaves the
 * repository without a commit; `git: false` makes a plain directory.
 */
export function makeRepo(name: string, options: { commit?: boolean; git?: boolean; transform?: (file: string, text: string) => string } = {}): Repo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pola-deploy-${name}-`));
  const caseDir = path.join(DEPLOY_FIXTURES, name);
  if (options.git !== false) git(dir, "init", "-q");
  copyTree(path.join(caseDir, "committed"), dir);
  if (options.git !== false && options.commit !== false) {
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "deployed");
  }
  const current = path.join(caseDir, "current");
  if (fs.existsSync(current)) copyTree(current, dir);
  if (options.transform) {
    for (const f of walk(dir)) fs.writeFileSync(f, options.transform(f, fs.readFileSync(f, "utf8")));
  }
  return { dir, file: path.join(dir, "deploy.scm"), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function walk(dir: string): string[] {
  const result: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === ".git") continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) result.push(...walk(full));
    else result.push(full);
  }
  return result;
}

export interface DeployRun {
  document: SourceDocument;
  inputs: DeployInputs | undefined;
  analysis: FileAnalysis;
  deployment: DeploymentAnalysis | undefined;
}

/** Analyses a deployment file as the CLI does: inputs gathered with git, then every rule. */
export async function analyzeDeploy(file: string, text = fs.readFileSync(file, "utf8"), roots: string[] = [path.dirname(file)]): Promise<DeployRun> {
  const document = await SourceDocument.create(pathToFileURL(file).href, "guix", text);
  const inputs = await cliDeployInputs(document, file, roots);
  const analysis = analyzeFile(document, undefined, { claims: [], deploy: inputs });
  const deployment = attachMachines(analysis.model, document, inputs);
  return { document, inputs, analysis, deployment };
}
