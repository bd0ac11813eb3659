import { resolveString } from "../guix/resolve";
import type { Env } from "../guix/scope";
import { type Datum, head, isList, isSymbol, type List, unquoted, walk } from "../guix/sexp";
import { parseIptables, parseNftables } from "./firewall";
import type { AccessItem, Firewall, Proto, SystemFacts } from "./model";
import { collectBlocks, type NginxDirective, parseListen, parseNginx, serverFacts, toProxyServer } from "./nginx";
import { asScalar, asString, commentsOn, deref, evaluate, fieldsOf, fieldValue, listItems, type Source, stringList } from "./source";

/**
 * Listening services of Guix service types (ports as Guix configures them by default, and the
 * field that changes the port). Those marked `local` listen on the loopback interface unless told
 * otherwise, which pola does not read: they are shown, with that caveat.
 */
const LISTENERS: Record<string, { service: string; ports: number[]; proto?: Proto; field?: string; config?: string; local?: boolean; root?: boolean }> = {
  "httpd-service-type": { service: "httpd", ports: [80], root: true },
  "postgresql-service-type": { service: "postgresql", ports: [5432], field: "port", local: true },
  "mysql-service-type": { service: "mysql", ports: [3306], field: "port" },
  "redis-service-type": { service: "redis", ports: [6379], field: "port", local: true },
  "memcached-service-type": { service: "memcached", ports: [11211], field: "tcp-port" },
  "prometheus-node-exporter-service-type": { service: "node-exporter", ports: [9100] },
  "rsync-service-type": { service: "rsync", ports: [873], field: "port-number", root: true },
  "vsftpd-service-type": { service: "vsftpd", ports: [21], root: true },
  "dovecot-service-type": { service: "dovecot", ports: [143, 993], root: true },
  "opensmtpd-service-type": { service: "opensmtpd", ports: [25], root: true },
  "exim-service-type": { service: "exim", ports: [25], root: true },
  "prosody-service-type": { service: "prosody", ports: [5222, 5269] },
  "git-daemon-service-type": { service: "git-daemon", ports: [9418] },
  "cuirass-service-type": { service: "cuirass", ports: [8081], field: "port", local: true },
  "zabbix-agent-service-type": { service: "zabbix-agent", ports: [10050] },
  "syncthing-service-type": { service: "syncthing", ports: [22000] },
  "wireguard-service-type": { service: "wireguard", ports: [51820], proto: "udp", field: "port", root: true },
  "knot-service-type": { service: "knot", ports: [53], proto: "udp" },
  "dnsmasq-service-type": { service: "dnsmasq", ports: [53], proto: "udp", root: true },
  "bitlbee-service-type": { service: "bitlbee", ports: [6667], local: true },
  "darkhttpd-service-type": { service: "darkhttpd", ports: [80] },
  "gitolite-service-type": { service: "gitolite", ports: [] },
};

/** The Guix default nftables ruleset's forward chain: nothing is forwarded. */
const DEFAULT_NFTABLES = "table inet filter {\n chain forward {\n  type filter hook forward priority 0; policy drop;\n }\n}\n";
const DEFAULT_IPTABLES = "*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n";

const MAX_SERVICES = 2000;

/** What an `(operating-system …)` form exposes and guards. */
export function systemFacts(form: List, env: Env, src: Source, name: string, span: { start: number; end: number } = form): SystemFacts {
  const facts: SystemFacts = { name, addresses: [], items: [], firewalls: [], proxies: [], daemons: [], declaredGuards: commentsOn(src, span), notes: [] };
  if (src.module) facts.module = src.module;
  const fields = fieldsOf(form, env, src.top);
  facts.hostName = asString(fieldValue(fields, "host-name"), src);
  const services = fieldValue(fields, "services");
  if (!services?.datum) {
    facts.notes.push("no services field: only Guix's base services, which expose nothing pola checks");
    return facts;
  }
  const found: { form: List; env: Env }[] = [];
  collectServices(services.datum, services.env, found, facts, new Set(), 0, src);
  const seen = new Set<string>();
  for (const s of found) {
    const type = deref(s.form.items[1], s.env);
    const typeName = isSymbol(s.form.items[1]) ? s.form.items[1].value : isSymbol(type.datum) ? type.datum.value : undefined;
    if (!typeName) continue;
    const config = s.form.items[2] ? deref(s.form.items[2], s.env) : undefined;
    readService(typeName, config, facts, src);
    const daemon = typeName.replace(/-service-type$/, "");
    if (!seen.has(daemon)) {
      seen.add(daemon);
      facts.daemons.push({ name: daemon, root: src.rootOf(typeName) ?? knownRoot(typeName) });
    }
  }
  // items are a set: one per key
  const byKey = new Map<string, AccessItem>();
  for (const item of facts.items) if (!byKey.has(item.key)) byKey.set(item.key, item);
  facts.items = [...byKey.values()];
  facts.addresses = [...new Set(facts.addresses)];
  return facts;
}

