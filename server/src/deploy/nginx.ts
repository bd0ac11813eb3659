import type { ProxyLocation, ProxyServer } from "./model";
import { isLoopback } from "./net";

/** One nginx directive: `name args…;` or `name args… { children }`. */
export interface NginxDirective {
  name: string;
  args: string[];
  children?: NginxDirective[];
}

const MAX_DIRECTIVES = 20000;

/** Reads nginx configuration text into directives (comments dropped, quotes removed). */
export function parseNginx(text: string): NginxDirective[] {
  const root: NginxDirective[] = [];
  const stack: NginxDirective[][] = [root];
  let words: string[] = [];
  let count = 0;
  const re = /#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].startsWith("#")) continue;
    if (count > MAX_DIRECTIVES) break;
    const punct = m[3];
    if (punct === ";") {
      if (words.length) stack[stack.length - 1].push({ name: words[0], args: words.slice(1) });
      words = [];
      count++;
    } else if (punct === "{") {
      const d: NginxDirective = { name: words[0] ?? "", args: words.slice(1), children: [] };
      stack[stack.length - 1].push(d);
      stack.push(d.children!);
      words = [];
      count++;
    } else if (punct === "}") {
      if (words.length) stack[stack.length - 1].push({ name: words[0], args: words.slice(1) });
      words = [];
      if (stack.length > 1) stack.pop();
    } else {
      words.push(m[1] ?? m[2] ?? m[4]);
    }
  }
  if (words.length) stack[stack.length - 1].push({ name: words[0], args: words.slice(1) });
  return root;
}

/** Every `server { … }` and `upstream NAME { … }` block, at any depth (http, top level). */
export function collectBlocks(directives: readonly NginxDirective[], into: { servers: NginxDirective[][]; upstreams: Map<string, string[]> }): void {
  // depth first, in source order
  const stack = [...directives].reverse();
  while (stack.length) {
    const d = stack.pop()!;
    if (d.name === "server" && d.children) into.servers.push(d.children);
    else if (d.name === "upstream" && d.children && d.args[0]) {
      into.upstreams.set(d.args[0], d.children.filter((c) => c.name === "server" && c.args[0]).map((c) => c.args[0]));
    } else if (d.children && d.name !== "location") stack.push(...[...d.children].reverse());
  }
}

export interface Listen {
  port: number;
  loopback: boolean;
}

/** `80`, `443 ssl`, `[::]:443 ssl`, `127.0.0.1:8080`, `*:80`; unix sockets are not ports. */
export function parseListen(value: string): Listen | undefined {
  const first = value.trim().split(/\s+/)[0] ?? "";
  if (first.startsWith("unix:")) return undefined;
  let host = "";
  let port = first;
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(first);
  if (v6) {
    host = v6[1];
    port = v6[2] ?? "80";
  } else if (first.includes(":")) {
    host = first.slice(0, first.lastIndexOf(":"));
    port = first.slice(first.lastIndexOf(":") + 1);
  } else if (!/^\d+$/.test(first)) {
    host = first;
    port = "80";
  }
  if (!/^\d+$/.test(port)) return undefined;
  return { port: Number(port), loopback: host !== "" && host !== "*" && isLoopback(host) };
}

/** `http://10.0.1.11:8080/app/` → host and port; upstream names resolved to their servers. */
function proxyTargets(url: string, upstreams: Map<string, string[]>): { host: string; port: number }[] {
  const m = /^(https?|grpcs?|uwsgi|fastcgi):\/\/(\[[^\]]+\]|[^/:$]+)(?::(\d+))?/i.exec(url);
  if (!m) return [];
  const scheme = m[1].toLowerCase();
  const defaultPort = scheme === "https" || scheme === "grpcs" ? 443 : 80;
  const host = m[2].replace(/^\[|\]$/g, "");
  const up = upstreams.get(host);
  if (up && !m[3]) {
    return up.flatMap((s) => {
      const hp = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s);
      return hp ? [{ host: hp[1].replace(/^\[|\]$/g, ""), port: hp[2] ? Number(hp[2]) : 80 }] : [];
    });
  }
  return [{ host, port: m[3] ? Number(m[3]) : defaultPort }];
}

