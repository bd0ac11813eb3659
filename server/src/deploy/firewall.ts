import { BLOCKED, type Firewall, type FirewallChain, type FirewallRule, type Level, OPEN, type PortRange, type Proto, RESTRICTED } from "./model";
import { addressMatches, bareAddress, parsePort, portIn } from "./net";

/**
 * Firewall rulesets as text, read (never loaded): nftables (`nft -f` syntax, including
 * `add rule …` commands) and iptables-restore. Only what decides whether a new connection to a
 * port of another machine gets through is kept; everything else in a rule is ignored.
 */

const FAMILIES = new Set(["ip", "ip6", "inet", "arp", "bridge", "netdev"]);
const VERDICTS = new Set(["accept", "drop", "reject", "return"]);
const MAX_RULES = 20000;

interface Token {
  t: string;
  /** Quoted string. */
  q?: boolean;
  line: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === "\n") {
      tokens.push({ t: "\n", line });
      line++;
      i++;
    } else if (c === "\\" && (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n"))) {
      i += text[i + 1] === "\r" ? 3 : 2;
      line++;
    } else if (c === " " || c === "\t" || c === "\r") i++;
    else if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "{" || c === "}" || c === ";" || c === ",") {
      tokens.push({ t: c, line });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"' && text[j] !== "\n") j++;
      tokens.push({ t: text.slice(i + 1, j), q: true, line });
      i = j + 1;
    } else {
      let j = i;
      while (j < n && !/[\s{};,#"]/.test(text[j])) j++;
      // `!=` glued to a value is rare; split "!=" from what follows
      const word = text.slice(i, j);
      tokens.push({ t: word, line });
      i = j;
    }
  }
  return tokens;
}

