/**
 * Root-run steps of a NixOS unit: the path operations its `preStart`/`postStart` scripts and
 * `ExecStartPre`/`ExecStartPost`/`ExecReload`/`ExecStop` lines do when they run as root, read from
 * their text (never run). A step on a path below a directory a non-root account owns follows what
 * that account put there: a symlink it planted redirects root's write.
 */
import { claimAbove } from "../model/claims";
import type { Range } from "../model/range";
import type { PathClaim, RootOp } from "../model/service";
import { known, unknown, type Value } from "../model/value";
import type { SourceDocument } from "../parsing/document";
import type { Resolved, UnitValue } from "./resolve";
import { unitBoolean } from "./resolve";

/** One path-writing shell command, as read from a script's text. */
export interface ShellStep {
  /** The command's name (basename of `${pkgs.coreutils}/bin/chown` is chown), `>` for a redirect. */
  command: string;
  /** How it is described: "chown -R", "cp", "> (redirect)". */
  op: string;
  /** The target path operands as written (may hold `${…}` or `$VAR`). */
  paths: string[];
  /** Whether the last component is followed when it is a symlink. */
  followsSymlinks: boolean;
  recursive: boolean;
  /** The account a chown/chgrp/install -o hands the path to. */
  owner?: string;
  /** The command text and its offsets in the script. */
  text: string;
  start: number;
  end: number;
}

interface Word {
  text: string;
  start: number;
  end: number;
}

/** Splits one command into words: quotes are removed, `${…}` is kept whole. */
function words(s: string, base: number): Word[] {
  const out: Word[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const start = i;
    let text = "";
    let quote: string | null = null;
    while (i < s.length && (quote !== null || !/\s/.test(s[i]!))) {
      const c = s[i]!;
      if (c === "$" && s[i + 1] === "{") {
        let depth = 0;
        const from = i;
        for (; i < s.length; i++) {
          if (s[i] === "{") depth++;
          else if (s[i] === "}" && --depth === 0) break;
        }
        i++;
        text += s.slice(from, i);
        continue;
      }
      if (quote === null && (c === '"' || c === "'")) quote = c;
      else if (quote === c) quote = null;
      else if (c === "\\" && quote !== "'" && i + 1 < s.length) {
        i++;
        text += s[i];
      } else text += c;
      i++;
    }
    out.push({ text, start: base + start, end: base + i });
  }
  return out;
}

/** Splits a script into commands on newlines, `;`, `&&`, `||` and `|` (outside quotes and `${…}`). */
function commands(script: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let start = 0;
  let quote: string | null = null;
  let depth = 0;
  let comment = false;
  const push = (end: number) => {
    const raw = script.slice(start, end);
    const lead = raw.search(/\S|$/);
    const text = raw.trim();
    if (text) out.push({ text, start: start + lead });
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (comment) {
      if (c === "\n") {
        comment = false;
        start = i + 1;
      }
      continue;
    }
    if (depth > 0) {
      if (c === "{") depth++;
      else if (c === "}") depth--;
      continue;
    }
    if (c === "$" && script[i + 1] === "{") {
      depth = 1;
      i++;
      continue;
    }
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"') i++;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(script[i - 1]!))) {
      push(i);
      comment = true;
    } else if (c === "\n" || c === ";") {
      push(i);
      start = i + 1;
    } else if ((c === "&" && script[i + 1] === "&") || (c === "|" && script[i + 1] === "|")) {
      push(i);
      start = i + 2;
      i++;
    } else if (c === "|") {
      push(i);
      start = i + 1;
    }
  }
  if (!comment) push(script.length);
  return out;
}

/** Words that start a command without being it. */
const PREFIX_WORDS = new Set(["then", "do", "else", "if", "while", "until", "!", "exec", "command", "time", "{", "("]);
/** Options that take a value (the value is not a path operand). */
const VALUE_OPTIONS = new Set(["-o", "-g", "-m", "-t", "-S", "--owner", "--group", "--mode", "--target-directory", "--suffix", "--reference"]);

