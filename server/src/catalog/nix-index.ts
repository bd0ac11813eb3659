import type { Node } from "web-tree-sitter";
import type { Range } from "../model/range";
import type { PathClaim, RootOp, Service } from "../model/service";
import { known, unknown } from "../model/value";
import { extractNix } from "../nixos/extract";
import type { SourceDocument } from "../parsing/document";
import { claimAbove, isStrictlyBelow } from "../model/claims";
import { compactAuthority, dedupeClaims } from "./compact";
import { attrName, stringText, walkDefinitions } from "./nix-walk";
import type { CatalogEntry, DefinedIn, FileIndex } from "./types";

/** Cheap test before parsing: a module that declares an `enable` option. */
export function mayDeclareNixServices(text: string): boolean {
  return /\boptions\b/.test(text) && /\benable\b/.test(text) && /systemd\.services|systemd\s*=|services\s*=|serviceConfig/.test(text);
}

const SETTING_OPTIONS = /^(user|group|dynamicUser|runAsRoot|runAsUser|package|openFirewall|dataDir|stateDir)$/;

interface Declared {
  path: string;
  start: number;
  subOptions: Set<string>;
}

/**
 * The service option paths a NixOS module declares (`options.services.tor.enable = mkEnableOption …`)
 * with the authority of the units it defines and the root-run steps of its activation scripts.
 */
export function indexNixDocument(document: SourceDocument, file: string, origin: CatalogEntry["origin"]): Omit<FileIndex, "mtimeMs" | "size"> {
  const source = document.text;
  const root = document.tree.rootNode;
  const declared = new Map<string, Declared>();
  const optionStarts: { path: string; start: number }[] = [];
  const homes: PathClaim[] = [];
  const scripts: { text: string; offset: number; name: string }[] = [];
  walkDefinitions(source, root, (d) => {
    const path = d.path[0] === "config" ? d.path.slice(1) : d.path;
    if (d.path[0] === "options") {
      optionStarts.push({ path: d.path.slice(1).join("."), start: d.binding.startIndex });
      if (d.path.length >= 3 && d.path[d.path.length - 1] === "enable") {
        const p = d.path.slice(1, -1).join(".");
        if (!declared.has(p)) declared.set(p, { path: p, start: d.binding.startIndex, subOptions: new Set() });
      }
      return true;
    }
    // users.users.<name>.home, with createHome
    if (path[0] === "users" && path[1] === "users" && path.length === 4 && path[3] === "home") {
      const t = stringText(source, d.value);
      if (t && t.startsWith("/") && !t.includes("${")) homes.push({ path: t, account: path[2], how: "home-directory", at: document.rangeOf(d.binding) });
    }
    if (path[0] === "system" && path[1] === "activationScripts" && path.length >= 3) {
      for (const s of stringsIn(d.value)) {
        const t = stringText(source, s);
        if (t !== undefined) scripts.push({ text: t, offset: s.startIndex + (s.type === "string_expression" ? 1 : 2), name: path[2] });
      }
      return false;
    }
    return true;
  });
  if (declared.size === 0) return { entries: [] };
  for (const o of optionStarts) {
    for (const dcl of declared.values()) {
      if (o.path === dcl.path || o.path.startsWith(dcl.path + ".")) {
        if (o.start < dcl.start) dcl.start = o.start;
        const rest = o.path.slice(dcl.path.length + 1).split(".")[0];
        if (rest) dcl.subOptions.add(rest);
      }
    }
  }
  const model = extractNix(document);
  const units = model.services.filter((s) => s.kind === "systemd-service");
  if (units.length === 0) return { entries: [] };
  const claims = dedupeClaims([...units.flatMap((u) => u.authority.writable), ...homes]);
  const unsafeScripts: string[] = [];
  const ops = scripts.flatMap((s) => {
    const found = shellRootOps(s.text, s.offset, document, claims);
    if (found.some((o) => o.under) && !unsafeScripts.includes(s.name)) unsafeScripts.push(s.name);
    return found;
  });
  const entries: CatalogEntry[] = [];
  for (const dcl of declared.values()) {
    const last = dcl.path.split(".").pop()!;
    const primary = units.find((u) => u.name === last) ?? units.find((u) => u.name.includes(last)) ?? units[0];
    const authority = { ...primary.authority, writable: claims, rootOps: ops };
    const p = document.lineIndex.positionAt(dcl.start);
    const definedIn: DefinedIn = { file, line: p.line, character: p.character };
    const entry: CatalogEntry = {
      key: dcl.path,
      language: "nix",
      service: primary.name,
      definedIn,
      origin,
      authority: compactAuthority(authority),
      units: units.map((u) => u.name),
      settings: [...dcl.subOptions].filter((o) => SETTING_OPTIONS.test(o) && o !== "package").map((o) => `${dcl.path}.${o}`),
    };
    if (unsafeScripts.length) entry.unsafeScripts = unsafeScripts;
    entries.push(entry);
  }
  return { entries };
}

function stringsIn(node: Node): Node[] {
  const out: Node[] = [];
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "string_expression" || n.type === "indented_string_expression") {
      out.push(n);
      continue;
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c) stack.push(c);
    }
  }
  return out;
}

