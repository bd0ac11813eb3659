import type { FileModel } from "../model/file";
import type { Range } from "../model/range";
import type { Service } from "../model/service";
import { known, unknown } from "../model/value";
import type { SourceDocument } from "../parsing/document";
import { type Reach, reasons, shortLabel } from "./analysis";
import { type DeploymentAnalysis, deploymentOf } from "./deployment";
import type { AccessItem, DeployInputs } from "./model";

/**
 * What the editor and the CLI show of a deployment: a `machine` service per list element (its lens
 * and hover say what it exposes and what guards it) and a lens over the list with the safe order.
 */

const machineOfService = new WeakMap<Service, { analysis: DeploymentAnalysis; index: number }>();

/** Adds the deployment's machines to the file's services (once), and returns the analysis. */
export function attachMachines(model: FileModel, document: SourceDocument, inputs: DeployInputs | undefined): DeploymentAnalysis | undefined {
  const analysis = deploymentOf(document, model, inputs);
  if (!analysis || model.services.some((s) => s.kind === "machine")) return analysis;
  const lines = document.lineIndex;
  analysis.deployment.machines.forEach((site, index) => {
    const element = site.element;
    const nameEnd = element.t === "list" && element.items[0] ? element.items[0].end : element.end;
    const service: Service = {
      name: site.facts.name,
      kind: "machine",
      language: "guix",
      range: lines.rangeOf(element.start, element.end),
      nameRange: lines.rangeOf(element.t === "list" && element.items[0] ? element.items[0].start : element.start, nameEnd),
      authority: {
        user: unknown("a machine: its services have their own accounts"),
        group: unknown("a machine"),
        supplementaryGroups: known([]),
        capabilities: unknown("a machine"),
        confinement: { confined: unknown("a machine"), namespaces: known([]), mappings: [], network: known("host"), fileSystemView: known("full") },
        writable: [],
        rootOps: [],
        accounts: [],
      },
    };
    machineOfService.set(service, { analysis, index });
    model.services.push(service);
  });
  model.services.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return analysis;
}

export function machineOf(service: Service): { analysis: DeploymentAnalysis; index: number } | undefined {
  return machineOfService.get(service);
}

function names(analysis: DeploymentAnalysis, indexes: number[]): string {
  return indexes.map((i) => analysis.machines[i].name).join(" → ");
}

/** The lens over the machine list: the safe order and why. */
export function listLens(analysis: DeploymentAnalysis, document: SourceDocument): { range: Range; title: string } {
  const { order, machines } = analysis;
  const at = document.lineIndex.positionAt(analysis.deployment.list.start);
  const range = { start: at, end: at };
  const baseline = analysis.inputs?.baseline;
  if (order.cycle.length) {
    const title = analysis.plan?.existing?.current
      ? `split in two deployments (plan above): first the narrowing changes, then this file`
      : `no safe order for one deployment: ${order.cycle.map((c) => `${machines[c.before].name} → ${machines[c.after].name}`).join(" and ")} — split it (deploy/conflicting-update)`;
    return { range, title };
  }
  const relations = order.relations.map((r) => `${machines[r.guard].name} guards ${machines[r.protected].name}`);
  if (!order.compared) {
    const why = baseline && baseline.kind !== "ok" ? baseline.why : baseline?.kind === "ok" ? baseline.why ?? "" : "no committed version given";
    return { range, title: `${relations.length ? relations.join(", ") : "no machine guards another"} · order not checked: ${why}` };
  }
  if (order.constraints.length === 0) {
    return { range, title: `any order is safe: ${relations.length ? `no update opens what a guard closes (${relations.join(", ")})` : "no machine guards another"}` };
  }
  const why = reasons(machines, order.constraints).join("; ");
  const safe = names(analysis, order.order ?? []);
  return { range, title: order.violated.length ? `deploy order unsafe — safe order ${safe}: ${why}` : `deploy order ✓ ${safe}: ${why}` };
}

/** `SSH tcp/22 (root login, key backup.pub for root), nginx tcp/80`: items grouped by port. */
function exposedSummary(items: readonly AccessItem[]): string {
  const byPort = new Map<string, { service: string; extras: string[] }>();
  for (const i of items) {
    const port = `${i.proto}/${i.port ?? "-"}`;
    let g = byPort.get(port);
    if (!g) byPort.set(port, (g = { service: i.service === "openssh" || i.service === "dropbear" ? "SSH" : i.service, extras: [] }));
    if (!i.key.endsWith(" listens")) g.extras.push(i.path ?? shortLabel(i).replace(/^SSH /, ""));
  }
  const parts = [...byPort.entries()].map(([port, g]) => `${g.service} ${port}${g.extras.length ? ` (${g.extras.join(", ")})` : ""}`);
  return parts.length > 4 ? `${parts.slice(0, 4).join(", ")} +${parts.length - 4}` : parts.join(", ");
}