/** Reads an nftables ruleset. */
export function parseNftables(text: string): Firewall {
  const tokens = tokenize(text);
  const lines = text.split(/\r?\n/);
  const fw: Firewall = { kind: "nftables", chains: [] };
  const defines = new Map<string, string[]>();
  const sets = new Map<string, string[]>();
  const chains = new Map<string, FirewallChain>();
  const chainOf = (table: string, name: string): FirewallChain => {
    const key = `${table}\u0000${name}`;
    let c = chains.get(key);
    if (!c) {
      c = { name, rules: [] };
      chains.set(key, c);
      fw.chains.push(c);
    }
    return c;
  };
  let count = 0;
  let i = 0;

  /** Reads one statement's words up to `;`/newline/`}` at set depth 0; sets become `{a,b}` groups. */
  function statement(): { words: Token[]; end: string } {
    const words: Token[] = [];
    let depth = 0;
    let group: string[] | null = null;
    let groupLine = 0;
    while (i < tokens.length) {
      const tok = tokens[i];
      if (depth === 0 && (tok.t === ";" || tok.t === "\n")) {
        i++;
        return { words, end: tok.t };
      }
      if (depth === 0 && tok.t === "}") return { words, end: "}" };
      i++;
      if (tok.t === "{") {
        // `chain x {` opens a block, not a set: the caller handles it
        if (depth === 0 && words.length > 0 && isBlockOpener(words)) return { words, end: "{" };
        depth++;
        if (depth === 1) {
          group = [];
          groupLine = tok.line;
        }
        continue;
      }
      if (tok.t === "}") {
        depth--;
        if (depth === 0 && group) {
          words.push({ t: `{${group.join(",")}}`, line: groupLine });
          group = null;
        }
        continue;
      }
      if (depth > 0) {
        if (tok.t !== "," && tok.t !== "\n" && tok.t !== ";") group?.push(tok.t);
        continue;
      }
      if (tok.t === ",") {
        // `ct state established,related` written with spaces: glue to the previous word
        const prev = words[words.length - 1];
        const next = tokens[i];
        if (prev && next && next.t !== "\n") {
          prev.t = `${prev.t},${next.t}`;
          i++;
        }
        continue;
      }
      words.push({ ...tok });
    }
    return { words, end: "" };
  }

  function isBlockOpener(words: Token[]): boolean {
    const w = words.map((x) => x.t);
    const k = w[0] === "add" || w[0] === "create" || w[0] === "table" || w[0] === "chain" || w[0] === "set" || w[0] === "map";
    return k && !(w[0] === "add" && (w[1] === "rule" || w[1] === "element"));
  }

  /** Skips a balanced block we do not read (a map, a flowtable). */
  function skipBlock(): void {
    let depth = 1;
    while (i < tokens.length && depth > 0) {
      if (tokens[i].t === "{") depth++;
      else if (tokens[i].t === "}") depth--;
      i++;
    }
  }

  function expand(values: string[]): string[] {
    const result: string[] = [];
    for (const v of values) {
      if (v.startsWith("$")) result.push(...expand(defines.get(v.slice(1)) ?? [v]));
      else if (v.startsWith("@")) result.push(...(sets.get(v.slice(1)) ?? [v]));
      else if (v.startsWith("{") && v.endsWith("}")) result.push(...expand(v.slice(1, -1).split(",").filter(Boolean)));
      else result.push(v);
    }
    return result;
  }

  function readChainBody(chain: FirewallChain): void {
    for (;;) {
      if (i >= tokens.length) return;
      if (tokens[i].t === "}") {
        i++;
        return;
      }
      const { words, end } = statement();
      if (end === "{") {
        skipBlock();
        continue;
      }
      if (words.length === 0) continue;
      chainStatement(chain, words);
    }
  }

  function chainStatement(chain: FirewallChain, words: Token[]): void {
    const w = words.map((x) => x.t);
    if (w[0] === "type") {
      const h = w.indexOf("hook");
      if (h >= 0 && w[h + 1]) chain.hook = w[h + 1].toLowerCase();
      const p = w.indexOf("policy");
      if (p >= 0 && w[p + 1]) chain.policy = w[p + 1].toLowerCase().startsWith("drop") ? "drop" : "accept";
      return;
    }
    if (w[0] === "policy") {
      chain.policy = (w[1] ?? "").toLowerCase().startsWith("drop") ? "drop" : "accept";
      return;
    }
    if (w[0] === "comment" || (w[0] === "counter" && w.length === 1)) return;
    if (count++ > MAX_RULES) return;
    const line = words[0].line;
    chain.rules.push(nftRule(w, expand, (lines[line] ?? w.join(" ")).trim()));
  }

  function readTable(table: string): void {
    for (;;) {
      if (i >= tokens.length) return;
      if (tokens[i].t === "}") {
        i++;
        return;
      }
      const { words, end } = statement();
      const w = words.map((x) => x.t);
      if (end === "{" && w[0] === "chain" && w[1]) {
        readChainBody(chainOf(table, w[1]));
        continue;
      }
      if (end === "{" && w[0] === "set" && w[1]) {
        readSet(w[1]);
        continue;
      }
      if (end === "{") {
        skipBlock();
        continue;
      }
    }
  }

  function readSet(name: string): void {
    const elements: string[] = [];
    for (;;) {
      if (i >= tokens.length) break;
      if (tokens[i].t === "}") {
        i++;
        break;
      }
      const { words } = statement();
      const w = words.map((x) => x.t);
      const e = w.indexOf("elements");
      if (e >= 0) for (const v of w.slice(e + 1)) if (v !== "=") elements.push(...expand([v]));
    }
    sets.set(name, elements);
  }

  while (i < tokens.length) {
    const { words, end } = statement();
    const w = words.map((x) => x.t);
    if (w.length === 0) {
      if (end === "}") i++;
      continue;
    }
    if (w[0] === "define" && w[1]) {
      const eq = w.indexOf("=");
      defines.set(w[1], w.slice(eq >= 0 ? eq + 1 : 2).flatMap((v) => (v.startsWith("{") ? v.slice(1, -1).split(",").filter(Boolean) : [v])));
      continue;
    }
    if (w[0] === "table" && end === "{") {
      readTable(tableName(w.slice(1)));
      continue;
    }
    if ((w[0] === "add" || w[0] === "create") && w[1] === "table" && end === "{") {
      readTable(tableName(w.slice(2)));
      continue;
    }
    if ((w[0] === "add" || w[0] === "create") && w[1] === "chain") {
      const rest = w.slice(2);
      const hasFamily = FAMILIES.has(rest[0]);
      const table = hasFamily ? rest[1] : rest[0];
      const name = hasFamily ? rest[2] : rest[1];
      if (name) {
        const chain = chainOf(table ?? "", name);
        if (end === "{") readChainBody(chain);
      } else if (end === "{") skipBlock();
      continue;
    }
    if ((w[0] === "add" || w[0] === "insert") && w[1] === "rule") {
      const rest = w.slice(2);
      const hasFamily = FAMILIES.has(rest[0]);
      const table = hasFamily ? rest[1] : rest[0];
      const name = hasFamily ? rest[2] : rest[1];
      const body = rest.slice(hasFamily ? 3 : 2);
      if (name && count++ <= MAX_RULES) {
        const chain = chainOf(table ?? "", name);
        const rule = nftRule(body, expand, (lines[words[0].line] ?? body.join(" ")).trim());
        if (w[0] === "insert") chain.rules.unshift(rule);
        else chain.rules.push(rule);
      }
      if (end === "{") skipBlock();
      continue;
    }
    if (end === "{") skipBlock();
  }
  return fw;
}

