/**
 * The deploy analysis' plain data: what each machine of a `guix deploy` file exposes, what it
 * guards, and the baseline (the same facts at the last commit). Everything here is serialisable:
 * the transport computes the baseline (it runs git) and hands it to the rules through the context.
 */

/** How far a guard lets traffic reach a port of the machine it protects. */
export type Level = 0 | 1 | 2;
export const BLOCKED: Level = 0;
export const RESTRICTED: Level = 1;
export const OPEN: Level = 2;

export type Proto = "tcp" | "udp";

/** One thing a machine exposes: a listening service, a way to log in, an HTTP path. */
export interface AccessItem {
  /** Identity across versions, e.g. `tcp/22 ssh root-login`. */
  key: string;
  port: number | null;
  proto: Proto;
  /** The service providing it: openssh, nginx, postgresql, … */
  service: string;
  /** For people: `SSH root login`. */
  label: string;
  /** An HTTP location served on the port (only for paths other than `/`). */
  path?: string;
}

export interface PortRange {
  lo: number;
  hi: number;
}

/** One firewall rule, reduced to what decides whether new connections to a port get through. */
export interface FirewallRule {
  /** Destination addresses or names (undefined: any destination). */
  daddr?: { neg: boolean; values: string[] };
  saddr?: { neg: boolean; values: string[] };
  /** Destination ports (undefined: any port). */
  dport?: { neg: boolean; ranges: PortRange[] };
  proto?: Proto[];
  /** The rule matches only established/related traffic, never a new connection. */
  establishedOnly?: boolean;
  verdict: "accept" | "drop" | "reject" | "jump" | "goto" | "return" | "dnat" | "other";
  /** jump/goto target chain, or dnat destination. */
  target?: string;
  /** The rule as written (one line), for messages. */
  text: string;
}

export interface FirewallChain {
  name: string;
  /** nftables hook / iptables built-in chain, lower case: input, forward, output, prerouting, postrouting. */
  hook?: string;
  policy?: "accept" | "drop";
  rules: FirewallRule[];
}

export interface Firewall {
  kind: "nftables" | "iptables";
  chains: FirewallChain[];
  /** Why part of it could not be read (a ruleset computed at run time, a local-file pola did not get). */
  unread?: string;
}

export interface ProxyLocation {
  path: string;
  /** `=` exact, `^~` / "" prefix; regex locations are skipped. */
  exact: boolean;
  /** proxy_pass targets, with upstreams resolved. */
  targets: { host: string; port: number }[];
  /** What restricts access: `auth_basic`, `allow/deny`, `auth_request`, `internal`; null when open. */
  restriction: string | null;
  /** `return 403`/`deny all`: the location answers itself, nothing is forwarded. */
  refuses: boolean;
}

export interface ProxyServer {
  ports: number[];
  locations: ProxyLocation[];
}

/** A daemon the operating system runs, for the hover. */
export interface Daemon {
  name: string;
  root: boolean | null;
}

/** What one operating-system definition exposes and guards. */
export interface SystemFacts {
  /** The define's name (`%web-os`), or `operating-system` for an inline one. */
  name: string;
  /** Module the definition comes from, when it is another file's. */
  module?: string;
  /** The `host-name` field. */
  hostName?: string;
  /** Static network addresses (static-networking), without prefix length. */
  addresses: string[];
  items: AccessItem[];
  firewalls: Firewall[];
  proxies: ProxyServer[];
  daemons: Daemon[];
  /** Names from `;; pola: guards NAME…` comments on the definition. */
  declaredGuards: string[];
  /** What pola could not read. */
  notes: string[];
}

/** One machine of the deployment list. */
export interface MachineFacts {
  /** Position in the list. */
  index: number;
  /** Identity across versions: ssh host-name, else OS host-name, else the OS definition's name. */
  key: string;
  /** Display name. */
  name: string;
  /** machine-ssh-configuration host-name. */
  sshHost?: string;
  osName?: string;
  system?: SystemFacts;
  /** `;; pola: guards NAME…` on the machine (and its OS). */
  declaredGuards: string[];
  /** Every name `;; pola: guards` may use for this machine. */
  aliases: string[];
  /** Why the OS could not be read, when it could not. */
  unknown?: string;
}

/** The last committed version of the deployment, as the transport found it. */
export type Baseline =
  | { kind: "ok"; ref: string; machines: MachineFacts[] | null; why?: string }
  | { kind: "new-file"; why: string }
  | { kind: "unavailable"; why: string };

/**
 * What the transport (server or CLI) gathers for a deployment file before the rules run: the
 * committed version's machines, operating systems defined in the files it uses, and the text of
 * the rulesets it reads with local-file. Rules never run git or read files themselves.
 */
export interface DeployInputs {
  baseline: Baseline;
  /** Top-level operating-system definitions of the modules the file uses, by name. */
  systems: SystemFacts[];
  /** local-file texts referred to from this file, by the string written in it. */
  files: Record<string, string>;
  /** Files the deployment reads (for re-analysis when they change). */
  uses: string[];
}
