/**
 * Low-level value parsing the way systemd's unit-file parsers read a right-hand side:
 * booleans, whitespace-separated words with quoting, user names, paths, IP prefixes.
 */

/** systemd's parse_boolean(): 1/yes/y/true/t/on and 0/no/n/false/f/off (words case-insensitive). */
export function parseBoolean(v: string): boolean | undefined {
  if (v === "1") return true;
  if (v === "0") return false;
  switch (v.toLowerCase()) {
    case "yes": case "y": case "true": case "t": case "on":
      return true;
    case "no": case "n": case "false": case "f": case "off":
      return false;
    default:
      return undefined;
  }
}

const WS = " \t\n\r";

/**
 * Split a value into words like extract_first_word(..., EXTRACT_UNQUOTE): whitespace separates,
 * single and double quotes group (and are removed), a backslash takes the next character literally.
 * On a syntax error (unterminated quote, trailing backslash) the words before it are returned with
 * `error` set, because systemd's list parsers apply words one by one and stop at the bad one.
 */
export function splitWords(s: string): { words: string[]; error: boolean } {
  const words: string[] = [];
  let i = 0;
  const n = s.length;
  for (;;) {
    while (i < n && WS.includes(s[i]!)) i++;
    if (i >= n) return { words, error: false };
    let word = "";
    let quote: string | null = null;
    for (;;) {
      if (i >= n) {
        if (quote !== null) return { words, error: true };
        break;
      }
      const c = s[i]!;
      if (quote !== null) {
        if (c === quote) { quote = null; i++; continue; }
        if (c === "\\") {
          if (i + 1 >= n) return { words, error: true };
          word += s[i + 1];
          i += 2;
          continue;
        }
        word += c;
        i++;
        continue;
      }
      if (WS.includes(c)) break;
      if (c === "'" || c === '"') { quote = c; i++; continue; }
      if (c === "\\") {
        if (i + 1 >= n) return { words, error: true };
        word += s[i + 1];
        i += 2;
        continue;
      }
      word += c;
      i++;
    }
    words.push(word);
  }
}

/** Like splitWords, but returns the first word and the rest of the string after the separating whitespace. */
export function firstWord(s: string): { word: string | null; rest: string } {
  let i = 0;
  while (i < s.length && WS.includes(s[i]!)) i++;
  if (i >= s.length) return { word: null, rest: "" };
  let j = i;
  // Find the end of the first word, respecting quotes.
  let quote: string | null = null;
  let word = "";
  while (j < s.length) {
    const c = s[j]!;
    if (quote !== null) {
      if (c === quote) { quote = null; j++; continue; }
      if (c === "\\" && j + 1 < s.length) { word += s[j + 1]; j += 2; continue; }
      word += c; j++; continue;
    }
    if (WS.includes(c)) break;
    if (c === "'" || c === '"') { quote = c; j++; continue; }
    if (c === "\\" && j + 1 < s.length) { word += s[j + 1]; j += 2; continue; }
    word += c; j++;
  }
  if (quote !== null) return { word: null, rest: "" };
  while (j < s.length && WS.includes(s[j]!)) j++;
  return { word, rest: s.slice(j) };
}

/** systemd's parse_uid(): decimal, no sign, no leading zeros, and not one of the two invalid UIDs. */
export function isNumericUid(u: string): boolean {
  if (!/^(0|[1-9][0-9]*)$/.test(u)) return false;
  const n = Number(u);
  return n < 4294967295 && n !== 65535;
}

/** valid_user_group_name() in relaxed mode with numeric IDs allowed (what User=/SupplementaryGroups= accept). */
export function isValidUserNameRelaxed(u: string): boolean {
  if (u === "") return false;
  if (isNumericUid(u)) return true;
  if (u.startsWith(" ") || u.endsWith(" ")) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(u)) return false;
  if (/[:/]/.test(u)) return false;
  if (/^[0-9]+$/.test(u)) return false;
  if (/^-[0-9]*$/.test(u)) return false;
  if (u === "." || u === "..") return false;
  return true;
}

/** valid_user_group_name() in strict mode (used for the name DynamicUser= derives from the unit name). */
export function isValidUserNameStrict(u: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(u) && u.length <= 31;
}

