import type { Rule, RawFinding } from "../rule";
import { daemons } from "./constructor";
import { asciiName, details, fix, rangeOf, replace, schemeString } from "./util";

export const logFileInServiceDir: Rule = {
  id: "guix/log-file-in-service-dir",
  language: "guix",
  defaultSeverity: "error",
  title: "#:log-file below a directory the service can write",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const { info, service } of daemons(ctx, d)) {
      const log = info.keywords.get("log-file");
      const path = service.authority.logFile;
      if (!log?.value || !path || path.kind !== "known") continue;
      // the innermost directory an account can write that holds the log file
      const claim = d.claimIndex.above(path.value);
      if (!claim) continue;
      const target = `/var/log/${asciiName(service.name)}.log`;
      findings.push({
        message: `Shepherd (PID 1, root) opens ${path.value} with O_CREAT and without O_NOFOLLOW; the ${claim.account} account can write ${claim.path} and plant a symlink there, so root appends to any file it names.`,
        range: rangeOf(ctx, log.value),
        service: service.name,
        fixes: [fix(`Log to ${target} (root-owned /var/log)`, [replace(ctx, log.value.start, log.value.end, schemeString(target))], true)],
      });
    }
    return findings;
  },
};