function knownRoot(typeName: string): boolean | null {
  if (typeName === "openssh-service-type" || typeName === "nginx-service-type" || typeName === "dropbear-service-type") return true;
  return LISTENERS[typeName]?.root ?? null;
}

/** Every `(service …)` form the services expression can produce, following definitions. */
function collectServices(d: Datum, env: Env, found: { form: List; env: Env }[], facts: SystemFacts, visited: Set<Datum>, depth: number, src: Source): void {
  if (depth > 40 || found.length > MAX_SERVICES || visited.has(d)) return;
  visited.add(d);
  if (isSymbol(d)) {
    const r = deref(d, env);
    if (r.datum && r.datum !== d) collectServices(r.datum, r.env, found, facts, visited, depth + 1, src);
    return;
  }
  if (d.t === "prefix") {
    if (d.kind === "quote") return;
    if (d.value) collectServices(d.value, env, found, facts, visited, depth + 1, src);
    return;
  }
  if (!isList(d) || d.vector) return;
  const h = head(d);
  if (h === "service") {
    found.push({ form: d, env });
    return;
  }
  if (h === "modify-services") {
    if (!facts.notes.includes("modify-services clauses are not read")) facts.notes.push("modify-services clauses are not read");
    if (d.items[1]) collectServices(d.items[1], env, found, facts, visited, depth + 1, src);
    return;
  }
  if (h === "simple-service" || h === "lambda" || h === "define") return;
  if (h && src.top.procedures.has(h)) {
    const r = evaluate(d, env, src.top);
    if (r.datum && r.datum !== d) collectServices(r.datum, r.env, found, facts, visited, depth + 1, src);
    return;
  }
  for (const item of d.items.slice(h ? 1 : 0)) collectServices(item, env, found, facts, visited, depth + 1, src);
}

function item(proto: Proto, port: number | null, service: string, what: string, label: string, path?: string): AccessItem {
  const i: AccessItem = { key: `${proto}/${port ?? "-"} ${service} ${what}`, port, proto, service, label };
  if (path !== undefined) i.path = path;
  return i;
}

function readService(typeName: string, config: { datum: Datum | undefined; env: Env } | undefined, facts: SystemFacts, src: Source): void {
  const record = config?.datum && isList(config.datum) && head(config.datum) ? config.datum : undefined;
  const fields = record && config ? fieldsOf(record, config.env, src.top) : new Map<string, { field: List; env: Env }>();
  switch (typeName) {
    case "openssh-service-type":
    case "dropbear-service-type":
      return readSsh(typeName, fields, facts, src);
    case "nginx-service-type":
      return readNginx(fields, facts, src);
    case "nftables-service-type": {
      const ruleset = fieldValue(fields, "ruleset");
      const text = ruleset ? fileText(ruleset, src) : { text: DEFAULT_NFTABLES };
      if (text.text !== undefined) facts.firewalls.push(parseNftables(text.text));
      else facts.firewalls.push({ kind: "nftables", chains: [], unread: text.why });
      return;
    }
    case "iptables-service-type": {
      for (const field of ["ipv4-rules", "ipv6-rules"]) {
        const v = fieldValue(fields, field);
        const text = v ? fileText(v, src) : { text: DEFAULT_IPTABLES };
        if (text.text !== undefined) facts.firewalls.push(parseIptables(text.text));
        else facts.firewalls.push({ kind: "iptables", chains: [], unread: text.why });
      }
      return;
    }
    case "static-networking-service-type":
      if (config?.datum) readAddresses(config.datum, config.env, facts, src);
      return;
  }
  const l = LISTENERS[typeName];
  if (!l) return;
  let ports = l.ports;
  if (l.field) {
    const p = asScalar(fieldValue(fields, l.field));
    if (typeof p === "number") ports = [p];
  }
  const proto = l.proto ?? "tcp";
  for (const port of ports) {
    facts.items.push(item(proto, port, l.service, "listens", `${l.service} (${proto}/${port}${l.local ? ", loopback only unless configured" : ""})`));
  }
}