/** Commands whose path operands a root shell script writes, and how they treat a symlink in the last component. */
const SHELL_OPS: Record<string, { skip: number; lastFollowed: boolean; lastOnly?: boolean }> = {
  chown: { skip: 1, lastFollowed: true },
  chgrp: { skip: 1, lastFollowed: true },
  chmod: { skip: 1, lastFollowed: true },
  touch: { skip: 0, lastFollowed: true },
  mkdir: { skip: 0, lastFollowed: false },
  rm: { skip: 0, lastFollowed: false },
  cp: { skip: 0, lastFollowed: true, lastOnly: true },
  mv: { skip: 0, lastFollowed: false, lastOnly: true },
  ln: { skip: 0, lastFollowed: true, lastOnly: true },
  install: { skip: 0, lastFollowed: true, lastOnly: true },
  setfacl: { skip: 1, lastFollowed: true },
};

/** Options that take a value (so the value is not a path operand). */
const VALUE_OPTIONS = new Set(["-o", "-g", "-m", "-t", "--owner", "--group", "--mode", "--target-directory", "-T"]);

/**
 * Root-run path operations in an activation script, read from the script's text (never run): each
 * command writing a path, the path (known when it is literal), and whether it lies below a directory
 * an account can write — where a planted symlink redirects it.
 */
export function shellRootOps(script: string, offset: number, document: SourceDocument, moduleClaims: readonly PathClaim[]): RootOp[] {
  const ops: RootOp[] = [];
  const claims = [...moduleClaims];
  let pos = 0;
  for (const rawLine of script.split("\n")) {
    const lineStart = pos;
    pos += rawLine.length + 1;
    const line = rawLine.replace(/#.*$/, "");
    for (const command of line.split(/;|&&|\|\|/)) {
      const words = command.trim().split(/\s+/).filter(Boolean).map((w) => w.replace(/^["']|["']$/g, ""));
      if (!words.length) continue;
      // output redirections write a file too: `echo x > /var/lib/foo/conf`
      const redirect = /(?:^|[^0-9&])>>?\s*("?)(\/[^\s"';]+)\1/.exec(command);
      const name = words[0].replace(/^.*\//, "");
      const range: Range = document.lineIndex.rangeOf(offset + lineStart + rawLine.search(/\S|$/), offset + lineStart + rawLine.trimEnd().length);
      if (redirect) ops.push(op(`${name} > …`, redirect[2], true, false, range, claims));
      const spec = SHELL_OPS[name];
      if (!spec) continue;
      const flags = words.slice(1).filter((w) => w.startsWith("-"));
      const recursive = flags.some((f) => /^-[a-zA-Z]*R/.test(f) || f === "--recursive");
      const noDeref = flags.some((f) => /^-[a-zA-Z]*h/.test(f) || f === "--no-dereference");
      const operands: string[] = [];
      for (let i = 1; i < words.length; i++) {
        const w = words[i];
        if (VALUE_OPTIONS.has(w)) {
          i++;
          continue;
        }
        if (w.startsWith("-") || w.startsWith(">")) continue;
        operands.push(w);
      }
      const ownerWord = spec.skip ? operands[0] : undefined;
      let paths = operands.slice(spec.skip);
      if (spec.lastOnly) paths = paths.slice(-1);
      for (const p of paths) {
        if (!p.startsWith("/") && !p.startsWith("${") && !p.startsWith("$")) continue;
        if (p.startsWith("/nix/store") || p.startsWith("${pkgs") || p.startsWith("/dev/") || p.startsWith("/proc/")) continue;
        const o = op(recursive ? `${name} -R` : name, p, spec.lastFollowed && !noDeref, recursive, range, claims);
        ops.push(o);
        if ((name === "chown" || name === "install") && ownerWord && o.path.kind === "known") {
          const account = ownerWord.split(/[:.]/)[0];
          if (account && account !== "root" && account !== "0") claims.push({ path: o.path.value, account, how: "chown", at: range });
        }
      }
      if (name === "install") {
        const i = words.indexOf("-o");
        const account = i > 0 ? words[i + 1] : undefined;
        const last = paths[paths.length - 1];
        if (account && account !== "root" && last?.startsWith("/") && !last.includes("$")) claims.push({ path: last, account, how: "chown", at: range });
      }
    }
  }
  return ops;
}

function op(name: string, p: string, lastFollowed: boolean, recursive: boolean, at: Range, claims: readonly PathClaim[]): RootOp {
  const literal = p.startsWith("/") && !p.includes("$");
  const path = literal ? known(p.replace(/\/+$/, "") || "/") : unknown<string>(`${p} is set by an option`);
  const o: RootOp = { op: name, path, followsSymlinks: lastFollowed, phase: "activation", at };
  if (path.kind === "known") {
    let under = claimAbove(path.value, claims, lastFollowed);
    // a recursive walk over a directory the account owns reaches what the account put there
    if (!under && recursive) under = claims.find((c) => c.account !== "root" && (c.path === path.value || isStrictlyBelow(path.value, c.path)));
    if (under) o.under = under;
  }
  return o;
}

export type { Service };
export { attrName };
