import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { Finding } from "../model/finding";
import type { RootOp, Service } from "../model/service";
import { runsAsRoot } from "../model/service";
import type { Value } from "../model/value";
import { authorityMarkdown, lensTitle } from "../features/summary";
import type { Catalog } from "./catalog";
import type { CatalogEntry, UsedList, UsedService } from "./types";

/** `gnu/services/networking.scm:57`, 1-based. */
export function definitionLabel(catalog: Catalog | undefined, entry: CatalogEntry, line = entry.definedIn.line): string {
  return `${catalog ? catalog.displayPath(entry.definedIn.file) : entry.definedIn.file}:${line + 1}`;
}

/** A link that opens the definition at its line (VS Code follows `#L<n>` on file links). */
export function definitionUri(entry: CatalogEntry, line = entry.definedIn.line): string {
  return `${pathToFileURL(entry.definedIn.file).href}#L${line + 1}`;
}

/** The lens over a used service: its authority summary, and where it is defined. */
export function usedLensTitle(s: UsedService, catalog: Catalog | undefined): string {
  const when = s.when ? ` · if ${s.when.length > 40 ? `${s.when.slice(0, 39)}…` : s.when}` : "";
  return `${lensTitle(s)}${when} · ${definitionLabel(catalog, s.entry)}`;
}

/** The lens over a list of services (`%base-services`): how many, and how many run as root. */
export function listLensTitle(list: UsedList, catalog: Catalog): string {
  const members = catalog.expandList(list.name).filter((t) => !list.deleted.includes(t));
  const entries = members.map((t) => catalog.lookupGuix(t)).filter((e): e is CatalogEntry => Boolean(e));
  const root = entries.filter((e) => isRoot(e.authority.user) === true).length;
  const unsafe = entries.reduce((n, e) => n + e.authority.rootOps.filter((o) => o.under).length, 0);
  return `${list.name}: ${members.length} services (${entries.length} known) · ${root} as root${unsafe ? ` · ${unsafe} unsafe root op${unsafe === 1 ? "" : "s"}` : ""}`;
}

function isRoot(user: Value<string | null>): boolean | null {
  return runsAsRoot({ authority: { user } } as Service);
}