function readSsh(typeName: string, fields: Map<string, { field: List; env: Env }>, facts: SystemFacts, src: Source): void {
  const dropbear = typeName === "dropbear-service-type";
  const port = asScalar(fieldValue(fields, "port-number"));
  const p = typeof port === "number" ? port : 22;
  const service = dropbear ? "dropbear" : "openssh";
  facts.items.push(item("tcp", p, service, "listens", `SSH (${dropbear ? "dropbear, " : ""}tcp/${p})`));
  const root = asScalar(fieldValue(fields, dropbear ? "root-login?" : "permit-root-login"));
  const password = asScalar(fieldValue(fields, "password-authentication?"));
  const passwords = password === undefined ? true : password === true;
  const empty = asScalar(fieldValue(fields, "allow-empty-passwords?")) === true;
  if (root === true || root === "prohibit-password" || root === "without-password" || root === "forced-commands-only") {
    facts.items.push(item("tcp", p, service, "root-login", `SSH root login (tcp/${p})`));
    if (root === true && passwords) facts.items.push(item("tcp", p, service, "root-password-login", `SSH root login with a password (tcp/${p})`));
  }
  if (passwords) facts.items.push(item("tcp", p, service, "password-login", `SSH password logins (tcp/${p})`));
  if (empty) facts.items.push(item("tcp", p, service, "empty-password-login", `SSH logins with empty passwords (tcp/${p})`));
  const keys = listItems(fieldValue(fields, "authorized-keys"));
  if (keys) {
    for (const entry of keys.items) {
      const e = listItems({ datum: entry, env: keys.env });
      const entryItems = e?.items ?? (isList(entry) ? entry.items : []);
      const user = entryItems[0] ? resolveString(unquoted(entryItems[0]), keys.env, src.ctx) : undefined;
      if (!user || user.kind !== "known") continue;
      for (const key of entryItems.slice(1)) {
        const k = key.t === "prefix" && key.kind === "unquote" && key.value ? key.value : key;
        const name = keyName(k, keys.env, src);
        facts.items.push(item("tcp", p, service, `key ${user.value} ${name}`, `SSH key ${name} for ${user.value} (tcp/${p})`));
      }
    }
  }
}

