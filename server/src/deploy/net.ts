import type { PortRange } from "./model";

/** Service names firewalls accept for ports (the few that deployments use). */
const PORT_NAMES: Record<string, number> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  www: 80,
  pop3: 110,
  imap: 143,
  imap2: 143,
  https: 443,
  submissions: 465,
  smtps: 465,
  submission: 587,
  ldap: 389,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  rsync: 873,
  mysql: 3306,
  postgresql: 5432,
  "http-alt": 8080,
  git: 9418,
};

/** `22`, `ssh`, `8000-8100` (nft), `8000:8100` (iptables). */
export function parsePort(word: string): PortRange | undefined {
  const w = word.trim().toLowerCase();
  const range = /^(\w+)\s*[-:]\s*(\w+)$/.exec(w);
  if (range) {
    const lo = single(range[1]);
    const hi = single(range[2]);
    return lo !== undefined && hi !== undefined ? { lo, hi } : undefined;
  }
  const n = single(w);
  return n === undefined ? undefined : { lo: n, hi: n };
}

function single(w: string): number | undefined {
  if (/^\d+$/.test(w)) {
    const n = Number(w);
    return n >= 0 && n <= 65535 ? n : undefined;
  }
  return PORT_NAMES[w];
}

export function portIn(port: number, ranges: readonly PortRange[]): boolean {
  return ranges.some((r) => port >= r.lo && port <= r.hi);
}

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function ipv6(s: string): bigint | undefined {
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h === "" ? [] : h.split(":"));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const groups: string[] = [];
  const expand = (list: string[]) => {
    for (const g of list) {
      const v4 = ipv4(g);
      if (v4 !== undefined) groups.push((v4 >>> 16).toString(16), (v4 & 0xffff).toString(16));
      else groups.push(g);
    }
  };
  expand(head);
  const tailGroups: string[] = [];
  const saved = groups.length;
  expand(tail);
  tailGroups.push(...groups.splice(saved));
  const missing = 8 - groups.length - tailGroups.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const all = [...groups, ...Array(missing).fill("0"), ...tailGroups];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) + BigInt(parseInt(g, 16));
  }
  return value;
}

/** Strips brackets and a prefix length: `[2001:db8::1]`, `10.0.0.2/24` → the address. */
export function bareAddress(s: string): string {
  let a = s.trim();
  if (a.startsWith("[")) a = a.slice(1, a.indexOf("]") > 0 ? a.indexOf("]") : undefined);
  const slash = a.indexOf("/");
  if (slash >= 0) a = a.slice(0, slash);
  return a.toLowerCase();
}

/**
 * Whether a firewall or proxy value (an address, a network `10.0.0.0/24`, a host name) names one of
 * the machine's addresses or names.
 */
export function addressMatches(value: string, addresses: readonly string[]): boolean {
  const v = value.trim().toLowerCase().replace(/^\[|\]$/g, "");
  const slash = v.indexOf("/");
  const base = slash >= 0 ? v.slice(0, slash) : v;
  const bits = slash >= 0 ? Number(v.slice(slash + 1)) : undefined;
  for (const raw of addresses) {
    const a = bareAddress(raw);
    if (a === base && bits === undefined) return true;
    if (a === v) return true;
    if (bits === undefined || !Number.isInteger(bits)) continue;
    const n4 = ipv4(base);
    const a4 = ipv4(a);
    if (n4 !== undefined && a4 !== undefined && bits >= 0 && bits <= 32) {
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if (((n4 & mask) >>> 0) === ((a4 & mask) >>> 0)) return true;
      continue;
    }
    const n6 = ipv6(base);
    const a6 = ipv6(a);
    if (n6 !== undefined && a6 !== undefined && bits >= 0 && bits <= 128) {
      const shift = BigInt(128 - bits);
      if (n6 >> shift === a6 >> shift) return true;
    }
  }
  return false;
}

/** Whether an address is a loopback one (a service bound there is not reachable from elsewhere). */
export function isLoopback(address: string): boolean {
  const a = bareAddress(address);
  return a === "localhost" || a === "::1" || a.startsWith("127.");
}