function show<T>(v: Value<T>, render: (t: T) => string): string {
  if (v.kind === "known") return render(v.value);
  if (v.kind === "conditional") return v.cases.map((c) => `${render(c.value)} if ${c.when}`).join("; ");
  return `unknown (${v.why})`;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The hover over a used service: the full authority table, its root-run steps, and a link to the definition. */
export function usedServiceMarkdown(s: UsedService, findings: readonly Finding[], catalog: Catalog | undefined): string {
  const e = s.entry;
  const where = e.origin === "workspace" ? "in the workspace" : e.language === "guix" ? "in the installed Guix" : "in the installed nixpkgs";
  const title = e.language === "guix" ? `service type \`${cell(s.name)}\` (\`${cell(e.service)}\`)` : `option \`${cell(s.name)}\` (unit \`${cell(e.service)}\`)`;
  let md = `**used ${title}** — defined ${where}: [${definitionLabel(catalog, e)}](${definitionUri(e)})\n\n`;
  if (s.when) md += `Enabled if \`${cell(s.when)}\`.\n\n`;
  md += authorityMarkdown(s, findings).replace(/^\*\*.*\*\*\n\n/, "");
  const ops = e.authority.rootOps;
  if (ops.length) {
    md += `\n**Root-run operations in its definition**\n\n| | Operation | Path | Safety |\n|---|---|---|---|\n`;
    md += ops
      .map((o) => `| [${o.at.start.line + 1}](${definitionUri(e, o.at.start.line)}) | \`${cell(o.op)}\` | \`${cell(show(o.path, (p) => p))}\` | ${o.under ? `**unsafe**: below ${cell(o.under.path)} (${cell(o.under.account)})` : o.followsSymlinks ? "outside service directories" : "does not follow symlinks"} |`)
      .join("\n");
    md += "\n";
  }
  if (e.units.length) md += `\n${e.language === "nix" ? "Units" : "Shepherd services"}: ${e.units.map((u) => `\`${cell(u)}\``).join(", ")}\n`;
  if (e.settings.length) md += `\nSettings that choose its account: ${e.settings.map((x) => `\`${cell(x)}\``).join(", ")}\n`;
  return md;
}

// ------------------------------------------------------------------------------------------------
// The system authority report

export type SortColumn = "service" | "runsAs" | "confinement" | "exposure" | "rootOps" | "unsafe" | "findings";

export interface SystemRow {
  name: string;
  via: string;
  /** The used service (explicit in the file) or the entry (brought in by a list). */
  entry: CatalogEntry;
  used?: UsedService;
  runsAsRoot: boolean | null;
  user: string;
  confined: boolean | null;
  exposure: number | null;
  rootOps: number;
  unsafe: number;
  findings: number;
}

export interface SystemReport {
  title: string;
  rows: SystemRow[];
  totals: { services: number; rootDaemons: number; unconfined: number; unsafeSteps: number; findings: number };
}

/** Every service a configuration enables, from the catalog: used by name, or brought in by a list. */
export function systemReport(text: string, language: "guix" | "nix", services: readonly Service[], lists: readonly UsedList[], findings: readonly Finding[], catalog: Catalog): SystemReport {
  const rows: SystemRow[] = [];
  const row = (entry: CatalogEntry, via: string, used?: UsedService): SystemRow => {
    const a = entry.authority;
    const root = isRoot(a.user);
    const c = a.confinement.confined;
    return {
      name: entry.key,
      via,
      entry,
      used,
      runsAsRoot: root,
      user: entry.units.length === 0 && a.user.kind === "unknown" ? "no daemon (activation only)" : root === true ? "root" : show(a.user, (u) => u ?? "root"),
      confined: c.kind === "known" ? c.value : null,
      exposure: a.exposure ? a.exposure.score : null,
      rootOps: a.rootOps.length,
      unsafe: a.rootOps.filter((o: RootOp) => o.under).length,
      findings: findings.filter((f) => !f.suppressed && f.service === entry.key).length,
    };
  };
  const named = new Set<string>();
  for (const s of services) {
    if (s.kind !== "used-service" || !("entry" in s)) continue;
    const u = s as UsedService;
    if (named.has(u.name)) continue;
    named.add(u.name);
    rows.push(row(u.entry, `line ${u.range.start.line + 1}`, u));
  }
  for (const list of lists) {
    for (const t of catalog.expandList(list.name)) {
      if (named.has(t) || list.deleted.includes(t)) continue;
      const e = catalog.lookupGuix(t);
      if (!e) continue;
      named.add(t);
      rows.push(row(e, list.name));
    }
  }
  const host = language === "guix" ? /\(host-name\s+"([^"]+)"/.exec(text)?.[1] : /hostName\s*=\s*"([^"]+)"/.exec(text)?.[1];
  return {
    title: host ? `system ${host}` : "system",
    rows,
    totals: {
      services: rows.length,
      rootDaemons: rows.filter((r) => r.runsAsRoot === true && r.entry.units.length > 0).length,
      unconfined: rows.filter((r) => r.confined === false).length,
      unsafeSteps: rows.reduce((n, r) => n + r.unsafe, 0),
      findings: rows.reduce((n, r) => n + r.findings, 0),
    },
  };
}

const SORT_KEYS: Record<SortColumn, (r: SystemRow) => string | number> = {
  service: (r) => r.name,
  runsAs: (r) => (r.runsAsRoot === true ? 0 : r.runsAsRoot === null ? 1 : 2),
  confinement: (r) => (r.confined === false ? 0 : r.confined === null ? 1 : 2),
  exposure: (r) => -(r.exposure ?? -1),
  rootOps: (r) => -r.rootOps,
  unsafe: (r) => -r.unsafe,
  findings: (r) => -r.findings,
};

/** Rows sorted by a column (most authority first for the numeric ones), ties by name. */
export function sortRows(rows: SystemRow[], column: SortColumn = "service", descending = false): SystemRow[] {
  const key = SORT_KEYS[column] ?? SORT_KEYS.service;
  const sorted = [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return c || a.name.localeCompare(b.name);
  });
  return descending ? sorted.reverse() : sorted;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function revealLink(uri: string, line: number, label: string): string {
  return `<a href="command:pola.revealLine?${encodeURIComponent(JSON.stringify([uri, line]))}">${esc(label)}</a>`;
}

/**
 * The system authority report as a webview page: every service side by side with totals. The table
 * sorts by a click on a column header (a tiny inline script allowed by a per-render CSP nonce); the
 * server also sorts it by `sort` for clients without scripts.
 */
export function systemReportHtml(uri: string, report: SystemReport, catalog: Catalog, sort: SortColumn = "service", descending = false): string {
  const nonce = randomBytes(16).toString("base64");
  const t = report.totals;
  const rows = sortRows(report.rows, sort, descending).map((r) => {
    const def = revealLink(pathToFileURL(r.entry.definedIn.file).href, r.entry.definedIn.line, definitionLabel(catalog, r.entry));
    const via = r.used ? revealLink(uri, r.used.range.start.line, r.via) : esc(r.via);
    return `<tr>