function tableName(words: string[]): string {
  return FAMILIES.has(words[0]) ? (words[1] ?? "") : (words[0] ?? "");
}

function nftRule(w: string[], expand: (v: string[]) => string[], text: string): FirewallRule {
  const rule: FirewallRule = { verdict: "other", text };
  const value = (at: number): { neg: boolean; values: string[]; next: number } => {
    let neg = false;
    let j = at;
    if (w[j] === "!=") {
      neg = true;
      j++;
    } else if (w[j] === "==" || w[j] === "eq") j++;
    const raw = w[j] ?? "";
    return { neg, values: expand([raw]), next: j + 1 };
  };
  for (let j = 0; j < w.length; j++) {
    const word = w[j].toLowerCase();
    const next = (w[j + 1] ?? "").toLowerCase();
    if ((word === "ip" || word === "ip6") && (next === "daddr" || next === "saddr")) {
      const v = value(j + 2);
      if (next === "daddr") rule.daddr = { neg: v.neg, values: v.values };
      else rule.saddr = { neg: v.neg, values: v.values };
      j = v.next - 1;
    } else if ((word === "tcp" || word === "udp" || word === "th" || word === "sctp") && (next === "dport" || next === "sport")) {
      if (word === "tcp" || word === "udp") rule.proto = [word];
      const v = value(j + 2);
      if (next === "dport") rule.dport = { neg: v.neg, ranges: v.values.map(parsePort).filter((p): p is PortRange => Boolean(p)) };
      j = v.next - 1;
    } else if (word === "meta" && next === "l4proto") {
      const v = value(j + 2);
      const protos = v.values.map((x) => x.toLowerCase()).filter((x): x is Proto => x === "tcp" || x === "udp");
      if (!v.neg && protos.length) rule.proto = protos;
      j = v.next - 1;
    } else if (word === "ct" && next === "state") {
      const v = value(j + 2);
      const states = v.values.flatMap((x) => x.toLowerCase().split(","));
      if (!v.neg && !states.includes("new") && !states.includes("untracked")) rule.establishedOnly = true;
      j = v.next - 1;
    } else if (VERDICTS.has(word)) {
      rule.verdict = word as FirewallRule["verdict"];
    } else if ((word === "jump" || word === "goto") && w[j + 1]) {
      rule.verdict = word;
      rule.target = w[j + 1];
      j++;
    } else if (word === "dnat") {
      rule.verdict = "dnat";
      const to = w.indexOf("to", j);
      if (to >= 0 && w[to + 1]) rule.target = w[to + 1];
    }
  }
  return rule;
}

/** Reads iptables-restore text (or `iptables -A …` lines). */
export function parseIptables(text: string): Firewall {
  const fw: Firewall = { kind: "iptables", chains: [] };
  const chains = new Map<string, FirewallChain>();
  let table = "filter";
  const chainOf = (name: string): FirewallChain => {
    const key = `${table}\u0000${name}`;
    let c = chains.get(key);
    if (!c) {
      const builtin = ["INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"].includes(name);
      c = { name, rules: [], hook: builtin ? name.toLowerCase() : undefined };
      chains.set(key, c);
      fw.chains.push(c);
    }
    return c;
  };
  let count = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    if (line.startsWith("*")) {
      table = line.slice(1).trim();
      continue;
    }
    if (line.startsWith(":")) {
      const [name, policy] = line.slice(1).split(/\s+/);
      const c = chainOf(name);
      if (policy === "DROP" || policy === "REJECT") c.policy = "drop";
      else if (policy === "ACCEPT") c.policy = "accept";
      continue;
    }
    const args = splitArgs(line.replace(/^(?:ip6?tables(?:-legacy|-nft)?\s+)(?:-t\s+(\w+)\s+)?/, (_m, t: string | undefined) => {
      if (t) table = t;
      return "";
    }));
    const a = args.indexOf("-A") >= 0 ? args.indexOf("-A") : args.indexOf("--append") >= 0 ? args.indexOf("--append") : args.indexOf("-I") >= 0 ? args.indexOf("-I") : args.indexOf("--insert");
    if (a >= 0 && args[a + 1]) {
      if (count++ > MAX_RULES) continue;
      const chain = chainOf(args[a + 1]);
      const rule = iptablesRule(args, line);
      if (args[a] === "-I" || args[a] === "--insert") chain.rules.unshift(rule);
      else chain.rules.push(rule);
      continue;
    }
    const p = args.indexOf("-P");
    if (p >= 0 && args[p + 1] && args[p + 2]) chainOf(args[p + 1]).policy = args[p + 2] === "ACCEPT" ? "accept" : "drop";
  }
  return fw;
}

