import type { Fix } from "../../model/finding";
import type { Rule, RawFinding } from "../rule";
import { daemons, listens, wrapperMappings } from "./constructor";
import { asciiName, columnOf, details, ensureModule, eol, fix, rangeOf, replace, schemeString, textOf } from "./util";

export const unconfined: Rule = {
  id: "guix/unconfined",
  language: "guix",
  defaultSeverity: "information",
  title: "A daemon not wrapped in least-authority-wrapper",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const { info, service } of daemons(ctx, d)) {
      if (info.wrapper || info.constructorName === "make-forkexec-constructor/container" || info.constructorName === "make-inetd-constructor") continue;
      const fixes: Fix[] = [];
      const program = info.program;
      if (program && program.t === "prefix" && program.kind === "ungexp" && program.value) {
        const mappings = wrapperMappings(ctx, d, info, service);
        const pad = " ".repeat(columnOf(ctx, program.value.start) + 1);
        const nl = eol(ctx);
        const name = asciiName(service.name);
        const wrap = (net: boolean): Fix => {
          const lines = [`(least-authority-wrapper`, `${pad}${textOf(ctx, program.value!)}`, `${pad}#:name ${schemeString(name)}`];
          if (mappings.length) lines.push(`${pad}#:mappings (list ${mappings.join(`${nl}${pad}                  `)})`);
          lines.push(`${pad}#:namespaces ${net ? "(delq 'net %namespaces)" : "%namespaces"})`);
          const edits = [replace(ctx, program.value!.start, program.value!.end, lines.join(nl)), ...ensureModule(ctx, "guix least-authority")];
          if (mappings.length) edits.push(...ensureModule(ctx, "gnu system file-systems"));
          const count = `${mappings.length} mapping${mappings.length === 1 ? "" : "s"}`;
          return fix(`Wrap ${name} in least-authority-wrapper (${count}, ${net ? "host network" : "no network: only if it never uses one"})`, edits, net);
        };
        // the host network first: taking it away silently breaks a daemon that talks to anything
        fixes.push(wrap(true));
        if (!listens(ctx, info, d)) fixes.push(wrap(false));
      }
      findings.push({
        message: `${service.name} is not confined: the daemon sees the whole file system and shares every namespace with the host. least-authority-wrapper gives it only its store closure and the mappings it needs.`,
        range: rangeOf(ctx, info.call!.items[0]),
        service: service.name,
        fixes,
      });
    }
    return findings;
  },
};
