import { pathToFileURL } from "node:url";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { SEVERITY_ORDER, type Severity } from "../model/finding";
import { SourceDocument } from "../parsing/document";
import { languageOfPath } from "../parsing/languages";
import { analyzeFile } from "../rules/run";
import * as fs from "node:fs";
import { ruleDocsText } from "../features/docs";
import { RULES, ruleById } from "../rules/index";
import { findConfig, ignoreMatcher, mergeSettings, readConfig, type PolaConfig } from "../workspace/config";
import { formatSarif } from "./format-sarif";
import { VERSION } from "../version";
import { collectFiles, readSource, UsageError } from "./files";
import { formatText } from "./format-text";
import { jsonFinding, type JsonFile, type JsonReport } from "./report";
import { applyCatalog } from "../catalog/apply";
import { Catalog, type TreeSpec } from "../catalog/catalog";
import { jsonServiceWithCatalog } from "../catalog/json";
import { guixTreeOf, locateGuixSource, locateNixpkgs, nixpkgsTreeOf } from "../catalog/locate";
import { attachMachines, cliDeployInputs, machineJson } from "../deploy/transport";

type FailOn = Severity | "never";

interface CheckOptions {
  format: "text" | "json" | "sarif";
  failOn: FailOn;
  color: boolean;
  rule?: string[];
  threshold?: number;
  config?: string | false;
  guixSource?: string;
  nixpkgs?: string;
  cache: boolean;
}