function splitArgs(line: string): string[] {
  const result: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) result.push(m[1] ?? m[2] ?? m[3]);
  return result;
}

function iptablesRule(args: string[], text: string): FirewallRule {
  const rule: FirewallRule = { verdict: "other", text };
  let neg = false;
  for (let j = 0; j < args.length; j++) {
    const a = args[j];
    const v = args[j + 1] ?? "";
    if (a === "!") {
      neg = true;
      continue;
    }
    switch (a) {
      case "-d":
      case "--destination":
      case "--dst":
        rule.daddr = { neg, values: v.split(",") };
        j++;
        break;
      case "-s":
      case "--source":
      case "--src":
        rule.saddr = { neg, values: v.split(",") };
        j++;
        break;
      case "-p":
      case "--protocol": {
        const p = v.toLowerCase();
        if (!neg && (p === "tcp" || p === "udp")) rule.proto = [p];
        j++;
        break;
      }
      case "--dport":
      case "--destination-port":
      case "--dports":
      case "--destination-ports":
        rule.dport = { neg, ranges: v.split(",").map(parsePort).filter((p): p is PortRange => Boolean(p)) };
        j++;
        break;
      case "--ctstate":
      case "--state": {
        const states = v.toUpperCase().split(",");
        if (!neg && !states.includes("NEW") && !states.includes("UNTRACKED")) rule.establishedOnly = true;
        j++;
        break;
      }
      case "-j":
      case "--jump":
      case "-g":
      case "--goto": {
        const t = v.toUpperCase();
        if (t === "ACCEPT") rule.verdict = "accept";
        else if (t === "DROP") rule.verdict = "drop";
        else if (t === "REJECT") rule.verdict = "reject";
        else if (t === "RETURN") rule.verdict = "return";
        else if (t === "DNAT") rule.verdict = "dnat";
        else if (t !== "LOG") {
          rule.verdict = a === "-g" || a === "--goto" ? "goto" : "jump";
          rule.target = v;
        }
        j++;
        break;
      }
      case "--to-destination":
        rule.target = v;
        j++;
        break;
    }
    neg = false;
  }
  return rule;
}

/** Chains traffic to another machine goes through (forward, and prerouting for dnat). */
function isForwardChain(chain: FirewallChain): boolean {
  return chain.hook === "forward";
}

export interface FirewallReach {
  level: Level;
  /** Sources let through when restricted. */
  sources: string[];
  /** The rule (or policy) that decided. */
  decidedBy: string;
}

/**
 * How far new connections from anywhere to `port` on the machine get through the forward chains:
 * first match wins, jumps are followed, the chain policy ends it. undefined when nothing filters
 * forwarded traffic.
 */
export function firewallReach(fw: Firewall, addresses: readonly string[], port: number, proto: Proto): FirewallReach | undefined {
  const base = fw.chains.filter(isForwardChain);
  if (base.length === 0) return undefined;
  const byName = new Map(fw.chains.map((c) => [c.name, c]));
  let result: FirewallReach = { level: OPEN, sources: [], decidedBy: "" };
  // several base chains on the forward hook: a packet must pass every one; the narrowest wins
  for (const chain of base) {
    const r = evalChain(chain, byName, addresses, port, proto, 0);
    const state = r.state;
    let reach: FirewallReach;
    if (state.verdict === "accept") reach = { level: state.onlySome ? RESTRICTED : OPEN, sources: state.sources, decidedBy: state.by };
    else if (state.verdict === "drop") reach = { level: state.sources.length ? RESTRICTED : BLOCKED, sources: state.sources, decidedBy: state.by };
    else {
      const policy = chain.policy ?? "accept";
      reach =
        policy === "accept"
          ? { level: state.onlySome ? RESTRICTED : OPEN, sources: state.sources, decidedBy: `policy accept of chain ${chain.name}` }
          : { level: state.sources.length ? RESTRICTED : BLOCKED, sources: state.sources, decidedBy: `policy drop of chain ${chain.name}` };
    }
    if (reach.level < result.level || result.decidedBy === "") result = reach;
  }
  return result;
}

