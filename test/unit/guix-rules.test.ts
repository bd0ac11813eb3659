/**
 * Regression tests for the Guix rules and their fixes: one test per bug found while writing the
 * per-rule fixtures (each names what used to go wrong). Every fix exercised here also goes through
 * checkFix, with Guile's reader as oracle when installed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Finding } from "../../server/src/model/finding";
import { asciiName } from "../../server/src/rules/guix/util";
import { analyzeText, checkFix } from "../helpers/fixtures";

async function analyse(text: string) {
  const a = await analyzeText(text, "guix");
  a.document.dispose();
  assert.equal(a.parseErrors, 0, "the test text parses");
  return a;
}

async function only(text: string, rule: string): Promise<Finding[]> {
  return (await analyse(text)).findings.filter((f) => f.ruleId === rule);
}

/** Applies the finding's preferred fix through checkFix and returns the fixed text. */
async function fixed(text: string, finding: Finding, index = 0): Promise<string> {
  const fix = finding.fixes[index];
  assert.ok(fix, `${finding.ruleId} offers a fix`);
  return checkFix(text, "guix", finding, fix);
}

const MODULE = `(define-module (gnu services t)
  #:use-module (gnu services)
  #:use-module (gnu services shepherd))
`;

// ---- guix/root-op-in-service-dir ----