/** The path-writing steps of a shell script (or of one systemd command line). */
export function parseShellSteps(script: string): ShellStep[] {
  const out: ShellStep[] = [];
  for (const cmd of commands(script)) {
    let ws = words(cmd.text, cmd.start);
    while (ws.length && (PREFIX_WORDS.has(ws[0]!.text) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(ws[0]!.text))) ws = ws.slice(1);
    if (!ws.length) continue;
    const step = (command: string, op: string, paths: string[], followsSymlinks: boolean, recursive: boolean, owner?: string): void => {
      const kept = paths.filter(isTargetPath);
      if (!kept.length) return;
      const s: ShellStep = { command, op, paths: kept, followsSymlinks, recursive, text: cmd.text, start: cmd.start, end: cmd.start + cmd.text.length };
      if (owner) s.owner = owner;
      out.push(s);
    };
    // redirections: `> file`, `>> file`, `2>file`; `>&2` duplicates a descriptor
    const rest: Word[] = [];
    for (let i = 0; i < ws.length; i++) {
      const m = /^(\d*|&)(>>?)(.*)$/.exec(ws[i]!.text);
      if (!m || i === 0) {
        rest.push(ws[i]!);
        continue;
      }
      let target = m[3]!;
      if (!target && i + 1 < ws.length) target = ws[++i]!.text;
      if (target.startsWith("&")) continue;
      step(">", m[2]!, [target], true, false);
    }
    const name = rest[0]!.text.replace(/^.*\//, "");
    const args = rest.slice(1).map((w) => w.text);
    const flags = args.filter((a) => a.startsWith("-") && a !== "-");
    const has = (short: string, long?: string) => flags.some((f) => (!f.startsWith("--") && f.slice(1).includes(short)) || (long !== undefined && f === long));
    const operands: string[] = [];
    let optEnd = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (!optEnd && a === "--") {
        optEnd = true;
        continue;
      }
      if (!optEnd && VALUE_OPTIONS.has(a)) {
        i++;
        continue;
      }
      if (!optEnd && a.startsWith("-") && a !== "-") continue;
      operands.push(a);
    }
    const valueOf = (opt: string) => {
      const i = args.indexOf(opt);
      return i >= 0 ? args[i + 1] : undefined;
    };
    switch (name) {
      case "chown":
      case "chgrp":
      case "chmod": {
        const recursive = has("R", "--recursive");
        // GNU chown/chgrp -R default to -P: no symlink is followed, not even one named on the command
        // line; chmod follows a symlink named on the command line and none met in the walk.
        const deref = has("L", "--dereference") || has("H");
        const noDeref = has("h", "--no-dereference");
        const follows = name === "chmod" ? true : recursive ? deref : !noDeref;
        const owner = name === "chmod" ? undefined : operands[0];
        step(name, recursive ? (deref ? `${name} -R -L` : `${name} -R`) : noDeref ? `${name} -h` : name, operands.slice(1), follows, recursive, name === "chown" ? owner?.split(/[:.]/)[0] : undefined);
        break;
      }
      case "cp": {
        const t = valueOf("-t") ?? valueOf("--target-directory");
        step(name, has("r", "--recursive") || has("R") || has("a", "--archive") ? "cp -r" : "cp", t ? [t] : operands.slice(-1), true, false);
        break;
      }
      case "install": {
        const owner = valueOf("-o") ?? valueOf("--owner");
        if (has("d", "--directory")) step(name, "install -d", operands, true, false, owner);
        // install removes an existing destination before creating it: the last component is not followed
        else step(name, "install", valueOf("-t") ? [valueOf("-t")!] : operands.slice(-1), Boolean(valueOf("-t")), false, owner);
        break;
      }
      case "ln":
        // a link name that is a symlink to a directory gets the new link inside it (unless -n/-T)
        if (operands.length >= 2) step(name, has("f", "--force") ? "ln -sf" : "ln", operands.slice(-1), !(has("n", "--no-dereference") || has("T")), false);
        break;
      case "mv":
        if (operands.length >= 2) step(name, "mv", operands.slice(-1), !has("T", "--no-target-directory"), false);
        break;
      case "rm":
        step(name, has("r", "--recursive") || has("R") ? "rm -r" : "rm", operands, false, has("r") || has("R"));
        break;
      case "touch":
        step(name, "touch", operands, !has("h", "--no-dereference"), false);
        break;
      case "tee":
        step(name, "tee", operands, true, false);
        break;
    }
  }
  return out;
}

