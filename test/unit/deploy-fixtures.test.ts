/**
 * The deployment fixtures, each in a real git repository made by the test: the committed version is
 * committed, the current one copied over it, and the file analysed as the CLI does (git show for the
 * baseline, modules and rulesets read from the working copy). For each: the relations, the changes,
 * the findings, the safe order, and every fix through checkFix (Guile's reader as oracle) and again
 * with the baseline (the finding is gone, nothing is offered again).
 *
 * Snapshots: test/fixtures/deploy/<case>/expected.json and fixed.scm (POLA_UPDATE_SNAPSHOTS=1).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, test } from "node:test";
import { jsonFinding } from "../../server/src/cli/report";
import { listLens, machineLens, machineMarkdown } from "../../server/src/deploy/present";
import { applyEdits } from "../../server/src/model/edits";
import type { Finding } from "../../server/src/model/finding";
import { LineIndex } from "../../server/src/parsing/text";
import { analyzeDeploy, DEPLOY_FIXTURES, type DeployRun, git, makeRepo, type Repo } from "../helpers/deploy-repo";
import { assertSnapshot, checkFix, UPDATE } from "../helpers/fixtures";
import { requireTool } from "../helpers/tools";

interface Expected {
  /** Deploy findings (rule ids, in order). */
  rules: string[];
  /** "guard guards protected". */
  relations: string[];
  /** The safe order, or null when there is none. */
  order: string[] | null;
  /** Something the list lens must say. */
  lens: RegExp;
  /** Machines each finding names, in order. */
  named: string[][];
}

const CASES: Record<string, Expected> = {
  "router-web": {
    rules: ["deploy/sniping-window"],
    relations: ["router guards web"],
    order: ["router", "web"],
    lens: /^deploy order unsafe — safe order router → web: router restricts tcp\/22 to web before web enables SSH root login, adds SSH key backup\.pub for root$/,
    named: [["web", "router", "SSH root login (tcp/22)", "lets anyone reach tcp/22", "198.51.100.7"]],
  },
  "reverse-proxy": {
    rules: ["deploy/sniping-window"],
    relations: ["proxy guards shop", "proxy guards wiki"],
    order: ["proxy", "shop", "wiki"],
    lens: /safe order proxy → shop → wiki: proxy puts shop's \/admin\/ behind auth_basic before shop adds \/admin\/ on tcp\/8080/,
    named: [["shop", "proxy", "/admin/", "without authentication", "auth_basic"]],
  },
  chain: {
    rules: ["deploy/sniping-window", "deploy/sniping-window"],
    relations: ["proxy guards app", "edge guards proxy"],
    order: ["edge", "proxy", "app"],
    lens: /safe order edge → proxy → app: proxy puts app's \/metrics behind allow 10\.8\.0\.0\/16 before app adds \/metrics on tcp\/8000; edge restricts tcp\/22 to proxy before proxy enables SSH root login/,
    named: [
      ["app", "proxy", "/metrics"],
      ["proxy", "edge", "SSH root login", "198.51.100.7, 198.51.100.8"],
    ],
  },
  rollback: {
    rules: ["deploy/sniping-window"],
    relations: ["router guards web"],
    order: ["web", "router"],
    lens: /safe order web → router: web disables SSH root login, removes SSH key backup\.pub for root before router opens tcp\/22 to web/,
    named: [["router", "web", "lets anyone reach tcp/22", "disables and removes them"]],
  },
  conflict: {
    rules: ["deploy/conflicting-update"],
    relations: ["router guards web"],
    order: null,
    lens: /^no safe order for one deployment: router → web and web → router/,
    named: [["router restricts tcp/22 to web before web enables SSH root login", "web stops nginx on tcp/8443 before router opens tcp/8443 to web", "router: restricts tcp/22 to web; web: stops nginx on tcp/8443"]],
  },
};

const repos: Repo[] = [];
after(() => {
  for (const r of repos) r.cleanup();
});

function repo(name: string, options?: Parameters<typeof makeRepo>[1]): Repo {
  const r = makeRepo(name, options);
  repos.push(r);
  return r;
}

function deployFindings(run: DeployRun): Finding[] {
  return run.analysis.findings.filter((f) => f.ruleId.startsWith("deploy/"));
}

function relationNames(run: DeployRun): string[] {
  const d = run.deployment!;
  return d.order.relations.map((r) => `${d.machines[r.guard].name} guards ${d.machines[r.protected].name}`);
}