/**
 * systemd's path_simplify(): collapse "//" and "/./", drop a trailing slash. Returns null if the path
 * would be rejected by path_simplify_and_warn() (not absolute when required, ".." components).
 */
export function simplifyPath(p: string, requireAbsolute: boolean): string | null {
  if (p === "") return null;
  const absolute = p.startsWith("/");
  if (requireAbsolute && !absolute) return null;
  const parts = p.split("/").filter((x) => x !== "" && x !== ".");
  if (parts.includes("..")) return null;
  if (parts.some((x) => x.length > 255)) return null;
  const out = (absolute ? "/" : "") + parts.join("/");
  return out === "" ? "." : out;
}

/**
 * Resolve the unit-file specifiers systemd would expand for this purpose. Only "%%" is certain
 * without the unit's context; anything else is left as written (documented limitation).
 */
export function expandSpecifiers(s: string): string {
  return s.includes("%%") ? s.replace(/%%/g, "%") : s;
}

export interface IpPrefix {
  family: 4 | 6;
  /** Address bytes after masking with the prefix (systemd stores prefixes normalised). */
  bytes: number[];
  prefixlen: number;
}

function parseIPv4(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  // inet_pton() accepts leading zeros only as plain decimal digits; values must fit a byte.
  if (b.some((x) => x > 255)) return null;
  return b;
}

function parseIPv6(s: string): number[] | null {
  if (s.includes("%")) return null;
  let head = s;
  let tailV4: number[] | null = null;
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.slice(lastColon + 1).includes(".")) {
    tailV4 = parseIPv4(s.slice(lastColon + 1));
    if (!tailV4) return null;
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = head.split("::");
  if (dbl.length > 2) return null;
  const parseGroups = (x: string): number[] | null => {
    if (x === "") return [];
    const gs = x.split(":");
    const out: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const a = parseGroups(dbl[0]!);
  const b = dbl.length === 2 ? parseGroups(dbl[1]!) : [];
  if (!a || !b) return null;
  let groups: number[];
  if (dbl.length === 2) {
    if (a.length + b.length > 7) return null;
    groups = [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
  } else {
    if (a.length !== 8) return null;
    groups = a;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (tailV4) bytes.splice(12, 4, ...tailV4);
  return bytes;
}

function maskBytes(bytes: number[], prefixlen: number): number[] {
  return bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefixlen - i * 8));
    return bits === 8 ? b : b & ((0xff << (8 - bits)) & 0xff);
  });
}

/** in_addr_prefix_from_string_auto(): "addr" (full length) or "addr/len", IPv4 or IPv6; null if invalid. */
export function parseIpPrefix(word: string): IpPrefix | null {
  const slash = word.indexOf("/");
  const addr = slash >= 0 ? word.slice(0, slash) : word;
  let family: 4 | 6;
  let bytes = parseIPv4(addr);
  if (bytes) family = 4;
  else {
    bytes = parseIPv6(addr);
    if (!bytes) return null;
    family = 6;
  }
  const max = family === 4 ? 32 : 128;
  let prefixlen = max;
  if (slash >= 0) {
    const p = word.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    prefixlen = Number(p);
    if (prefixlen > max) return null;
  }
  return { family, bytes: maskBytes(bytes, prefixlen), prefixlen };
}

/** in_addr_is_localhost(): 127.0.0.0/8 for IPv4, ::1 for IPv6 (the address, not the prefix length). */
export function isLocalhostAddress(p: IpPrefix): boolean {
  if (p.family === 4) return p.bytes[0] === 127;
  return p.bytes.slice(0, 15).every((b) => b === 0) && p.bytes[15] === 1;
}

/** is_localhost(): the host names systemd treats as the local host. */
export function isLocalhostName(w: string): boolean {
  const l = w.toLowerCase();
  return (
    l === "localhost" || l === "localhost." || l === "localhost.localdomain" || l === "localhost.localdomain." ||
    l.endsWith(".localhost") || l.endsWith(".localhost.") ||
    l.endsWith(".localhost.localdomain") || l.endsWith(".localhost.localdomain.")
  );
}
