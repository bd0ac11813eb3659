import { head, isList, walk } from "../../guix/sexp";
import type { Rule, RawFinding } from "../rule";
import { details, rangeOf } from "./util";

const SECRET_NAME = /(pass(word|phrase)?|secret|token|api-?key|private-?key|credential|psk)s?\??$/i;
const SECRET_TEXT = /(-----BEGIN [A-Z ]*PRIVATE KEY-----|(?:\b|_)(password|passwd|secret|token|api[_-]?key)\s*[=:]\s*["']?[^\s"'$#]{4,})/i;
/** A value that names where the secret is (a file), not the secret itself. */
function isReference(value: string): boolean {
  return value.startsWith("/") || value.startsWith("~/") || /^(file|env|vault|pass):/i.test(value);
}

const FILE_PROCEDURES = new Set(["plain-file", "mixed-text-file", "text-file", "text-file*"]);

export const secretInStore: Rule = {
  id: "guix/secret-in-store",
  language: "guix",
  defaultSeverity: "warning",
  title: "A secret written as a literal ends up in the world-readable store",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    const message = (what: string) => `${what}: everything in /gnu/store is world-readable, so every local account can read it. Read the secret at run time from a root-owned file instead.`;
    // defaults of configuration fields
    for (const field of d.top.accessors.values()) {
      const v = field.defaultValue;
      if (v?.t === "string" && v.value.length > 0 && !isReference(v.value) && SECRET_NAME.test(field.field)) {
        findings.push({ message: message(`The default of ${field.field} is a literal secret`), range: rangeOf(ctx, v), fixes: [] });
      }
    }
    // record fields given a literal secret: (foo-configuration (password "…"))
    walk(d.data, (x) => {
      if (!isList(x)) return true;
      const h = head(x);
      if (h && x.items.length === 2 && SECRET_NAME.test(h) && x.items[1].t === "string" && x.items[1].value.length > 0 && !isReference(x.items[1].value) && !/^(define|let)/.test(h)) {
        const inRecordDefault = [...d.top.accessors.values()].some((f) => f.form.start <= x.start && f.form.end >= x.end);
        if (!inRecordDefault) findings.push({ message: message(`${h} is given as a literal`), range: rangeOf(ctx, x.items[1]), fixes: [] });
      }
      if (h && FILE_PROCEDURES.has(h)) {
        for (const item of x.items.slice(2)) {
          const name = x.items[1]?.t === "string" ? ` ${JSON.stringify(x.items[1].value)}` : "";
          if (item.t === "string" && SECRET_TEXT.test(item.value)) findings.push({ message: message(`(${h}${name} …) writes a secret into the store`), range: rangeOf(ctx, item), fixes: [] });
        }
      }
      return true;
    });
    return findings;
  },
};
