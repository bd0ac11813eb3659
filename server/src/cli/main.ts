import { pathToFileURL } from "node:url";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { SEVERITY_ORDER, type Severity } from "../model/finding";
import { SourceDocument } from "../parsing/document";
import { languageOfPath } from "../parsing/languages";
import { analyzeFile } from "../rules/run";
import { DEFAULT_SETTINGS } from "../rules/rule";
import { VERSION } from "../version";
import { collectFiles, readSource, UsageError } from "./files";
import { formatText } from "./format-text";
import { jsonFinding, jsonService, type JsonFile, type JsonReport } from "./report";

type FailOn = Severity | "never";

interface CheckOptions {
  format: "text" | "json" | "sarif";
  failOn: FailOn;
  color: boolean;
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
    .option("--no-color", "plain text output")
    .action(async (paths: string[], options: CheckOptions) => {
      status = await check(paths, options, out);
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

async function check(paths: string[], options: CheckOptions, out: NodeJS.WritableStream): Promise<number> {
  if (options.format === "sarif") throw new UsageError("--format sarif is not supported yet");
  const started = performance.now();
  const files = collectFiles(paths);
  const report: JsonReport = {
    version: 1,
    tool: { name: "pola", version: VERSION },
    files: [],
    summary: { files: 0, services: 0, findings: 0, parseErrors: 0, durationMs: 0 },
  };
  for (const file of files) {
    const language = languageOfPath(file)!;
    let source: { text: string; invalidUtf8: boolean };
    try {
      source = readSource(file);
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const document = await SourceDocument.create(pathToUri(file), language, source.text);
    try {
      const analysis = analyzeFile(document, DEFAULT_SETTINGS);
      const entry: JsonFile = {
        path: file,
        language,
        parseErrors: analysis.parseErrors,
        services: analysis.model.services.map(jsonService),
        findings: analysis.findings.map(jsonFinding),
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
  report.summary.durationMs = Math.round(performance.now() - started);
  if (options.format === "json") out.write(JSON.stringify(report, null, 2) + "\n");
  else out.write(formatText(report, options.color && Boolean((out as NodeJS.WriteStream).isTTY)));
  return failed(report, options.failOn) ? 1 : 0;
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
