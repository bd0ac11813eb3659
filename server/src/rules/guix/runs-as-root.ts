import type { List } from "../../guix/sexp";
import type { Fix } from "../../model/finding";
import type { Rule, RawFinding } from "../rule";
import { daemons, runAsAccountFix, wrapperDropsUserNamespace } from "./constructor";
import { details, rangeOf } from "./util";

/** Command-line options by which daemons switch user themselves (`--user foo`, `-u foo`, `--chroot`). */
const SELF_DROP = /^(--user|-u|--uid|--setuid|--runas|--run-as|--username|--chroot|--chuid)(=|$)/;

function selfDropOption(command: List | undefined): string | undefined {
  for (const item of command?.items ?? []) if (item.t === "string" && SELF_DROP.test(item.value)) return item.value.split("=")[0];
  return undefined;
}

export const runsAsRoot: Rule = {
  id: "guix/runs-as-root",
  language: "guix",
  defaultSeverity: "warning",
  title: "A shepherd service starts its daemon as root",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const { info, service } of daemons(ctx, d)) {
      if (info.keywords.has("user") || info.wrapper?.keywords.has("user")) continue;
      // a wrapper without a user namespace: guix/namespaced-root reports it (same fix)
      if (wrapperDropsUserNamespace(service, info)) continue;
      const fixes: Fix[] = [];
      const f = runAsAccountFix(ctx, d, info, service);
      if (f) fixes.push(f);
      const what = info.constructorName === "make-inetd-constructor" ? "its per-connection processes" : info.constructorName === "make-timer-constructor" ? "its timed command" : "its daemon";
      const dropOption = selfDropOption(info.commandList);
      const message = info.wrapper
        ? `${service.name} starts ${what} with no #:user: inside its user namespace it keeps root's uid, so it owns every root-owned file its mappings show it.`
        : `${service.name} starts ${what} with no #:user, so it runs as root with every capability` +
          (dropOption
            ? ` until it drops privileges itself (it is given ${dropOption}): everything it does before that, and any flaw in how it drops them, has root's authority.`
            : ".");
      findings.push({ message, range: rangeOf(ctx, info.call!.items[0]), service: service.name, fixes });
    }
    return findings;
  },
};