<td data-v="${esc(r.name)}"><code>${esc(r.name)}</code></td><td>${via}</td><td>${def}</td>
<td data-v="${SORT_KEYS.runsAs(r)}" class="${r.runsAsRoot === true ? "bad" : r.runsAsRoot === false ? "ok" : "warn"}">${esc(r.user)}</td>
<td data-v="${SORT_KEYS.confinement(r)}" class="${r.confined ? "ok" : "warn"}">${r.confined === null ? (r.entry.units.length ? "unknown" : "—") : r.confined ? "confined" : "unconfined"}</td>
<td data-v="${SORT_KEYS.exposure(r)}">${r.exposure === null ? "—" : `${r.exposure.toFixed(1)} ${esc(r.entry.authority.exposure!.label)}`}</td>
<td data-v="${-r.rootOps}">${r.rootOps}</td><td data-v="${-r.unsafe}" class="${r.unsafe ? "bad" : ""}">${r.unsafe}</td><td data-v="${-r.findings}">${r.findings}</td></tr>`;
  });
  const header = (label: string, col: SortColumn, type: "text" | "num") => `<th data-col="${col}" data-type="${type}" tabindex="0" aria-sort="${col === sort ? (descending ? "descending" : "ascending") : "none"}">${esc(label)}</th>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<title>pola: ${esc(report.title)}</title>
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1.2em 2em; }
h1 { font-size: 1.3em; } table { border-collapse: collapse; margin: .5em 0; }
th, td { text-align: left; padding: .25em .8em .25em 0; vertical-align: top; border-bottom: 1px solid var(--vscode-panel-border); }
th[data-col] { cursor: pointer; user-select: none; } th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
code { font-family: var(--vscode-editor-font-family); }
.bad { color: var(--vscode-errorForeground); font-weight: 600; } .warn { color: var(--vscode-editorWarning-foreground); } .ok { color: var(--vscode-testing-iconPassed, #3a3); }
.totals span { margin-right: 1.5em; } a { color: var(--vscode-textLink-foreground); }
</style></head><body>
<h1>pola system authority report — ${esc(report.title)}</h1>
<p class="totals" id="totals"><span><strong>${t.services}</strong> services</span><span><strong class="${t.rootDaemons ? "bad" : ""}">${t.rootDaemons}</strong> root daemons</span><span><strong class="${t.unconfined ? "warn" : ""}">${t.unconfined}</strong> unconfined</span><span><strong class="${t.unsafeSteps ? "bad" : ""}">${t.unsafeSteps}</strong> unsafe activation steps</span><span><strong>${t.findings}</strong> findings</span></p>
${report.rows.length === 0 ? "<p>No used service of this file is in the catalog (is the installed Guix or nixpkgs found? See the pola output).</p>" : `<table id="services"><thead><tr>${header("Service", "service", "text")}<th>Enabled at</th><th>Defined in</th>${header("Runs as", "runsAs", "num")}${header("Confinement", "confinement", "num")}${header("Exposure", "exposure", "num")}${header("Root-run ops", "rootOps", "num")}${header("Unsafe", "unsafe", "num")}${header("Findings", "findings", "num")}</tr></thead>
<tbody>${rows.join("")}</tbody></table>`}
<script nonce="${nonce}">
(function () {
  var table = document.getElementById("services");
  if (!table) return;
  var heads = table.querySelectorAll("th[data-col]");
  function sortBy(th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-type") === "num";
    var descending = th.getAttribute("aria-sort") === "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-v"), y = b.cells[index].getAttribute("data-v");
      var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      if (c === 0) c = a.cells[0].getAttribute("data-v").localeCompare(b.cells[0].getAttribute("data-v"));
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  Array.prototype.forEach.call(heads, function (th) {
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); } });
  });
})();
</script>
</body></html>`;
}