function parseThreshold(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 10) throw new InvalidArgumentError("expected a score from 0 to 10");
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Exit statuses: 0 clean, 1 findings at or above --fail-on, 2 usage or I/O error. */
export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const program = new Command("pola")
    .description("Least-authority checks for GNU Guix and NixOS service definitions.")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  let status = 0;
  program
    .command("check")
    .description("analyse .scm and .nix files (directories are walked) and report findings")
    .argument("<paths...>", "files or directories")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json", "sarif"]).default("text"))
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity")
        .choices(["error", "warning", "information", "never"])
        .default("error"),
    )
    .option("--rule <id>", "report only this rule (repeatable)", collect)
    .option("--threshold <score>", "also fail when a service's exposure score is above this (0–10)", parseThreshold)
    .option("--config <file>", "a .pola.json to use (default: the nearest one at or above the current directory)")
    .option("--no-config", "ignore .pola.json files")
    .option("--no-color", "plain text output")
    .option("--guix-source <dir>", "the installed Guix source to read used services from (a profile, its share/guile/site/3.0, or a checkout; `auto`: the current Guix)")
    .option("--nixpkgs <dir>", "the nixpkgs to read used NixOS services from (`auto`: NIX_PATH, flake.lock, channels)")
    .option("--no-cache", "do not read or write the catalog cache")
    .action(async (paths: string[], options: CheckOptions) => {
      status = await check(paths, options, out, err);
    });
  program
    .command("explain")
    .description("print a rule's documentation; without a rule id, list every rule")
    .argument("[rule-id]", "e.g. guix/runs-as-root")
    .action((id: string | undefined) => {
      if (!id) {
        for (const rule of RULES) out.write(`${rule.id.padEnd(36)} ${rule.defaultSeverity.padEnd(12)} ${rule.title}\n`);
        return;
      }
      const rule = ruleById(id);
      if (!rule) throw new UsageError(`unknown rule ${id} (pola explain lists them)`);
      out.write(ruleDocsText(id) ?? `${rule.id} (${rule.defaultSeverity}): ${rule.title}\n`);
    });
  try {
    await program.parseAsync(argv, { from: "user" });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version print and succeed; anything else is a usage error
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
      return 2;
    }
    if (error instanceof UsageError || error instanceof InvalidArgumentError) {
      err.write(`pola: ${error.message}\n`);
      return 2;
    }
    err.write(`pola: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

async function check(paths: string[], options: CheckOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const started = performance.now();
  for (const id of options.rule ?? []) if (!ruleById(id) && !id.startsWith("syntax/")) throw new UsageError(`unknown rule ${id} (pola explain lists them)`);
  const configFile = options.config === false ? undefined : typeof options.config === "string" ? options.config : findConfig(process.cwd());
  if (typeof options.config === "string" && !fs.existsSync(options.config)) throw new UsageError(`no such config file: ${options.config}`);
  let config: PolaConfig | undefined;
  try {
    config = configFile ? readConfig(configFile) : undefined;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const settings = mergeSettings(config);
  const ignored = ignoreMatcher(config, configFile);
  const files = collectFiles(paths).filter((f) => !ignored(f));
  const progress = (err as NodeJS.WriteStream).isTTY && files.length > 20;
  const catalog = await buildCatalog(paths, options, err);
  const report: JsonReport = {
    version: 1,
    tool: { name: "pola", version: VERSION },
    files: [],
    summary: { files: 0, services: 0, findings: 0, parseErrors: 0, durationMs: 0 },
  };
  for (const [i, file] of files.entries()) {
    if (progress) err.write(`\r\x1b[K[${i + 1}/${files.length}] ${file}`);
    const language = languageOfPath(file)!;
    let source: { text: string; invalidUtf8: boolean };
    try {
      source = readSource(file);
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const document = await SourceDocument.create(pathToUri(file), language, source.text);
    try {
      const deployInputs = await cliDeployInputs(document, file, [process.cwd(), ...paths.filter((p) => fs.existsSync(p) && fs.statSync(p).isDirectory())]);
      const analysis = analyzeFile(document, settings, { claims: [], deploy: deployInputs });
      attachMachines(analysis.model, document, deployInputs);
      if (catalog) applyCatalog(document, analysis, settings, { claims: [], catalog });
      const only = options.rule;
      const entry: JsonFile = {
        path: file,
        language,
        parseErrors: analysis.parseErrors,
        services: analysis.model.services.map((s) => ({ ...jsonServiceWithCatalog(s), ...machineJson(s) })),
        findings: analysis.findings.filter((f) => !only || only.includes(f.ruleId)).map(jsonFinding),
      };
      if (source.invalidUtf8) {
        entry.findings.unshift({
          ruleId: "syntax/encoding",
          severity: "warning",
          message: "File is not valid UTF-8; invalid bytes were read as U+FFFD.",
          line: 1,
          column: 1,
          endLine: 1,
          endColumn: 1,
          service: null,
          fixes: [],
        });
      }
      report.files.push(entry);
      report.summary.files++;
      report.summary.services += entry.services.length;
      report.summary.findings += entry.findings.filter((f) => !f.suppressed).length;
      report.summary.parseErrors += entry.parseErrors;
    } finally {
      document.dispose();
    }
  }
  if (progress) err.write("\r\x1b[K");
  report.summary.durationMs = Math.round(performance.now() - started);
  if (options.format === "json") out.write(JSON.stringify(report, null, 2) + "\n");
  else if (options.format === "sarif") out.write(JSON.stringify(formatSarif(report), null, 2) + "\n");
  else out.write(formatText(report, options.color && Boolean((out as NodeJS.WriteStream).isTTY)));
  const above = options.threshold === undefined ? [] : report.files.flatMap((f) => f.services.filter((s) => s.exposure !== null && s.exposure > options.threshold!).map((s) => `${f.path}: ${s.name} ${s.exposure}`));
  if (above.length && options.format === "text") out.write(`exposure above ${options.threshold}: ${above.join(", ")}\n`);
  return failed(report, options.failOn) || above.length > 0 ? 1 : 0;
}

/**
 * The catalog of used services, when --guix-source or --nixpkgs is given: those trees as the installed
 * sources, and the checked paths as the workspace (their own service definitions win).
 */
async function buildCatalog(paths: string[], options: CheckOptions, err: NodeJS.WritableStream): Promise<Catalog | undefined> {
  if (!options.guixSource && !options.nixpkgs) return undefined;
  const trees: TreeSpec[] = [];
  if (options.guixSource) {
    const guix = options.guixSource === "auto" ? locateGuixSource()?.path : guixTreeOf(options.guixSource);
    if (!guix) throw new UsageError(options.guixSource === "auto" ? "--guix-source auto: no current Guix found (~/.config/guix/current, /var/guix/profiles/per-user/$USER/current-guix, /run/current-system/profile)" : `--guix-source: no Guix source at ${options.guixSource} (expected a profile, its share/guile/site/3.0, or a folder with gnu/)`);
    trees.push({ kind: "guix", root: guix, origin: "installed" });
  }
  if (options.nixpkgs) {
    const nix = options.nixpkgs === "auto" ? locateNixpkgs(undefined, paths.filter((p) => fs.existsSync(p) && fs.statSync(p).isDirectory()))?.path : nixpkgsTreeOf(options.nixpkgs);
    if (!nix) throw new UsageError(options.nixpkgs === "auto" ? "--nixpkgs auto: no nixpkgs found (NIX_PATH, flake.lock, channels)" : `--nixpkgs: no nixpkgs at ${options.nixpkgs} (expected a folder with nixos/modules)`);
    trees.push({ kind: "nix", root: nix, origin: "installed" });
  }
  for (const p of paths) trees.push({ kind: "workspace", root: p, origin: "workspace" });
  const catalog = new Catalog();
  const tty = (err as NodeJS.WriteStream).isTTY;
  await catalog.build(trees, {
    cache: options.cache,
    yieldEvery: 0,
    progress: tty ? { begin: (title, n) => err.write(`\r\x1b[K${title} (${n} files)`), report: () => undefined, end: () => err.write("\r\x1b[K") } : undefined,
  });
  return catalog;
}

function failed(report: JsonReport, failOn: FailOn): boolean {
  if (failOn === "never") return false;
  const bar = SEVERITY_ORDER[failOn];
  return report.files.some((f) => f.findings.some((x) => !x.suppressed && SEVERITY_ORDER[x.severity] >= bar));
}

function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`pola: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