function apply(text: string, finding: Finding): string {
  const fix = finding.fixes.find((f) => f.preferred) ?? finding.fixes[0];
  const lines = new LineIndex(text);
  return applyEdits(text, fix.edits, (p) => lines.offsetAt(p));
}

for (const [name, expected] of Object.entries(CASES)) {
  test(`${name}: relations, changes, findings and the safe order against the committed version`, async () => {
    const r = repo(name);
    const run = await analyzeDeploy(r.file, undefined, [r.dir]);
    try {
      assert.equal(run.inputs?.baseline.kind, "ok", JSON.stringify(run.inputs?.baseline));
      const d = run.deployment!;
      assert.ok(d, "recognised as a deployment");
      assert.deepEqual(relationNames(run), expected.relations);
      assert.deepEqual(d.order.order ? d.order.order.map((i) => d.machines[i].name) : null, expected.order);
      const findings = deployFindings(run);
      assert.deepEqual(findings.map((f) => f.ruleId), expected.rules);
      findings.forEach((f, i) => {
        for (const word of expected.named[i]) assert.ok(f.message.includes(word), `finding ${i} names ${word}: ${f.message}`);
        assert.equal(f.severity, "error");
        assert.equal(f.fixes.length, 1);
      });
      assert.match(listLens(d, run.document).title, expected.lens);
      // the machines are services of the model, with lenses and hovers
      const machines = run.analysis.model.services.filter((s) => s.kind === "machine");
      assert.deepEqual(machines.map((m) => m.name).sort(), d.machines.map((m) => m.name).sort());
      const snapshot = {
        findings: findings.map((f) => ({ ...jsonFinding(f), fixes: f.fixes.map((x) => x.title) })),
        machines: d.machines.map((m, i) => ({ name: m.name, lens: machineLens(d, i), exposes: m.system?.items.map((x) => x.label) ?? null })),
        relations: d.order.relations.map((x) => ({ guard: d.machines[x.guard].name, protected: d.machines[x.protected].name, how: x.how })),
        changes: d.order.changes.map((c) => `${d.machines[c.machine].name} ${c.direction > 0 ? "widens" : "narrows"}: ${c.text}`),
        order: expected.order,
        lens: listLens(d, run.document).title,
      };
      assertSnapshot(path.join(DEPLOY_FIXTURES, name, "expected.json"), snapshot);
    } finally {
      run.document.dispose();
    }
  });

  test(`${name}: the fix passes checkFix (Guile's reader), loses the finding against the baseline, is idempotent`, async (t) => {
    if (!requireTool(t, "guile", "apt-get install guile-3.0")) return;
    const r = repo(name);
    const text = fs.readFileSync(r.file, "utf8");
    let current = text;
    const applied: string[] = [];
    for (let round = 0; round < 5; round++) {
      const run = await analyzeDeploy(r.file, current, [r.dir]);
      const findings = deployFindings(run).filter((f) => !f.suppressed);
      run.document.dispose();
      if (findings.length === 0) break;
      const finding = findings[0];
      const fix = finding.fixes[0];
      assert.ok(fix, `${finding.ruleId} has a fix`);
      // the shared oracle: parses (our grammar and Guile), nothing outside the edits changed
      const fixed = await checkFix(current, "guix", finding, fix, "required");
      // against the committed version: this finding and every other deploy error are gone
      const again = await analyzeDeploy(r.file, fixed, [r.dir]);
      const left = deployFindings(again);
      again.document.dispose();
      assert.deepEqual(left.map((f) => f.ruleId), [], `after "${fix.title}" no deploy finding is left:\n${left.map((f) => f.message).join("\n")}`);
      // applying the fix once more (as an editor would, from the fixed text) offers nothing
      assert.equal(left.flatMap((f) => f.fixes).length, 0);
      applied.push(fix.title);
      current = fixed;
    }
    assert.equal(applied.length, 1, "one fix settles the list");
    const fixedFile = path.join(DEPLOY_FIXTURES, name, "fixed.scm");
    if (UPDATE || !fs.existsSync(fixedFile)) fs.writeFileSync(fixedFile, current);
    else assert.equal(current, fs.readFileSync(fixedFile, "utf8"), `fixed.scm (POLA_UPDATE_SNAPSHOTS=1 to regenerate)`);
  });
}

