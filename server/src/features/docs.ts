import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

let docsDir: string | null | undefined;

/** The folder holding docs/rules/<id>.md: shipped beside the bundle in the .vsix, or the checkout's. */
export function rulesDocsDirectory(): string | null {
  if (docsDir !== undefined) return docsDir;
  docsDir = null;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "docs", "rules");
    if (fs.existsSync(candidate)) {
      docsDir = candidate;
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return docsDir;
}

/** A link for the rule's docs page, when the page exists. */
export function ruleDocsUri(ruleId: string): string | undefined {
  const dir = rulesDocsDirectory();
  if (!dir) return undefined;
  const file = path.join(dir, `${ruleId}.md`);
  return fs.existsSync(file) ? pathToFileURL(file).href : undefined;
}

export function ruleDocsText(ruleId: string): string | undefined {
  const dir = rulesDocsDirectory();
  if (!dir) return undefined;
  const file = path.join(dir, `${ruleId}.md`);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}