/** How an authorized key is named: its file, or its text's comment. */
function keyName(d: Datum, env: Env, src: Source): string {
  const r = deref(d, env);
  const x = r.datum;
  if (isList(x) && (head(x) === "local-file" || head(x) === "plain-file")) {
    const s = resolveString(x.items[1], r.env, src.ctx);
    if (s.kind === "known") return s.value.split("/").pop() ?? s.value;
  }
  const text = src.text.slice(d.start, d.end).replace(/\s+/g, " ");
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** The text of a file-like: plain-file, local-file (given by the transport), mixed-text-file of strings. */
function fileText(v: { datum: Datum | undefined; env: Env }, src: Source): { text?: string; why?: string } {
  const d = v.datum;
  if (!isList(d)) return { why: "the ruleset is computed" };
  const h = head(d);
  if (h === "plain-file") {
    const s = resolveString(d.items[2], v.env, src.ctx);
    return s.kind === "known" ? { text: s.value } : { why: "the ruleset's text is computed" };
  }
  if (h === "local-file") {
    const name = resolveString(d.items[1], v.env, src.ctx);
    if (name.kind !== "known") return { why: "local-file with a computed name" };
    const text = src.readLocal(name.value);
    return text !== undefined ? { text } : { why: `${name.value} could not be read` };
  }
  if (h === "mixed-text-file") {
    let text = "";
    for (const part of d.items.slice(2)) {
      const s = resolveString(part, v.env, src.ctx);
      if (s.kind !== "known") return { why: "part of the ruleset is computed" };
      text += s.value;
    }
    return { text };
  }
  return { why: `the ruleset comes from ${h ?? "an expression"}` };
}

function readNginx(fields: Map<string, { field: List; env: Env }>, facts: SystemFacts, src: Source): void {
  const blocks = { servers: [] as NginxDirective[][], upstreams: new Map<string, string[]>() };
  const file = fieldValue(fields, "file");
  if (file?.datum) {
    const text = fileText(file, src);
    if (text.text !== undefined) collectBlocks(parseNginx(text.text), blocks);
    else facts.notes.push(`nginx configuration file: ${text.why}`);
  }
  const extra = asString(fieldValue(fields, "extra-content"), src);
  if (extra) collectBlocks(parseNginx(extra), blocks);
  const upstreams = listItems(fieldValue(fields, "upstream-blocks"));
  for (const u of upstreams?.items ?? []) {
    const r = deref(u, upstreams!.env);
    if (!isList(r.datum) || head(r.datum) !== "nginx-upstream-configuration") continue;
    const f = fieldsOf(r.datum, r.env, src.top);
    const name = asString(fieldValue(f, "name"), src);
    if (name) blocks.upstreams.set(name, stringList(fieldValue(f, "servers"), src) ?? []);
  }
  const servers = listItems(fieldValue(fields, "server-blocks"));
  if (fields.has("server-blocks") && !servers) facts.notes.push("nginx server-blocks are computed");
  for (const s of servers?.items ?? []) {
    const r = deref(s, servers!.env);
    if (!isList(r.datum) || head(r.datum) !== "nginx-server-configuration") continue;
    blocks.servers.push(serverDirectives(r.datum, r.env, src));
  }
  for (const children of blocks.servers) {
    const sf = serverFacts(children, blocks.upstreams);
    const ports = sf.listens.filter((l) => !l.loopback).map((l) => l.port);
    for (const port of ports) {
      facts.items.push(item("tcp", port, "nginx", "listens", `nginx (tcp/${port})`));
      for (const l of sf.locations) {
        if (l.path === "/" || l.refuses) continue;
        facts.items.push(item("tcp", port, "nginx", `path ${l.path}${l.restriction ? ` behind ${l.restriction}` : ""}`, `${l.path} on nginx (tcp/${port})${l.restriction ? ` behind ${l.restriction}` : ""}`, l.path));
      }
    }
    if (sf.locations.some((l) => l.targets.length)) facts.proxies.push(toProxyServer(sf));
  }
}

/** An nginx-server-configuration record as nginx directives. */
function serverDirectives(form: List, env: Env, src: Source): NginxDirective[] {
  const f = fieldsOf(form, env, src.top);
  const result: NginxDirective[] = [];
  const listen = fieldValue(f, "listen");
  const ports = listen ? stringList(listen, src) : ["80", "443 ssl"];
  for (const l of ports ?? []) if (parseListen(l)) result.push({ name: "listen", args: l.split(/\s+/) });
  const raw = stringList(fieldValue(f, "raw-content"), src);
  if (raw) result.push(...parseNginx(raw.join("\n")));
  const locations = listItems(fieldValue(f, "locations"));
  for (const loc of locations?.items ?? []) {
    const r = deref(loc, locations!.env);
    if (!isList(r.datum) || head(r.datum) !== "nginx-location-configuration") continue;
    const lf = fieldsOf(r.datum, r.env, src.top);
    const uri = asString(fieldValue(lf, "uri"), src);
    if (!uri) continue;
    const body = stringList(fieldValue(lf, "body"), src) ?? [];
    const args = uri.trim().split(/\s+/);
    result.push({ name: "location", args, children: parseNginx(body.join("\n")) });
  }
  return result;
}

function readAddresses(d: Datum, env: Env, facts: SystemFacts, src: Source): void {
  const visited = new Set<Datum>();
  const visit = (x: Datum, e: Env, depth: number) => {
    if (depth > 12 || visited.has(x)) return;
    visited.add(x);
    walk([x], (node) => {
      if (isSymbol(node)) {
        const r = deref(node, e);
        if (r.datum && r.datum !== node) visit(r.datum, r.env, depth + 1);
        return false;
      }
      if (isList(node) && head(node) === "network-address") {
        const value = asString(fieldValue(fieldsOf(node, e, src.top), "value"), src);
        if (value) facts.addresses.push(value.replace(/\/\d+$/, ""));
        return false;
      }
      return true;
    });
  };
  visit(d, env, 0);
}
