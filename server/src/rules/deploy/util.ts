import { type DeploymentAnalysis, deploymentOf } from "../../deploy/deployment";
import type { Range } from "../../model/range";
import type { RuleContext } from "../rule";

/** The deployment analysis of the file (shared by the deploy rules, computed once per model). */
export function deployment(ctx: RuleContext): DeploymentAnalysis | undefined {
  if (ctx.document.language !== "guix") return undefined;
  return deploymentOf(ctx.document, ctx.file, ctx.workspace.deploy);
}

export function rangeOf(ctx: RuleContext, d: { start: number; end: number }): Range {
  return ctx.document.lineIndex.rangeOf(d.start, d.end);
}

/** Where findings about the whole list go: its head (`list`). */
export function listHead(a: DeploymentAnalysis): { start: number; end: number } {
  return a.deployment.list.items[0] ?? a.deployment.list;
}