/** The lens over one machine. */
export function machineLens(analysis: DeploymentAnalysis, index: number): string {
  const m = analysis.machines[index];
  if (!m.system) return `machine ${m.name} · ${m.unknown ?? "operating system not read"}`;
  const parts = [`machine ${m.name}`];
  parts.push(m.system.items.length ? `exposes ${exposedSummary(m.system.items)}` : "exposes nothing pola checks");
  const guardedBy = analysis.order.relations.filter((r) => r.protected === index).map((r) => analysis.machines[r.guard].name);
  const guards = analysis.order.relations.filter((r) => r.guard === index).map((r) => analysis.machines[r.protected].name);
  if (guardedBy.length) parts.push(`guarded by ${guardedBy.join(", ")}`);
  if (guards.length) parts.push(`guards ${guards.join(", ")}`);
  const changes = analysis.order.changes.filter((c) => c.machine === index);
  if (changes.length) parts.push(`update: ${changes.filter((c) => c.direction > 0).length} widening, ${changes.filter((c) => c.direction < 0).length} narrowing`);
  return parts.join(" · ");
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function reachText(r: Reach | undefined): string {
  return r ? `${r.how} (${r.via})` : "not filtered";
}

/** The hover on a machine: what it exposes, what guards it, what it guards, what its update changes. */
export function machineMarkdown(analysis: DeploymentAnalysis, index: number): string {
  const m = analysis.machines[index];
  const { order, machines } = analysis;
  const rows: [string, string][] = [];
  if (m.sshHost) rows.push(["Deployed to", `\`${m.sshHost}\` (machine-ssh-configuration)`]);
  if (m.osName) rows.push(["Operating system", `\`${m.osName}\`${m.system?.module ? ` from ${m.system.module}` : ""}`]);
  if (m.system?.addresses.length) rows.push(["Addresses", m.system.addresses.join(", ")]);
  if (m.system) {
    rows.push(["Exposes", m.system.items.length ? m.system.items.map((i) => i.label).join("<br>") : "nothing pola checks"]);
    const daemons = m.system.daemons.map((d) => `${d.name}${d.root === true ? " (root)" : ""}`);
    if (daemons.length) rows.push(["Services", daemons.join(", ")]);
  } else rows.push(["Exposes", `unknown: ${m.unknown ?? "operating system not read"}`]);
  const guardedBy = order.relations.filter((r) => r.protected === index);
  rows.push([
    "Guarded by",
    guardedBy.length
      ? guardedBy
          .map((r) => {
            const grouped = new Map<string, string[]>();
            for (const x of r.reaches) {
              const line = `${reachText(x.now)}${x.before && x.now && x.before.level !== x.now.level ? ` (was: ${x.before.how})` : ""}`;
              grouped.set(line, [...(grouped.get(line) ?? []), shortLabel(x.item)]);
            }
            const detail = [...grouped.entries()].slice(0, 8).map(([line, labels]) => `${labels.join(", ")}: ${line}`);
            return `**${machines[r.guard].name}** — ${r.how.join("; ")}${detail.length ? `<br>${detail.join("<br>")}` : ""}`;
          })
          .join("<br>")
      : "no other machine of this list (add `;; pola: guards " + m.name + "` on a guard pola cannot see)",
  ]);
  const guards = order.relations.filter((r) => r.guard === index);
  if (guards.length) rows.push(["Guards", guards.map((r) => `**${machines[r.protected].name}** — ${r.how.join("; ")}`).join("<br>")]);
  const changes = order.changes.filter((c) => c.machine === index);
  if (order.compared) rows.push(["This update", changes.length ? changes.map((c) => `${c.direction > 0 ? "widens" : "narrows"}: ${c.text}`).join("<br>") : "no access change"]);
  else {
    const b = analysis.inputs?.baseline;
    rows.push(["This update", `not compared: ${b && b.kind !== "ok" ? b.why : b?.kind === "ok" ? b.why ?? "" : "no committed version given"}`]);
  }
  const mine = order.constraints.filter((c) => c.before === index || c.after === index);
  if (mine.length) rows.push(["Order", reasons(machines, mine).join("<br>")]);
  if (m.system?.notes.length) rows.push(["Not read", m.system.notes.join("; ")]);
  let md = `**machine \`${escapeCell(m.name)}\`**\n\n| | |\n|---|---|\n`;
  md += rows.map(([k, v]) => `| ${k} | ${escapeCell(v)} |`).join("\n") + "\n";
  return md;
}

/** Extra JSON for `pola check --format json`: what a machine exposes and its relations. */
export function machineJson(service: Service): Record<string, unknown> {
  const found = machineOf(service);
  if (!found) return {};
  const { analysis, index } = found;
  const m = analysis.machines[index];
  const { order, machines } = analysis;
  return {
    machine: {
      host: m.sshHost ?? null,
      operatingSystem: m.osName ?? null,
      exposes: m.system?.items.map((i) => i.label) ?? null,
      guardedBy: order.relations.filter((r) => r.protected === index).map((r) => ({ machine: machines[r.guard].name, how: r.how })),
      guards: order.relations.filter((r) => r.guard === index).map((r) => machines[r.protected].name),
      changes: order.compared ? order.changes.filter((c) => c.machine === index).map((c) => ({ direction: c.direction > 0 ? "widens" : "narrows", change: c.text })) : null,
      deployPosition: index + 1,
      safePosition: order.order ? order.order.indexOf(index) + 1 : null,
    },
  };
}
