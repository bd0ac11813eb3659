import type { Finding } from "../model/finding";
import type { RootOp, Service } from "../model/service";
import { runsAsRoot } from "../model/service";
import type { Value } from "../model/value";
import { lensTitle } from "./summary";
import { pathToFileURL } from "node:url";
import { isUsedService } from "../catalog/types";

/**
 * The privilege report: HTML for a webview beside the editor. One service in full (focus), or all
 * services of a file side by side. Line links use command URIs the client enables.
 */
export function reportHtml(uri: string, services: readonly Service[], findings: readonly Finding[], focus?: { name: string; line: number }): string {
  const fileName = decodeURIComponent(uri.replace(/^.*\//, ""));
  const shown = focus ? services.filter((s) => s.name === focus.name && s.range.start.line === focus.line) : services;
  const body = focus && shown.length === 1 ? serviceSection(uri, shown[0], findings) : overview(uri, services, findings) + services.map((s) => serviceSection(uri, s, findings)).join("");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<title>pola: ${escape(fileName)}</title>
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1.2em 2em; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.8em; border-bottom: 1px solid var(--vscode-panel-border); padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0; } th, td { text-align: left; padding: .25em .8em .25em 0; vertical-align: top; border-bottom: 1px solid var(--vscode-panel-border); }
th { font-weight: 600; } code { font-family: var(--vscode-editor-font-family); }
.bad { color: var(--vscode-errorForeground); font-weight: 600; } .warn { color: var(--vscode-editorWarning-foreground); } .ok { color: var(--vscode-testing-iconPassed, #3a3); }
.lens { opacity: .8; font-family: var(--vscode-editor-font-family); }
a { color: var(--vscode-textLink-foreground); }
</style></head><body>
<h1>pola privilege report — ${escape(fileName)}</h1>
${body || "<p>No services found in this file.</p>"}
</body></html>`;
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function lineLink(uri: string, line: number, label?: string): string {
  const args = encodeURIComponent(JSON.stringify([uri, line]));
  return `<a href="command:pola.revealLine?${args}">${escape(label ?? `line ${line + 1}`)}</a>`;
}

function show<T>(v: Value<T>, render: (t: T) => string): string {
  if (v.kind === "known") return render(v.value);
  if (v.kind === "conditional") return v.cases.map((c) => `${render(c.value)} if ${c.when}`).join("; ");
  return `unknown — ${v.why}`;
}

function overview(uri: string, services: readonly Service[], findings: readonly Finding[]): string {
  if (services.length === 0) return "";
  const rows = services.map((s) => {
    const root = runsAsRoot(s);
    const unsafe = s.authority.rootOps.filter((o) => o.under).length;
    const own = findings.filter((f) => f.service === s.name && !f.suppressed).length;
    const conf = s.authority.confinement.confined;
    return `<tr><td>${lineLink(uri, s.range.start.line, s.name)}</td><td>${escape(s.kind)}</td>
<td class="${root === true ? "bad" : root === false ? "ok" : "warn"}">${root === true ? "root" : escape(show(s.authority.user, (u) => u ?? "root"))}</td>
<td class="${conf.kind === "known" && conf.value ? "ok" : "warn"}">${conf.kind === "known" ? (conf.value ? "confined" : "unconfined") : "unknown"}</td>
<td>${s.authority.exposure ? `${s.authority.exposure.score.toFixed(1)} ${escape(s.authority.exposure.label)}` : "—"}</td>
<td class="${unsafe ? "bad" : ""}">${s.authority.rootOps.length} (${unsafe} unsafe)</td><td>${own}</td></tr>`;
  });
  return `<table><tr><th>Service</th><th>Kind</th><th>Runs as</th><th>Confinement</th><th>Exposure</th><th>Root-run ops</th><th>Findings</th></tr>${rows.join("")}</table>`;
}

function opRow(uri: string, op: RootOp): string {
  return `<tr><td>${lineLink(uri, op.at.start.line)}</td><td><code>${escape(op.op)}</code></td><td><code>${escape(show(op.path, (p) => p))}</code></td><td>${escape(op.phase)}</td>
<td class="${op.under ? "bad" : "ok"}">${op.under ? `below ${escape(op.under.path)} (${escape(op.under.account)})` : op.followsSymlinks ? "follows symlinks; outside service directories" : "does not follow symlinks"}</td></tr>`;
}

function serviceSection(uri: string, s: Service, findings: readonly Finding[]): string {
  const a = s.authority;
  // a used service's operations and paths are lines of its definition, in another file
  const defUri = isUsedService(s) ? pathToFileURL(s.entry.definedIn.file).href : uri;
  const c = a.confinement;
  const rows: [string, string][] = [
    ["Runs as", escape(show(a.user, (u) => u ?? "root")) + (a.group.kind === "known" && a.group.value ? `:${escape(a.group.value)}` : "")],
    ["Capabilities", escape(show(a.capabilities, (x) => (x === "all" ? "all (root)" : x.join(" ") || "none")))],
    ["Confinement", escape(show(c.confined, (x) => (x ? "confined" : "none")))],
    ["Own namespaces", escape(show(c.namespaces, (n) => n.join(" ") || "none"))],
    ["Network", escape(show(c.network, (n) => (n === "host" ? "host network" : "private")))],
    ["File system view", escape(show(c.fileSystemView, (v) => v))],
    ["Writable paths", a.writable.map((w) => `<code>${escape(w.path)}</code> (${escape(w.account)}, ${escape(w.how)}, ${lineLink(defUri, w.at.start.line)})`).join("<br>") || "none known"],
    ["Accounts", a.accounts.map((x) => `${x.kind} <code>${escape(x.name)}</code>`).join(", ") || "none"],
  ];
  if (a.logFile) rows.push(["Log file (opened by root)", `<code>${escape(show(a.logFile, (p) => p))}</code>`]);
  if (c.mappings.length) rows.push(["Mappings", c.mappings.map((m) => `<code>${escape(show(m.source, (p) => p))}</code> → <code>${escape(show(m.target, (p) => p))}</code>${m.writable ? " (writable)" : ""}`).join("<br>")]);
  const defined = isUsedService(s) ? ` · defined in ${lineLink(defUri, s.entry.definedIn.line, `${decodeURIComponent(defUri.replace(/^.*\//, ""))}:${s.entry.definedIn.line + 1}`)} (${s.entry.origin})` : "";
  let html = `<h2 id="${escape(s.name)}">${escape(s.kind)} <code>${escape(s.name)}</code> — ${lineLink(uri, s.range.start.line)}${defined}</h2>
<p class="lens">${escape(lensTitle(s))}</p><table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>`;
  if (a.rootOps.length) html += `<h3>Root-run operations</h3><table><tr><th></th><th>Operation</th><th>Path</th><th>When</th><th>Safety</th></tr>${a.rootOps.map((o) => opRow(defUri, o)).join("")}</table>`;
  if (a.exposure) {
    const e = a.exposure;
    html += `<h3>Exposure ${e.score.toFixed(1)} ${escape(e.label)}${e.worst !== e.score ? ` to ${e.worst.toFixed(1)} ${escape(e.worstLabel)}` : ""}</h3>`;
    const checks = e.checks ?? e.top.map((t) => ({ setting: t.setting, description: t.description, part: t.part, badness: null as number | null }));
    const row = (x: (typeof checks)[number]) =>
      `<tr><td><code>${escape(x.setting)}</code></td><td>${escape(x.description)}</td><td>${x.badness === null && e.checks ? "n/a" : x.part}</td></tr>`;
    const exposed = checks.filter((x) => x.part > 0).sort((x, y) => y.part - x.part);
    const rest = checks.filter((x) => x.part <= 0);
    html += `<table><tr><th>Check</th><th>What it means</th><th>Contribution</th></tr>${exposed.map(row).join("")}</table>`;
    if (rest.length) html += `<details><summary>${rest.length} checks that add nothing (met, or not applicable)</summary><table>${rest.map(row).join("")}</table></details>`;
  }
  const own = findings.filter((f) => f.service === s.name && !f.suppressed);
  if (own.length) {
    html += `<h3>Findings and fixes</h3><ul>${own
      .map((f) => `<li>${lineLink(uri, f.range.start.line)} <code>${escape(f.ruleId)}</code>: ${escape(f.message)}${f.fixes.length ? `<br>Fix on offer: <em>${escape(f.fixes.map((x) => x.title).join("; "))}</em>` : ""}</li>`)
      .join("")}</ul>`;
  }
  return html;
}