function isTargetPath(p: string): boolean {
  if (!p.startsWith("/") && !p.startsWith("$")) return false;
  if (/^(\/nix\/store|\/dev\/|\/proc\/)/.test(p) || p === "/dev/null") return false;
  if (/^\$\{(pkgs|final|self)\b/.test(p)) return false;
  return true;
}

// ----------------------------------------------------------------------------------------------
// Units

/** A root-run step of a unit, with where it is written and the account directory it lies below. */
export interface RootStep extends RootOp {
  /** preStart, postStart, ExecStartPre, … */
  source: string;
  /** Why it runs as root: "the unit runs as root", "PermissionsStartOnly = true", "+ prefix". */
  why: string;
  owner?: string;
  /** The range is the command inside the string (false: the whole value). */
  exact: boolean;
}

const SCRIPT_OPTIONS = ["preStart", "postStart", "reload", "preStop", "postStop"];
const EXEC_DIRECTIVES = ["ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost"];

function lines(v: UnitValue | null): string[] {
  return v === null ? [] : Array.isArray(v) ? v : [v];
}

/** The unit's steps that run as root (`root` is whether the unit's account is root: true, false or unknown). */
export function unitRootSteps(
  document: SourceDocument,
  options: Record<string, Resolved>,
  directives: Record<string, Resolved>,
  root: boolean | null,
  claims: readonly PathClaim[],
): RootStep[] {
  const pso = directives["PermissionsStartOnly"];
  const startOnly = pso && (pso.confidence === "literal" || pso.confidence === "default") && unitBoolean(pso.value) === true;
  const baseWhy = root === true ? "the unit runs as root" : startOnly ? "PermissionsStartOnly = true" : undefined;
  const out: RootStep[] = [];
  const local = [...claims];
  const add = (source: string, r: Resolved, script: string, why: string) => {
    for (const s of parseShellSteps(script)) {
      const at = locate(document, r, s.text);
      for (const p of s.paths) {
        const path: Value<string> = p.startsWith("/") && !p.includes("$") ? known(p.replace(/\/+$/, "") || "/") : unknown(`${p} is not known statically`);
        const step: RootStep = { op: s.op, path, followsSymlinks: s.followsSymlinks, phase: "start", at: at.range, source, why, exact: at.exact };
        if (s.owner) step.owner = s.owner;
        if (path.kind === "known") {
          const under = claimAbove(path.value, local, s.followsSymlinks);
          if (under) step.under = under;
          if (s.owner && s.owner !== "root" && s.owner !== "0" && !s.owner.includes("$")) local.push({ path: path.value, account: s.owner, how: "chown", at: at.range });
        }
        out.push(step);
      }
    }
  };
  if (baseWhy) {
    for (const k of SCRIPT_OPTIONS) {
      const r = options[k];
      if (r) add(k, r, lines(r.value).join("\n"), baseWhy);
    }
  }
  for (const k of EXEC_DIRECTIVES) {
    const r = directives[k];
    if (!r) continue;
    for (const line of lines(r.value)) {
      const m = /^([-@:+!]*)/.exec(line)!;
      const prefix = m[1]!;
      const elevated = prefix.includes("+") ? "+ prefix" : prefix.includes("!") && !prefix.includes("!!") ? "! prefix" : undefined;
      const why = elevated ?? baseWhy;
      if (why) add(k, r, line.slice(prefix.length), why);
    }
  }
  return out;
}

/** The command's range inside the value as written, when its text occurs there exactly once; else the value's. */
function locate(document: SourceDocument, r: Resolved, text: string): { range: Range; exact: boolean } {
  const sites = r.sites.filter((s) => !s.synthetic && s.valueStart !== undefined && s.valueEnd !== undefined);
  const hits: number[] = [];
  for (const s of sites) {
    const value = document.text.slice(s.valueStart!, s.valueEnd!);
    for (let i = value.indexOf(text); i >= 0; i = value.indexOf(text, i + 1)) hits.push(s.valueStart! + i);
  }
  if (hits.length === 1) return { range: document.lineIndex.rangeOf(hits[0]!, hits[0]! + text.length), exact: true };
  const s = sites[0] ?? r.sites[0];
  if (s && s.valueStart !== undefined && s.valueEnd !== undefined) return { range: document.lineIndex.rangeOf(s.valueStart, s.valueEnd), exact: false };
  return { range: s ? document.lineIndex.rangeOf(s.keyStart, s.keyEnd) : document.lineIndex.rangeOf(0, 0), exact: false };
}

/** Directories `systemd.tmpfiles.rules` entries give a non-root account: `d /path mode user group`. */
export function tmpfilesClaims(rule: string, at: Range): PathClaim | undefined {
  const f = rule.trim().split(/\s+/);
  if (f.length < 4 || !/^[dDvqQ]$/.test(f[0]!.replace(/[!+-]/g, ""))) return undefined;
  const [, path, , user] = f;
  if (!path || !path.startsWith("/") || !user || user === "-" || user === "root" || user.includes("$")) return undefined;
  return { path: path.replace(/\/+$/, ""), account: user, how: "chown", at };
}