interface EvalState {
  /** Terminal verdict reached for "anyone" traffic. */
  verdict?: "accept" | "drop";
  /** Only some sources are still travelling down the chain (a `saddr != X drop` ran). */
  onlySome: boolean;
  /** Sources accepted by restricted accept rules. */
  sources: string[];
  by: string;
}

function evalChain(
  chain: FirewallChain,
  byName: Map<string, FirewallChain>,
  addresses: readonly string[],
  port: number,
  proto: Proto,
  depth: number,
  state: EvalState = { onlySome: false, sources: [], by: "" },
): { state: EvalState; returned: boolean } {
  if (depth > 8) return { state, returned: true };
  for (const r of candidateRules(chain, addresses)) {
    if (r.establishedOnly) continue;
    if (!matches(r, addresses, port, proto)) continue;
    if (r.verdict === "jump" || r.verdict === "goto") {
      const target = r.target ? byName.get(r.target) : undefined;
      if (!target) continue;
      const inner = evalChain(target, byName, addresses, port, proto, depth + 1, state);
      if (inner.state.verdict) return inner;
      if (r.verdict === "goto") return { state: inner.state, returned: true };
      continue;
    }
    if (r.verdict === "return") return { state, returned: true };
    if (r.verdict === "accept") {
      if (r.saddr && !r.saddr.neg) {
        for (const s of r.saddr.values) if (!state.sources.includes(s)) state.sources.push(s);
        continue;
      }
      state.verdict = "accept";
      state.by = r.text;
      return { state, returned: false };
    }
    if (r.verdict === "drop" || r.verdict === "reject") {
      if (r.saddr && !r.saddr.neg) continue; // blocks some sources; the rest go on
      if (r.saddr?.neg) {
        // everyone but these is dropped: only they go on
        state.onlySome = true;
        for (const s of r.saddr.values) if (!state.sources.includes(s)) state.sources.push(s);
        continue;
      }
      state.verdict = "drop";
      state.by = r.text;
      return { state, returned: false };
    }
  }
  return { state, returned: false };
}

/** Per chain: the rules naming one exact address (by address), and all the others (any destination, networks, sets). */
const chainIndexes = new WeakMap<FirewallChain, { exact: Map<string, number[]>; general: number[] }>();

/**
 * The rules of a chain that can match traffic to these addresses, in order: a router with a rule
 * per machine evaluates each machine against its own rules only (linear, not quadratic).
 */
function candidateRules(chain: FirewallChain, addresses: readonly string[]): FirewallRule[] {
  let index = chainIndexes.get(chain);
  if (!index) {
    index = { exact: new Map(), general: [] };
    chain.rules.forEach((r, i) => {
      const exact = r.daddr && !r.daddr.neg && r.daddr.values.every((v) => !v.includes("/") && !v.startsWith("$") && !v.startsWith("@"));
      if (!exact) return index!.general.push(i);
      for (const v of new Set(r.daddr!.values.map((x) => bareAddress(x)))) {
        const list = index!.exact.get(v);
        if (list) list.push(i);
        else index!.exact.set(v, [i]);
      }
    });
    chainIndexes.set(chain, index);
  }
  if (index.exact.size === 0) return chain.rules;
  const picked = [...index.general];
  for (const a of new Set(addresses.map((x) => bareAddress(x)))) picked.push(...(index.exact.get(a) ?? []));
  picked.sort((x, y) => x - y);
  return picked.filter((v, i) => i === 0 || picked[i - 1] !== v).map((i) => chain.rules[i]);
}

function matches(r: FirewallRule, addresses: readonly string[], port: number, proto: Proto): boolean {
  if (r.daddr) {
    const hit = r.daddr.values.some((v) => addressMatches(v, addresses));
    if (hit === r.daddr.neg) return false;
  }
  if (r.proto && !r.proto.includes(proto)) return false;
  if (r.dport) {
    const hit = portIn(port, r.dport.ranges);
    if (hit === r.dport.neg) return false;
  }
  return true;
}
