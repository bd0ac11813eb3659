import type { Finding } from "../model/finding";
import type { RootOp, Service } from "../model/service";
import { runsAsRoot } from "../model/service";
import type { Value } from "../model/value";

function show<T>(v: Value<T>, render: (t: T) => string): string {
  if (v.kind === "known") return render(v.value);
  if (v.kind === "conditional") return v.cases.map((c) => `${render(c.value)} if ${c.when}`).join(" / ");
  return `unknown (${v.why})`;
}

function principal(service: Service): string {
  const a = service.authority;
  const root = runsAsRoot(service);
  if (root === true) return service.language === "nix" ? "root" : "runs as root";
  const user = a.user.kind === "unknown" ? "user unknown" : show(a.user, (u) => u ?? "root");
  const dynamic = service.directives ? (service.directives as Record<string, unknown>)["DynamicUser"] : undefined;
  if (typeof dynamic === "string" && ["yes", "true", "on", "1"].includes(dynamic.toLowerCase())) return "DynamicUser";
  const group = a.group.kind === "known" && a.group.value ? `:${a.group.value}` : a.group.kind === "known" ? ":root" : "";
  return `${user}${group}`;
}

function unsafeOps(service: Service): number {
  return service.authority.rootOps.filter((op) => op.under).length;
}

/** One line over each service, e.g. `runs as root · unconfined · 3 root ops (2 unsafe)`. */
export function lensTitle(service: Service): string {
  const a = service.authority;
  const parts: string[] = [principal(service)];
  if (a.exposure) {
    const e = a.exposure;
    parts.push(e.worst !== e.score ? `exposure ${e.score.toFixed(1)}–${e.worst.toFixed(1)} ${e.worstLabel}` : `exposure ${e.score.toFixed(1)} ${e.label}`);
  }
  const c = a.confinement;
  if (c.confined.kind === "known" && !c.confined.value) parts.push("unconfined");
  else if (c.confined.kind === "known") {
    const ns = c.namespaces.kind === "known" && c.namespaces.value.length > 0 ? ` (${c.namespaces.value.join(" ")})` : "";
    parts.push(service.language === "nix" ? "file system confined" : `confined${ns}`);
    if (c.network.kind === "known" && c.network.value === "host" && service.language === "guix") parts.push("host network");
  } else parts.push("confinement unknown");
  if (a.rootOps.length > 0) {
    const unsafe = unsafeOps(service);
    parts.push(`${a.rootOps.length} root op${a.rootOps.length === 1 ? "" : "s"}${unsafe ? ` (${unsafe} unsafe)` : ""}`);
  }
  return parts.join(" · ");
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The authority table shared by hover and report. */
export function authorityMarkdown(service: Service, findings: readonly Finding[] = []): string {
  const a = service.authority;
  const rows: [string, string][] = [];
  rows.push(["Principal", principal(service)]);
  if (a.supplementaryGroups.kind !== "known" || a.supplementaryGroups.value.length > 0)
    rows.push(["Supplementary groups", show(a.supplementaryGroups, (g) => g.join(", ") || "none")]);
  rows.push(["Capabilities", show(a.capabilities, (c) => (c === "all" ? "all (root)" : c.join(" ") || "none"))]);
  const c = a.confinement;
  rows.push(["Confinement", show(c.confined, (x) => (x ? "confined" : "none"))]);
  if (c.namespaces.kind !== "known" || c.namespaces.value.length > 0) rows.push(["Own namespaces", show(c.namespaces, (n) => n.join(" ") || "none")]);
  rows.push(["Network", show(c.network, (n) => (n === "host" ? "host network" : "private"))]);
  rows.push(["File system view", show(c.fileSystemView, (v) => v)]);
  if (a.exposure) {
    const e = a.exposure;
    rows.push(["Exposure", e.worst !== e.score ? `${e.score.toFixed(1)} ${e.label} to ${e.worst.toFixed(1)} ${e.worstLabel}` : `${e.score.toFixed(1)} ${e.label}`]);
  }
  const writable = a.writable.map((w) => `\`${w.path}\` (${w.account}, ${w.how})`);
  rows.push(["Writable paths", writable.length ? writable.join("<br>") : "none known"]);
  if (c.mappings.length) rows.push(["Mappings", c.mappings.map((m) => `${show(m.source, (s) => s)} → ${show(m.target, (s) => s)}${m.writable ? " (writable)" : ""}`).join("<br>")]);
  const unsafe = unsafeOps(service);
  rows.push(["Root-run operations", a.rootOps.length ? `${a.rootOps.length} (${unsafe} unsafe)` : "none"]);
  if (a.accounts.length) rows.push(["Accounts", a.accounts.map((x) => `${x.kind} ${x.name}`).join(", ")]);
  if (a.logFile) rows.push(["Log file (opened by root)", show(a.logFile, (s) => s)]);
  let md = `**${service.kind} \`${escapeCell(service.name)}\`**\n\n| | |\n|---|---|\n`;
  md += rows.map(([k, v]) => `| ${k} | ${escapeCell(v)} |`).join("\n") + "\n";
  if (a.exposure && a.exposure.top.length) {
    md += `\nTop exposure contributors: ${a.exposure.top.map((t) => `\`${t.setting}\` (${t.part})`).join(", ")}\n`;
  }
  const own = findings.filter((f) => f.service === service.name && !f.suppressed);
  if (own.length) {
    md += `\n**Findings**\n\n` + own.map((f) => `- \`${f.ruleId}\`: ${f.message}${f.fixes.length ? ` — fix: ${f.fixes[0].title}` : ""}`).join("\n") + "\n";
  }
  return md;
}

/** One root-run operation: what it does, where, and whether a symlink planted by an account redirects it. */
export function rootOpMarkdown(op: RootOp, service: Service): string {
  const path = show(op.path, (p) => p);
  const when = op.phase === "start" ? "in `start` code (PID 1, root)" : "at activation (root, at boot and every reconfigure)";
  const safety = op.under
    ? `**unsafe**: \`${op.under.path}\` belongs to the \`${op.under.account}\` account (${op.under.how}), which can plant a symlink below it`
    : op.followsSymlinks
      ? "follows symlinks, but no account is known to own a directory above this path"
      : "does not follow symlinks";
  return `**Root-run \`${op.op}\`** on \`${path}\` ${when}, for ${service.kind} \`${service.name}\`: ${safety}.`;
}