test("the reorder moves each machine with its comment lines and keeps the layout (a minimal edit)", async () => {
  const r = repo("chain");
  const run = await analyzeDeploy(r.file, undefined, [r.dir]);
  const text = run.document.text;
  const finding = deployFindings(run)[0];
  run.document.dispose();
  const fix = finding.fixes[0];
  assert.equal(fix.title, "Deploy in the safe order: edge, proxy, app");
  // %proxy stays in place: only the two other elements are rewritten
  assert.deepEqual(fix.edits.map((e) => e.newText), ["%edge", "%app"]);
  const fixed = apply(text, finding);
  assert.ok(fixed.endsWith("(list %edge\n      %proxy\n      %app)\n"), fixed.slice(-60));
});

test("CRLF files keep their line endings; multi-line machines move with their comments and indentation", async (t) => {
  if (!requireTool(t, "guile", "apt-get install guile-3.0")) return;
  const r = repo("router-web", { transform: (file, text) => (file.endsWith("deploy.scm") ? text.replace(/\n/g, "\r\n") : text) });
  // a comment above the web machine travels with it
  const crlf = fs.readFileSync(r.file, "utf8").replace("(list (machine\r\n       (operating-system %web-os)", "(list\r\n ;; the public web server\r\n (machine\r\n       (operating-system %web-os)");
  const run = await analyzeDeploy(r.file, crlf, [r.dir]);
  const finding = deployFindings(run).find((f) => f.ruleId === "deploy/sniping-window")!;
  run.document.dispose();
  assert.ok(finding, "found in the CRLF file");
  const fixed = await checkFix(crlf, "guix", finding, finding.fixes[0], "required");
  assert.ok(!/[^\r]\n/.test(fixed), "no bare LF was introduced");
  const list = fixed.slice(fixed.lastIndexOf("(list\r\n"));
  assert.ok(list.indexOf("%router-os") < list.indexOf(";; the public web server"), "router first");
  assert.ok(list.indexOf(";; the public web server") < list.indexOf("%web-os"), "the comment moved with web");
  // each machine moved to its new column with its own lines: the inner fields keep their offset
  assert.match(list, /\r\n {6};; the public web server\r\n {6}\(machine\r\n {12}\(operating-system %web-os\)\r\n/);
  assert.match(list, /^\(list\r\n \(machine\r\n {2}\(operating-system %router-os\)\r\n/);
  const again = await analyzeDeploy(r.file, fixed, [r.dir]);
  assert.deepEqual(deployFindings(again).map((f) => f.ruleId), []);
  again.document.dispose();
});

test("the split plan: written above the list, accepted while current, reported and rewritten when out of date", async (t) => {
  if (!requireTool(t, "guile", "apt-get install guile-3.0")) return;
  const r = repo("conflict");
  const text = fs.readFileSync(r.file, "utf8");
  const run = await analyzeDeploy(r.file, text, [r.dir]);
  const finding = deployFindings(run)[0];
  run.document.dispose();
  const withPlan = apply(text, finding);
  assert.match(withPlan, /\n;; pola: split-deploy\n;; No order of the list below is safe in one `guix deploy` \(deploy\/conflicting-update\):\n/);
  assert.match(withPlan, /;;   1\. from the committed configuration, only the changes that narrow access:\n;;      router: restricts tcp\/22 to web\n;;      web: stops nginx on tcp\/8443\n/);
  const planned = await analyzeDeploy(r.file, withPlan, [r.dir]);
  assert.deepEqual(deployFindings(planned).map((f) => f.ruleId), []);
  assert.match(listLens(planned.deployment!, planned.document).title, /^split in two deployments/);
  planned.document.dispose();
  // the update changes: web no longer enables root login but adds a password login for root instead
  const changed = withPlan.replace("(password-authentication? #f)\n                      ;; the monitoring host runs its checks as root\n                      (permit-root-login 'prohibit-password)", "(password-authentication? #t)\n                      (permit-root-login #t)");
  assert.notEqual(changed, withPlan);
  const stale = await analyzeDeploy(r.file, changed, [r.dir]);
  const outdated = deployFindings(stale);
  stale.document.dispose();
  assert.deepEqual(outdated.map((f) => f.ruleId), ["deploy/conflicting-update"]);
  assert.match(outdated[0].message, /out of date/);
  assert.equal(outdated[0].fixes[0].title, "Update the two-deployment plan above the list");
  const rewritten = await checkFix(changed, "guix", outdated[0], outdated[0].fixes[0], "required");
  assert.equal(rewritten.split(";; pola: split-deploy").length, 2, "the block is replaced, not added twice");
  const final = await analyzeDeploy(r.file, rewritten, [r.dir]);
  assert.deepEqual(deployFindings(final).map((f) => f.ruleId), []);
  final.document.dispose();
});

test("pola-ignore with a reason silences a sniping window", async () => {
  const r = repo("router-web");
  const text = fs.readFileSync(r.file, "utf8").replace("(list (machine\n       (operating-system %web-os)", "(list\n ;; pola-ignore: deploy/sniping-window web is firewalled at the hoster until both are deployed\n (machine\n       (operating-system %web-os)");
  const run = await analyzeDeploy(r.file, text, [r.dir]);
  const [finding] = deployFindings(run);
  run.document.dispose();
  assert.equal(finding.ruleId, "deploy/sniping-window");
  assert.deepEqual(finding.suppressed?.reason, "web is firewalled at the hoster until both are deployed");
});

test("without the `;; pola: guards` comment the edge router's interface rules guard nothing pola can see", async () => {
  const r = repo("chain", { transform: (file, text) => text.replace("  ;; pola: guards proxy\n", "") });
  const run = await analyzeDeploy(r.file, undefined, [r.dir]);
  assert.deepEqual(relationNames(run), ["proxy guards app"]);
  assert.deepEqual(deployFindings(run).map((f) => f.message.split(",")[0]), ["app is deployed before proxy"]);
  run.document.dispose();
});

test("hover on a machine: what it exposes, what guards it and how, what the update changes, the order", async () => {
  const r = repo("router-web");
  const run = await analyzeDeploy(r.file, undefined, [r.dir]);
  const d = run.deployment!;
  const web = d.machines.findIndex((m) => m.name === "web");
  const md = machineMarkdown(d, web);
  run.document.dispose();
  assert.match(md, /\*\*machine `web`\*\*/);
  assert.match(md, /\| Exposes \| SSH \(tcp\/22\)<br>SSH root login \(tcp\/22\)<br>SSH key backup\.pub for root \(tcp\/22\)<br>nginx \(tcp\/80\)<br>nginx \(tcp\/443\) \|/);
  assert.match(md, /\| Guarded by \| \*\*router\*\* — nftables forward rules name 192\.0\.2\.10<br>SSH, SSH root login, SSH key backup\.pub for root: lets only 198\.51\.100\.7 reach tcp\/22 \(nftables\) \(was: lets anyone reach tcp\/22\)/);
  assert.match(md, /\| This update \| widens: enables SSH root login \(tcp\/22\)<br>widens: adds SSH key backup\.pub for root \(tcp\/22\) \|/);
  assert.match(md, /\| Order \| router restricts tcp\/22 to web before web enables SSH root login, adds SSH key backup\.pub for root \|/);
});

test("no git repository, no commit, a new file: an information finding, relations only", async () => {
  const plain = repo("router-web", { git: false });
  const a = await analyzeDeploy(plain.file, undefined, [plain.dir]);
  assert.deepEqual(deployFindings(a).map((f) => [f.ruleId, f.severity]), [["deploy/no-baseline", "information"]]);
  assert.match(deployFindings(a)[0].message, /\(the file is not in a git repository\)/);
  assert.match(deployFindings(a)[0].message, /1 guard relation\)/);
  assert.match(listLens(a.deployment!, a.document).title, /^router guards web · order not checked: the file is not in a git repository$/);
  a.document.dispose();

  const empty = repo("router-web", { commit: false });
  const b = await analyzeDeploy(empty.file, undefined, [empty.dir]);
  assert.match(deployFindings(b)[0].message, /the repository has no commit yet/);
  b.document.dispose();

  const untracked = repo("router-web", { commit: false });
  fs.writeFileSync(path.join(untracked.dir, "README"), "office network\n");
  git(untracked.dir, "add", "README");
  git(untracked.dir, "commit", "-q", "-m", "readme");
  const c = await analyzeDeploy(untracked.file, undefined, [untracked.dir]);
  assert.match(deployFindings(c)[0].message, /deploy\.scm is not in the last commit/);
  c.document.dispose();
});

test("an unchanged deployment: any order is safe, nothing reported", async () => {
  const r = repo("router-web");
  git(r.dir, "checkout", "--", "deploy.scm");
  const run = await analyzeDeploy(r.file, undefined, [r.dir]);
  assert.deepEqual(deployFindings(run), []);
  assert.equal(listLens(run.deployment!, run.document).title, "any order is safe: no update opens what a guard closes (router guards web)");
  run.document.dispose();
});

test("files that are not deployments are left alone (no git started)", async () => {
  const r = repo("chain");
  const module = path.join(r.dir, "infra", "systems.scm");
  const run = await analyzeDeploy(module, undefined, [r.dir]);
  assert.equal(run.inputs, undefined);
  assert.equal(run.deployment, undefined);
  assert.equal(run.analysis.model.services.filter((s) => s.kind === "machine").length, 0);
  run.document.dispose();
});

test("analysis stays fast on a large deployment (a router guarding 400 machines)", async () => {
  const machines: string[] = [];
  const rules: string[] = [];
  const defs: string[] = [];
  for (let i = 0; i < 400; i++) {
    const address = `10.2.${i >> 8}.${i & 255}`;
    rules.push(`    ip daddr ${address} tcp dport { ssh, http } accept`);
    defs.push(`(define %node-${i}\n  (operating-system\n    (host-name "node-${i}")\n    (services (list (service openssh-service-type) (service nginx-service-type)))))`);
    machines.push(`(machine (operating-system %node-${i}) (environment managed-host-environment-type) (configuration (machine-ssh-configuration (host-name "${address}"))))`);
  }
  const router = `(define %router (operating-system (host-name "router") (services (list (service nftables-service-type (nftables-configuration (ruleset (plain-file "r.nft" "table inet filter {\n  chain forward {\n    type filter hook forward priority 0; policy drop;\n${rules.join("\n")}\n  }\n}\n"))))))))`;
  const text = `${router}\n${defs.join("\n")}\n(list (machine (operating-system %router) (environment managed-host-environment-type) (configuration (machine-ssh-configuration (host-name "10.2.255.1"))))\n      ${machines.join("\n      ")})\n`;
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "pola-deploy-big-"));
  repos.push({ dir, file: "", cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) });
  const file = path.join(dir, "deploy.scm");
  fs.writeFileSync(file, text);
  git(dir, "init", "-q");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "c");
  const run = await analyzeDeploy(file, text.replace(/\(service openssh-service-type\)/g, "(service openssh-service-type (openssh-configuration (permit-root-login 'prohibit-password)))"), [dir]);
  assert.equal(run.deployment!.order.relations.length, 400);
  assert.equal(run.deployment!.order.constraints.length, 0, "the router's rules did not change: no window");
  run.document.dispose();
});