test("root-op: the drop-privileges fix makes the finding go away (ops after setuid are the account's)", async () => {
  const text = `${MODULE}
(define (t-activation config)
  #~(begin
      (mkdir-p/perms "/var/lib/t" (getpwnam "t") #o750)
      (copy-file #$(plain-file "t.conf" "") "/var/lib/t/t.conf")
      (chown "/var/lib/t/t.conf" (passwd:uid (getpwnam "t")) 0)))
(define t-service-type
  (service-type (name 't) (extensions (list (service-extension activation-service-type t-activation)))))
`;
  const [copy] = (await only(text, "guix/root-op-in-service-dir")).filter((f) => f.message.includes("copy-file"));
  const out = await fixed(text, copy);
  assert.match(out, /\(setuid \(passwd:uid pw\)\)\n\s+\(copy-file/);
  assert.ok(!out.includes('(chown "/var/lib/t/t.conf"'), "the chown that followed is dropped");
  assert.equal((await only(out, "guix/root-op-in-service-dir")).length, 0);
});

test("root-op: no drop-privileges fix in start code (it would fork PID 1)", async () => {
  const text = `${MODULE}
(define (svc)
  (list (shepherd-service (provision '(u-init)) (one-shot? #t)
         (start #~(lambda _ (call-with-output-file "/var/lib/u/stamp" (lambda (p) (display 1 p))) #t)))))
(define (acc) (list (user-account (name "u") (group "u") (home-directory "/var/lib/u"))))
`;
  const [f] = await only(text, "guix/root-op-in-service-dir");
  assert.match(f.message, /^Root-run start code .* the next time the service starts, root writes the target\.$/);
  assert.deepEqual(f.fixes, []);
});

test("root-op: chown below a directory that is itself the account's opens the path component by component", async () => {
  const text = `${MODULE}
(define (act)
  #~(let ((pw (getpwnam "v")))
      (mkdir-p/perms "/var/lib/v" pw #o750)
      (chown "/var/lib/v/tls/key.pem" (passwd:uid pw) (passwd:gid pw))
      (chmod "/var/lib/v/tls/key.pem" #o600)))
`;
  const [chown] = await only(text, "guix/root-op-in-service-dir");
  assert.match(chown.fixes[0].title, /^chown and chmod through a port opened component by component/);
  const out = await fixed(text, chown);
  assert.match(out, /\(openat dir \(car names\)/);
  assert.match(out, /\(chown port \(passwd:uid pw\) \(passwd:gid pw\)\)\n\s+\(chmod port #o600\)/, "the chmod shares the port");
});

test("root-op: a direct child only needs O_NOFOLLOW on the last component", async () => {
  const text = `${MODULE}
(define (act)
  #~(let ((pw (getpwnam "v")))
      (mkdir-p/perms "/var/lib/v" pw #o750)
      (chmod "/var/lib/v/v.conf" #o640)))
`;
  const [f] = await only(text, "guix/root-op-in-service-dir");
  assert.equal(f.fixes[0].title, "chmod through an O_NOFOLLOW port instead of by path");
  assert.match(await fixed(text, f), /\(open "\/var\/lib\/v\/v\.conf" \(logior O_RDONLY O_NOFOLLOW O_NONBLOCK O_CLOEXEC\)\)/);
});

// ---- guix/runs-as-root and account choice ----

const ROOT_DAEMON = (accounts: string) => `${MODULE}
(define (k-services config)
  (list (shepherd-service (provision '(k))
          (start #~(make-forkexec-constructor (list #$(file-append k "/bin/k"))
                                              #:log-file "/var/log/k.log")))
        (shepherd-service (provision '(k-exporter))
          (start #~(make-forkexec-constructor (list #$(file-append k "/bin/kx"))
                                              #:user "k-exporter" #:group "k-exporter")))))
${accounts}
(define k-service-type
  (service-type
   (name 'k)
   (extensions
    (list (service-extension shepherd-root-service-type k-services)
          (service-extension account-service-type k-accounts)))))
`;

test("runs-as-root: the new account is appended to the existing account list, not another daemon's account", async () => {
  const text = ROOT_DAEMON(`(define (k-accounts config)
  (list (user-group (name "k-exporter") (system? #t))
        (user-account (name "k-exporter") (group "k-exporter") (system? #t))))`);
  const [f] = await only(text, "guix/runs-as-root");
  assert.equal(f.fixes[0].title, "Run as a new k system account (#:user/#:group, user-account and user-group)");
  const out = await fixed(text, f);
  assert.match(out, /\(user-account \(name "k-exporter"\) \(group "k-exporter"\) \(system\? #t\)\)\n {8}\(user-group \(name "k"\) \(system\? #t\)\)\n {8}\(user-account\n {9}\(name "k"\)/);
  assert.equal(out.match(/account-service-type/g)?.length, 1, "no second account extension");
});

test("runs-as-root: an account list computed by the extension gets the new account consed on", async () => {
  const text = ROOT_DAEMON(`(define (k-accounts config)
  (if (k-configuration-exporter? config)
      (list (user-account (name "k-exporter") (group "k-exporter") (system? #t)))
      '()))`);
  const out = await fixed(text, (await only(text, "guix/runs-as-root"))[0]);
  assert.match(out, /\(service-extension account-service-type \(lambda \(config\)\n\s+\(cons\* \(user-group \(name "k"\)[^]*\(k-accounts config\)\)\)\)/);
});

test("runs-as-root: the service-type's own free account is used; another service-type's is not", async () => {
  const own = `${MODULE}
(define (a-svc c) (list (shepherd-service (provision '(a)) (start #~(make-forkexec-constructor (list "/bin/a"))))))
(define (a-accounts c) (list (user-account (name "alpha") (group "alpha-data") (system? #t))))
(define a-service-type (service-type (name 'a) (extensions (list (service-extension shepherd-root-service-type a-svc)
                                                                   (service-extension account-service-type a-accounts)))))
(define (b-svc c) (list (shepherd-service (provision '(b)) (start #~(make-forkexec-constructor (list "/bin/b"))))))
(define b-service-type (service-type (name 'b) (extensions (list (service-extension shepherd-root-service-type b-svc)))))
`;
  const [a, b] = await only(own, "guix/runs-as-root");
  assert.equal(a.fixes[0].title, "Run as the alpha account (#:user/#:group)");
  assert.match(await fixed(own, a), /#:user "alpha" #:group "alpha-data"/);
  assert.equal(b.fixes[0].title, "Run as a new b system account (#:user/#:group, user-account and user-group)", "alpha belongs to service-type a");
});

test("runs-as-root: a timer's keywords go on its command", async () => {
  const text = `${MODULE}
(define (svc c)
  (list (shepherd-service (provision '(sweep))
          (start #~(make-timer-constructor (calendar-event #:hours '(3))
                     (command (list #$(file-append sweeper "/bin/sweep") "--all")))))))
(define (accounts c) (list (user-account (name "sweep") (group "sweep") (system? #t))))
(define sweep-service-type
  (service-type (name 'sweep) (extensions (list (service-extension shepherd-root-service-type svc)
                                                (service-extension account-service-type accounts)))))
`;
  const [f] = await only(text, "guix/runs-as-root");
  assert.match(f.message, /starts its timed command with no #:user/);
  assert.match(await fixed(text, f), /\(command \(list #\$\(file-append sweeper "\/bin\/sweep"\) "--all"\) #:user "sweep" #:group "sweep"\)/);
});

// ---- wrappers: guix/namespaced-root, guix/unconfined, guix/removed-container-api ----

test("namespaced-root: #:user goes on the wrapper, and runs-as-root does not report the same service", async () => {
  const text = `${MODULE}
(define (svc c)
  (list (shepherd-service (provision '(probe))
          (start #~(make-forkexec-constructor
                    (list #$(least-authority-wrapper (file-append probe "/bin/probe")
                                                     #:name "probe"
                                                     #:namespaces (delq 'user %namespaces))))))))
(define (accounts c) (list (user-account (name "probe") (group "probe") (system? #t))))
(define probe-service-type
  (service-type (name 'probe) (extensions (list (service-extension shepherd-root-service-type svc)
                                                (service-extension account-service-type accounts)))))
`;
  const a = await analyse(text);
  assert.equal(a.findings.filter((f) => f.ruleId === "guix/runs-as-root").length, 0);
  const [f] = a.findings.filter((x) => x.ruleId === "guix/namespaced-root");
  assert.equal(f.fixes[0].title, "Run as the probe account (on least-authority-wrapper)");
  assert.match(await fixed(text, f), /#:namespaces \(delq 'user %namespaces\)\n\s+#:user "probe" #:group "probe"\)/);
});

test("unconfined: the preferred wrapper keeps the host network; mappings skip nested directories", async () => {
  const text = `${MODULE}
(define (act)
  #~(let ((pw (getpwnam "r")))
      (mkdir-p/perms "/var/lib/r" pw #o700)
      (mkdir-p/perms "/var/lib/r/cache" pw #o700)))
(define (svc c)
  (let ((config-file (plain-file "r.conf" "")))
    (list (shepherd-service (provision '(r))
            (start #~(make-forkexec-constructor
                      (list #$(file-append r "/bin/r") "--config" #$config-file "--motd" "/etc/motd")
                      #:user "r" #:group "r" #:pid-file "/run/r/r.pid"))))))
`;
  const [f] = await only(text, "guix/unconfined");
  assert.equal(f.fixes.length, 2);
  assert.ok(f.fixes[0].preferred && /host network/.test(f.fixes[0].title));
  assert.match(f.fixes[1].title, /no network: only if it never uses one/);
  const out = await fixed(text, f);
  assert.ok(out.includes('(file-system-mapping (source "/var/lib/r") (target source) (writable? #t))'));
  assert.ok(!out.includes('(source "/var/lib/r/cache")'), "inside /var/lib/r");
  assert.ok(out.includes('(file-system-mapping (source "/run/r") (target source) (writable? #t))'), "the PID file's directory");
  assert.ok(out.includes("(file-system-mapping (source config-file) (target source))"), "store file argument");
  assert.ok(out.includes('(file-system-mapping (source "/etc/motd") (target source))'), "absolute path argument, read-only");
  assert.match(out, /#:namespaces \(delq 'net %namespaces\)\)/);
  assert.match(out, /#:use-module \(guix least-authority\)/);
  await checkFix(text, "guix", f, f.fixes[1]);
});

test("removed-container-api: the migration moves #:mappings to least-authority-wrapper as host code", async () => {
  const text = `${MODULE}
(define (svc dir)
  (list (shepherd-service (provision '(old))
          (start #~(make-forkexec-constructor/container
                    (list #$(file-append old "/bin/old") "-v")
                    #:mappings (list (file-system-mapping (source #$dir) (target source) (writable? #t)))
                    #:user "old" #:group "old")))))
`;
  const a = await analyse(text);
  const svc = a.model.services.find((s) => s.name === "old")!;
  assert.equal(svc.authority.confinement.confined.kind === "known" && svc.authority.confinement.confined.value, true, "the old constructor confined too");
  const [f] = a.findings.filter((x) => x.ruleId === "guix/removed-container-api");
  assert.match(f.message, /^old: make-forkexec-constructor\/container was removed/);
  const out = await fixed(text, f);
  assert.match(out, /\(make-forkexec-constructor\n\s+\(list #\$\(least-authority-wrapper\n\s+\(file-append old "\/bin\/old"\)\n\s+#:name "old"\n\s+#:mappings \(list \(file-system-mapping \(source dir\)/);
  assert.match(out, /"-v"\)\n\s+#:user "old" #:group "old"\)/, "#:mappings left the constructor");
});

test("removed-container-api: no migration when the mappings use the gexp's own variables", async () => {
  const text = `${MODULE}
(define (svc)
  (list (shepherd-service (provision '(old))
          (start #~(let ((dir "/var/lib/old"))
                     (make-forkexec-constructor/container
                      (list #$(file-append old "/bin/old"))
                      #:mappings (list (file-system-mapping (source dir) (target source)))))))))
`;
  const [f] = await only(text, "guix/removed-container-api");
  assert.deepEqual(f.fixes, []);
});

// ---- guix/mkdir-chown ----

test("mkdir-chown in start code imports (gnu build activation) into the gexp and the service's modules", async () => {
  const text = `${MODULE}
(define (svc)
  (list (shepherd-service (provision '(w))
          (start #~(lambda args
                     (mkdir-p "/run/w")
                     (chown "/run/w" (passwd:uid (getpwnam "w")) (passwd:gid (getpwnam "w")))
                     (apply (make-forkexec-constructor (list "/bin/w") #:user "w" #:group "w") args))))))
`;
  const [f] = await only(text, "guix/mkdir-chown");
  const out = await fixed(text, f);
  assert.match(out, /\(mkdir-p\/perms "\/run\/w" \(getpwnam "w"\) #o755\)/);
  assert.match(out, /\(start \(with-imported-modules \(source-module-closure '\(\(gnu build activation\)\)\)\n\s+#~\(lambda args/);
  assert.match(out, /\(modules \(cons '\(gnu build activation\) %default-modules\)\)/);
  assert.match(out, /#:use-module \(guix modules\)/);
});

test("mkdir-chown: existing with-imported-modules and modules lists are extended", async () => {
  const text = `${MODULE}
(define (svc)
  (list (shepherd-service (provision '(w))
          (modules '((guix build utils)))
          (start (with-imported-modules (source-module-closure '((guix build utils)))
                   #~(lambda args
                       (mkdir-p "/run/w")
                       (chown "/run/w" (passwd:uid (getpwnam "w")) 0)
                       (chmod "/run/w" #o750)
                       #t))))))
`;
  const out = await fixed(text, (await only(text, "guix/mkdir-chown"))[0]);
  assert.match(out, /\(modules '\(\(guix build utils\) \(gnu build activation\)\)\)/);
  assert.match(out, /\(source-module-closure '\(\(guix build utils\) \(gnu build activation\)\)\)/);
});

test("mkdir-chown: a directory handed to root is not reported", async () => {
  const text = `${MODULE}
(define (act) #~(begin (mkdir-p "/etc/x") (chown "/etc/x" 0 (group:gid (getgrnam "x"))) (chmod "/etc/x" #o750)))
`;
  assert.deepEqual(await only(text, "guix/mkdir-chown"), []);
});

// ---- guix/shadowed-mkdir-p-perms ----

test("shadowed mkdir-p/perms: calls get the definition's own owner expression; the mkdir-chown inside is not reported", async () => {
  const text = `${MODULE}
(define (act user)
  #~(begin
      ;; old helper
      (define (mkdir-p/perms directory perms)
        (mkdir-p directory)
        (chown directory (passwd:uid (getpwnam #$user)) 0)
        (chmod directory perms))
      (mkdir-p/perms "/var/spool/x" #o755)))
`;
  const a = await analyse(text);
  assert.equal(a.findings.filter((f) => f.ruleId === "guix/mkdir-chown").length, 0);
  const [f] = a.findings.filter((x) => x.ruleId === "guix/shadowed-mkdir-p-perms");
  const out = await fixed(text, f);
  assert.ok(out.includes('(mkdir-p/perms "/var/spool/x" (getpwnam #$user) #o755)'));
  assert.ok(!out.includes(";; old helper"), "its comment goes with it");
});

// ---- guix/stat-symlink-check ----

test("stat-symlink-check: case and let-bound stat are found, and messages tell checks apart", async () => {
  const text = `${MODULE}
(define (act)
  #~(begin
      (define (kind f) (case (stat:type (stat f)) ((symlink) 'link) (else 'file)))
      (let ((st (stat "/etc/x")))
        (when (eq? (stat:type st) 'symlink) (error "link")))
      (define (dir? f) (eq? 'directory (stat:type (stat f))))))
`;
  const found = await only(text, "guix/stat-symlink-check");
  assert.deepEqual(
    found.map((f) => f.message.split(" follows")[0]),
    ["(stat f) in kind", '(stat "/etc/x")'],
  );
  for (const f of found) await fixed(text, f);
});

// ---- guix/recursive-chown ----

test("recursive-chown: (cut chown <> uid gid) over find-files is found and fixed", async () => {
  const text = `${MODULE}
(define (act)
  #~(let ((pw (getpwnam "bk")))
      (mkdir-p/perms "/srv/bk" pw #o750)
      (for-each (cut chown <> (passwd:uid pw) (passwd:gid pw)) (find-files "/srv/bk"))))
`;
  const [f] = await only(text, "guix/recursive-chown");
  assert.match(await fixed(text, f), /\(invoke #\$\(file-append coreutils "\/bin\/chown"\) "--recursive" "--no-dereference" "-P" "bk:bk" "\/srv\/bk"\)/);
});

test("recursive-chown: no chown -R fix when a directory leading to the tree is the account's", async () => {
  const text = `${MODULE}
(define (act)
  #~(let ((pw (getpwnam "bk")))
      (mkdir-p/perms "/srv/bk" pw #o750)
      (for-each (lambda (f) (chown f (passwd:uid pw) 0)) (find-files "/srv/bk/hosts/a"))))
`;
  const [f] = await only(text, "guix/recursive-chown");
  assert.deepEqual(f.fixes, []);
});

// ---- guix/log-file-in-service-dir, guix/secret-in-store, guix/shared-nobody, guix/user-without-group ----

test("log-file: resolved through a helper procedure; the message names the innermost writable directory", async () => {
  const text = `${MODULE}
(define (log-of name) (string-append "/var/lib/t/logs/" name ".log"))
(define (act) #~(begin (mkdir-p/perms "/var/lib/t/logs" (getpwnam "t") #o750)))
(define (accounts) (list (user-account (name "t") (group "t") (home-directory "/var/lib/t"))))
(define (svc) (list (shepherd-service (provision '(t))
                      (start #~(make-forkexec-constructor (list "/bin/t") #:user "t" #:group "t"
                                                          #:log-file #$(log-of "t"))))))
`;
  const [f] = await only(text, "guix/log-file-in-service-dir");
  assert.match(f.message, /opens \/var\/lib\/t\/logs\/t\.log .* can write \/var\/lib\/t\/logs and plant/);
  assert.match(await fixed(text, f), /#:log-file "\/var\/log\/t\.log"/);
});

test("secret-in-store: a path to a secret is not a secret; a token in a file's content is", async () => {
  const text = `${MODULE}
(define-configuration c
  (private-key (string "/etc/c/key.pem") "Path.")
  (api-token (string "") "Empty.")
  (password (string "hunter2") "Literal."))
(define env (plain-file "c.env" "SERVICE_TOKEN=abcd1234\\n"))
(define other (plain-file "d.env" "API_KEY: ffff0000\\n"))
`;
  const found = await only(text, "guix/secret-in-store");
  assert.deepEqual(
    found.map((f) => f.message.split(":")[0]),
    ["The default of password is a literal secret", '(plain-file "c.env" …) writes a secret into the store', '(plain-file "d.env" …) writes a secret into the store'],
  );
});

test("shared-nobody: replaced by the service's own account, with a shared group replaced too", async () => {
  const text = `${MODULE}
(define (svc)
  (list (shepherd-service (provision '(st))
          (start #~(make-forkexec-constructor (list "/bin/st") #:user "nobody" #:group "nogroup")))))
(define st-service-type
  (service-type (name 'st) (extensions (list (service-extension shepherd-root-service-type svc)))))
`;
  const [f] = await only(text, "guix/shared-nobody");
  const out = await fixed(text, f);
  assert.match(out, /#:user "st" #:group "st"/);
  assert.match(out, /\(service-extension account-service-type\n\s+\(const \(list \(user-group \(name "st"\)/);
  assert.match(out, /#:use-module \(gnu system shadow\)/);
});

test("user-without-group: the service keeps group root, shown as such; the fix takes the account's group", async () => {
  const text = `${MODULE}
(define (accounts) (list (user-account (name "u") (group "u-data") (system? #t))))
(define (svc) (list (shepherd-service (provision '(u))
                      (start #~(make-forkexec-constructor (list "/bin/u") #:user "u")))))
`;
  const a = await analyse(text);
  const svc = a.model.services.find((s) => s.name === "u")!;
  assert.deepEqual(svc.authority.group, { kind: "known", value: "root" });
  const [f] = a.findings.filter((x) => x.ruleId === "guix/user-without-group");
  assert.match(await fixed(text, f), /#:user "u" #:group "u-data"/);
});

// ---- models ----

test("a service-type's user and group: one per shepherd service when they differ, unknown with none", async () => {
  const text = `${MODULE}
(define (svc c)
  (list (shepherd-service (provision '(p)) (start #~(make-forkexec-constructor (list "/bin/p") #:user "p" #:group "p")))
        (shepherd-service (provision '(q)) (start #~(make-forkexec-constructor (list "/bin/q") #:user "q" #:group "q")))))
(define pq-service-type (service-type (name 'pq) (extensions (list (service-extension shepherd-root-service-type svc)))))
(define rot-service-type (service-type (name 'rot) (extensions (list (service-extension log-rotation-service-type (const '()))))))
`;
  const a = await analyse(text);
  const pq = a.model.services.find((s) => s.name === "pq")!;
  assert.equal(pq.authority.group.kind, "conditional");
  assert.deepEqual(pq.authority.group.kind === "conditional" ? pq.authority.group.cases.map((c) => c.value) : [], ["p", "q"]);
  const rot = a.model.services.find((s) => s.name === "rot")!;
  assert.equal(rot.authority.user.kind, "unknown");
  assert.equal(rot.authority.group.kind, "unknown", "not root: nothing runs");
});

test("ops in a gexp spliced from a top-level define belong to the activation that splices it", async () => {
  const text = `${MODULE}
(define %helpers #~(begin (copy-file "/gnu/store/x" "/var/lib/s/conf")))
(define (act c) #~(begin #$%helpers))
(define (accounts c) (list (user-account (name "s") (group "s") (home-directory "/var/lib/s"))))
(define s-service-type
  (service-type (name 's) (extensions (list (service-extension activation-service-type act)
                                            (service-extension account-service-type accounts)))))
`;
  const [f] = await only(text, "guix/root-op-in-service-dir");
  assert.equal(f.service, "s");
  assert.match(f.message, /^Root-run activation code/);
});

test("asciiName makes names fit for accounts and store items", () => {
  assert.equal(asciiName("boîte-à-idées"), "boite-a-idees");
  assert.equal(asciiName("vpn λ 😀"), "vpn");
  assert.equal(asciiName("(symbol-append 'x)"), "symbol-append-x");
});

test("old channels: dmd-service records extending dmd-root-service-type are shepherd services too", async () => {
  const text = `(define-module (old lshd))
(define (lshd-dmd-service config)
  (list (dmd-service
         (provision '(lshd))
         (start #~(make-forkexec-constructor (list #$(file-append lsh "/sbin/lshd") "-p" "22")))
         (stop #~(make-kill-destructor)))))
(define lshd-service-type
  (service-type (name 'lshd)
                (extensions (list (service-extension dmd-root-service-type lshd-dmd-service)))))
`;
  const a = await analyzeText(text, "guix");
  const daemon = a.model.services.find((s) => s.kind === "shepherd-service");
  assert.equal(daemon?.name, "lshd");
  assert.equal(daemon?.parent, "lshd");
  assert.ok(a.findings.some((f) => f.ruleId === "guix/runs-as-root" && f.service === "lshd"));
  a.document.dispose();
});

test("runs-as-root says so when the daemon is told to switch user itself", async () => {
  const text = `(define (statd-shepherd-service config)
  (list (shepherd-service
         (provision '(statd))
         (start #~(make-forkexec-constructor
                   (list #$(file-append statd "/sbin/statd") "--user" "statd" "--chroot" "/var/empty"))))))
`;
  const a = await analyzeText(text, "guix");
  const f = a.findings.find((x) => x.ruleId === "guix/runs-as-root");
  assert.ok(f);
  assert.match(f.message, /until it drops privileges itself \(it is given --user\)/);
  a.document.dispose();
});