/** What restricts who gets an answer, from one block's directives; null when nothing does. */
function restrictionOf(children: readonly NginxDirective[]): { restriction: string | null; refuses: boolean } {
  let restriction: string | null = null;
  let refuses = false;
  const allows = children.some((c) => c.name === "allow");
  const denyAll = children.some((c) => c.name === "deny" && c.args[0] === "all");
  for (const c of children) {
    if (c.name === "auth_basic" && c.args[0] && c.args[0] !== "off") restriction = "auth_basic";
    else if (c.name === "auth_request" && c.args[0] && c.args[0] !== "off") restriction = "auth_request";
    else if (c.name === "auth_jwt" && c.args[0] && c.args[0] !== "off") restriction = "auth_jwt";
    else if (c.name === "ssl_verify_client" && (c.args[0] === "on" || c.args[0] === "optional")) restriction = "client certificates";
    else if (c.name === "internal") refuses = true;
    else if (c.name === "return" && /^4\d\d$/.test(c.args[0] ?? "")) refuses = true;
  }
  if (denyAll && allows) restriction = restriction ?? `allow ${children.filter((c) => c.name === "allow").map((c) => c.args[0]).join(", ")}`;
  else if (denyAll) refuses = true;
  return { restriction, refuses };
}

export interface ServerFacts {
  listens: Listen[];
  locations: ProxyLocation[];
}

/** A server block's ports and locations (with what each forwards and what restricts it). */
export function serverFacts(children: readonly NginxDirective[], upstreams: Map<string, string[]>): ServerFacts {
  const listens: Listen[] = [];
  for (const c of children) {
    if (c.name !== "listen") continue;
    const l = parseListen(c.args.join(" "));
    if (l) listens.push(l);
  }
  if (!children.some((c) => c.name === "listen")) listens.push({ port: 80, loopback: false });
  const server = restrictionOf(children);
  const locations: ProxyLocation[] = [];
  const serverTargets = children.filter((c) => c.name === "proxy_pass" && c.args[0]).flatMap((c) => proxyTargets(c.args[0], upstreams));
  for (const c of children) {
    if (c.name !== "location" || !c.children) continue;
    let exact = false;
    let path = c.args[0] ?? "";
    if (path === "=" || path === "^~") {
      exact = path === "=";
      path = c.args[1] ?? "";
    } else if (path === "~" || path === "~*" || path.startsWith("@")) continue;
    if (!path.startsWith("/")) continue;
    const own = restrictionOf(c.children);
    const targets = c.children.filter((d) => d.name === "proxy_pass" && d.args[0]).flatMap((d) => proxyTargets(d.args[0], upstreams));
    locations.push({
      path,
      exact,
      targets,
      restriction: own.restriction ?? server.restriction,
      refuses: own.refuses || (server.refuses && !own.restriction),
    });
  }
  if (serverTargets.length && !locations.some((l) => l.path === "/" && !l.exact)) {
    locations.push({ path: "/", exact: false, targets: serverTargets, restriction: server.restriction, refuses: server.refuses });
  }
  return { listens, locations };
}

/** The location nginx picks for a path: an exact one, else the longest prefix. */
export function locationFor(locations: readonly ProxyLocation[], path: string): ProxyLocation | undefined {
  const exact = locations.find((l) => l.exact && l.path === path);
  if (exact) return exact;
  let best: ProxyLocation | undefined;
  for (const l of locations) {
    if (l.exact || !path.startsWith(l.path)) continue;
    if (!best || l.path.length > best.path.length) best = l;
  }
  return best;
}

export function toProxyServer(s: ServerFacts): ProxyServer {
  return { ports: s.listens.filter((l) => !l.loopback).map((l) => l.port), locations: s.locations };
}