test("a machine new in this update counts as opening everything it exposes: its guard goes first", async () => {
  const r = repo("router-web");
  const current = fs.readFileSync(r.file, "utf8");
  // the committed deployment had only the router (with the new rules already in place but the SSH rule open)
  git(r.dir, "checkout", "--", "deploy.scm");
  const committed = fs.readFileSync(r.file, "utf8");
  const start = committed.indexOf("(list (machine") + "(list ".length;
  const routerAt = committed.indexOf("(machine\n", start + 1);
  fs.writeFileSync(r.file, committed.slice(0, start) + committed.slice(routerAt));
  git(r.dir, "commit", "-q", "-a", "-m", "router only");
  const run = await analyzeDeploy(r.file, current, [r.dir]);
  const d = run.deployment!;
  run.document.dispose();
  assert.deepEqual(d.order.changes.filter((c) => d.machines[c.machine].name === "web").map((c) => c.text), [
    "starts SSH (tcp/22)",
    "enables SSH root login (tcp/22)",
    "adds SSH key backup.pub for root (tcp/22)",
    "starts nginx (tcp/80)",
    "starts nginx (tcp/443)",
  ]);
  assert.deepEqual(deployFindings(run).map((f) => f.ruleId), ["deploy/sniping-window"]);
  assert.match(deployFindings(run)[0].message, /SSH on tcp\/22 and enables SSH root login and adds SSH key backup\.pub for root/);
});

test("a machine whose operating system pola cannot read opens no window and is named in its hover", async () => {
  const r = repo("router-web", { transform: (file, text) => (file.endsWith("deploy.scm") ? text.replace("(operating-system %web-os)\n       (environment", "(operating-system %web-os-from-elsewhere)\n       (environment") : text) });
  const run = await analyzeDeploy(r.file, undefined, [r.dir]);
  const d = run.deployment!;
  run.document.dispose();
  assert.deepEqual(deployFindings(run), []);
  const web = d.machines.findIndex((m) => m.sshHost === "192.0.2.10");
  assert.match(machineMarkdown(d, web), /unknown: %web-os-from-elsewhere is not defined in this file or in a module of the workspace it uses/);
});
