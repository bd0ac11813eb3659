/**
 * The deploy analysis through the real `pola` binary, on real git repositories made by the test:
 * text, JSON (with the machines) and SARIF, exit statuses, `pola explain`.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { git, makeRepo, type Repo } from "../helpers/deploy-repo";
import { runPola } from "../helpers/run";

const repos: Repo[] = [];
after(() => {
  for (const r of repos) r.cleanup();
});

function repo(name: string, options?: Parameters<typeof makeRepo>[1]): Repo {
  const r = makeRepo(name, options);
  repos.push(r);
  return r;
}

interface JsonOut {
  files: {
    path: string;
    services: { name: string; kind: string; machine?: { host: string | null; exposes: string[] | null; guardedBy: { machine: string; how: string[] }[]; guards: string[]; changes: { direction: string; change: string }[] | null; deployPosition: number; safePosition: number | null } }[];
    findings: { ruleId: string; severity: string; message: string; line: number; service: string | null; fixes: { title: string; edits: { line: number; newText: string }[] }[] }[];
  }[];
}

test("pola check reports each fixture's window or conflict, with the fix, and fails the build", () => {
  const expected: Record<string, { rules: string[]; fix: string }> = {
    "router-web": { rules: ["deploy/sniping-window"], fix: "Deploy in the safe order: router, web" },
    "reverse-proxy": { rules: ["deploy/sniping-window"], fix: "Deploy in the safe order: proxy, shop, wiki" },
    chain: { rules: ["deploy/sniping-window", "deploy/sniping-window"], fix: "Deploy in the safe order: edge, proxy, app" },
    rollback: { rules: ["deploy/sniping-window"], fix: "Deploy in the safe order: web, router" },
    conflict: { rules: ["deploy/conflicting-update"], fix: "Write the two-deployment plan above the list (a comment)" },
  };
  for (const [name, e] of Object.entries(expected)) {
    const r = repo(name);
    const out = runPola(["check", "--format", "json", "."], { cwd: r.dir });
    assert.equal(out.status, 1, `${name}: ${out.stderr}`);
    const report = JSON.parse(out.stdout) as JsonOut;
    const deploy = report.files.find((f) => f.path.endsWith("deploy.scm"))!;
    const findings = deploy.findings.filter((f) => f.ruleId.startsWith("deploy/"));
    assert.deepEqual(findings.map((f) => f.ruleId), e.rules, name);
    for (const f of findings) assert.deepEqual(f.fixes.map((x) => x.title), [e.fix], name);
  }
});

test("JSON: the machines are services, with what they expose, what guards them and their position in the safe order", () => {
  const r = repo("router-web");
  const report = JSON.parse(runPola(["check", "--format", "json", "deploy.scm"], { cwd: r.dir }).stdout) as JsonOut;
  const machines = report.files[0].services.filter((s) => s.kind === "machine");
  assert.deepEqual(machines.map((m) => m.name), ["web", "router"]);
  const web = machines[0].machine!;
  assert.equal(web.host, "192.0.2.10");
  assert.deepEqual(web.exposes, ["SSH (tcp/22)", "SSH root login (tcp/22)", "SSH key backup.pub for root (tcp/22)", "nginx (tcp/80)", "nginx (tcp/443)"]);
  assert.deepEqual(web.guardedBy, [{ machine: "router", how: ["nftables forward rules name 192.0.2.10"] }]);
  assert.deepEqual(web.changes, [
    { direction: "widens", change: "enables SSH root login (tcp/22)" },
    { direction: "widens", change: "adds SSH key backup.pub for root (tcp/22)" },
  ]);
  assert.deepEqual([web.deployPosition, web.safePosition], [1, 2]);
  assert.deepEqual(machines[1].machine!.guards, ["web"]);
});

test("text and SARIF output; the rule's documentation", () => {
  const r = repo("chain");
  const text = runPola(["check", "."], { cwd: r.dir });
  assert.equal(text.status, 1);
  assert.match(text.stdout, /deploy\.scm:22:7 error deploy\/sniping-window app is deployed before proxy, which guards it\./);
  assert.match(text.stdout, /deploy\.scm:23:7 error deploy\/sniping-window proxy is deployed before edge, which guards it\./);
  const sarif = JSON.parse(runPola(["check", "--format", "sarif", "."], { cwd: r.dir }).stdout);
  const run = sarif.runs[0];
  const rule = run.tool.driver.rules.find((x: { id: string }) => x.id === "deploy/sniping-window");
  assert.match(rule.help.text, /Häyhä/);
  const results = run.results.filter((x: { ruleId: string }) => x.ruleId === "deploy/sniping-window");
  assert.equal(results.length, 2);
  assert.ok(results[0].fixes?.length === 1);
  const explain = runPola(["explain", "deploy/conflicting-update"]);
  assert.equal(explain.status, 0);
  assert.match(explain.stdout, /^# deploy\/conflicting-update/);
  assert.match(runPola(["explain"]).stdout, /deploy\/sniping-window\s+error/);
});

test("outside git: an information finding, exit 0 by default; a committed, unchanged deployment is clean", () => {
  const plain = repo("router-web", { git: false });
  const out = runPola(["check", "--format", "json", "deploy.scm"], { cwd: plain.dir });
  assert.equal(out.status, 0, out.stderr);
  const report = JSON.parse(out.stdout) as JsonOut;
  assert.deepEqual(report.files[0].findings.filter((f) => f.ruleId.startsWith("deploy/")).map((f) => [f.ruleId, f.severity]), [["deploy/no-baseline", "information"]]);
  assert.ok(report.files[0].services.find((s) => s.name === "web")!.machine!.changes === null);

  // once the update is committed (deployed), there is nothing left to order
  const clean = repo("reverse-proxy");
  assert.equal(runPola(["check", "deploy.scm"], { cwd: clean.dir }).status, 1);
  git(clean.dir, "commit", "-q", "-a", "-m", "deployed the back office");
  const committed = runPola(["check", "--format", "json", "deploy.scm"], { cwd: clean.dir });
  assert.equal(committed.status, 0, committed.stdout);
  assert.deepEqual((JSON.parse(committed.stdout) as JsonOut).files[0].findings.filter((f) => f.ruleId.startsWith("deploy/")), []);
});

test("a pola-ignore comment is reported as a SARIF suppression and does not fail the build", () => {
  const r = repo("router-web", {
    transform: (file, text) => (file.endsWith("deploy.scm") ? text.replace("(list (machine\n       (operating-system %web-os)", "(list\n ;; pola-ignore: deploy/sniping-window web sits behind the hoster's firewall during maintenance\n (machine\n       (operating-system %web-os)") : text),
  });
  const out = runPola(["check", "--format", "sarif", "deploy.scm"], { cwd: r.dir });
  assert.equal(out.status, 0, out.stdout);
  const result = JSON.parse(out.stdout).runs[0].results.find((x: { ruleId: string }) => x.ruleId === "deploy/sniping-window");
  assert.deepEqual(result.suppressions, [{ kind: "inSource", justification: "web sits behind the hoster's firewall during maintenance" }]);
});
