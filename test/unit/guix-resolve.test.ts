/**
 * Static resolution in the Guix analysis: the paths of root-run operations and the ownership claims
 * pola learns, seen through extractGuix's details (ops, claims, services).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { GuixDetails, PathOp } from "../../server/src/guix/model";
import type { PathClaim } from "../../server/src/model/service";
import type { Value } from "../../server/src/model/value";
import { analyzeText } from "../helpers/fixtures";

async function details(text: string): Promise<GuixDetails> {
  const a = await analyzeText(text, "guix");
  a.document.dispose();
  assert.equal(a.parseErrors, 0);
  return a.model.details as GuixDetails;
}

/** The path of the first op named `op` (in file order). */
async function pathOf(text: string, op = "chown"): Promise<Value<string>> {
  const d = await details(text);
  const found = d.ops.find((o: PathOp) => o.op === op);
  assert.ok(found, `an ${op} op`);
  return found.path;
}

const known = (value: string) => ({ kind: "known", value });
const claimsOf = async (text: string) => (await details(text)).claims.map((c: PathClaim) => `${c.how} ${c.account} ${c.path}`);

test("literals, string-append and in-vicinity", async () => {
  assert.deepEqual(await pathOf(`(define (a) #~(chown "/var/lib/a/x" 1 1))`), known("/var/lib/a/x"));
  assert.deepEqual(await pathOf(`(define (a) #~(chown (string-append "/var/lib/" "a" "/x") 1 1))`), known("/var/lib/a/x"));
  assert.deepEqual(await pathOf(`(define (a) #~(chown (in-vicinity "/var/lib/a" "x") 1 1))`), known("/var/lib/a/x"));
  assert.deepEqual(await pathOf(`(define (a) #~(chown (in-vicinity "/var/lib/a/" "x") 1 1))`), known("/var/lib/a/x"));
  const v = await pathOf(`(define (a) #~(chown (string-append (getenv "HOME") "/x") 1 1))`);
  assert.equal(v.kind, "unknown", "run-time values stay unknown");
});

test("let, let* and top-level defines, through ungexp", async () => {
  assert.deepEqual(
    await pathOf(`(define %base "/var/lib/b")
(define (act)
  (let* ((dir %base) (file (in-vicinity dir "f")))
    #~(let ((x #$file)) (chown x 1 1))))`),
    known("/var/lib/b/f"),
  );
  // plain let: a binding does not see its siblings
  const v = await pathOf(`(define (act) (let ((dir "/a") (file (in-vicinity dir "f"))) #~(chown #$file 1 1)))`);
  assert.equal(v.kind, "unknown");
});

test("define-configuration and define-record-type* defaults, and match-record", async () => {
  const config = `(define-configuration foo-configuration
  (state-directory (string "/var/lib/foo") "Where.")
  (log-directory maybe-string "No default."))
(define-record-type* <bar-configuration> bar-configuration make-bar-configuration bar-configuration?
  (data bar-configuration-data (default "/srv/bar")))
`;
  assert.deepEqual(await pathOf(config + `(define (act config) #~(chown #$(string-append (foo-configuration-state-directory config) "/db") 1 1))`), known("/var/lib/foo/db"));
  assert.deepEqual(await pathOf(config + `(define (act config) #~(chown #$(in-vicinity (bar-configuration-data config) "x") 1 1))`), known("/srv/bar/x"));
  assert.deepEqual(
    await pathOf(config + `(define (act config) (match-record config <bar-configuration> (data) #~(chown #$(in-vicinity data "y") 1 1)))`),
    known("/srv/bar/y"),
  );
  assert.deepEqual(
    await pathOf(config + `(define (act config) (match-record config <bar-configuration> ((data where)) #~(chown #$where 1 1)))`),
    known("/srv/bar"),
    "(field variable) renames",
  );
  const v = await pathOf(config + `(define (act config) #~(chown #$(foo-configuration-log-directory config) 1 1))`);
  assert.equal(v.kind, "unknown", "a field without default is unknown");
});

test("parameters through call sites: one site is known, several are conditional", async () => {
  const helper = `(define (give dir) #~(chown #$dir 1 1))\n`;
  assert.deepEqual(await pathOf(helper + `(define (a) (give "/var/lib/one"))`), known("/var/lib/one"));
  const v = await pathOf(helper + `(define (a) (give "/var/lib/one")) (define (b) (give (string-append "/var/lib/" "two")))`);
  assert.equal(v.kind, "conditional");
  assert.deepEqual(
    v.kind === "conditional" ? v.cases.map((c) => c.value) : [],
    ["/var/lib/one", "/var/lib/two"],
  );
  // keyword parameters and their defaults
  assert.deepEqual(await pathOf(`(define* (give #:key (dir "/var/lib/kw")) #~(chown #$dir 1 1)) (define (a) (give))`), known("/var/lib/kw"));
  assert.deepEqual(await pathOf(`(define* (give #:key (dir "/var/lib/kw")) #~(chown #$dir 1 1)) (define (a) (give #:dir "/srv/k"))`), known("/srv/k"));
  // a parameter of a recursive procedure does not loop
  const r = await pathOf(`(define (walk dir) #~(chown #$dir 1 1) (walk dir))`);
  assert.equal(r.kind, "unknown");
});

test("calls of the file's own helper procedures are evaluated by substitution", async () => {
  const text = `(define-configuration foo-configuration (log-directory (string "/var/log/foo") "Logs."))
(define (foo-log-file config name)
  (in-vicinity (foo-configuration-log-directory config) (string-append name ".log")))
(define (act config) #~(chown #$(foo-log-file config "main") 1 1))`;
  assert.deepEqual(await pathOf(text), known("/var/log/foo/main.log"));
  // a local binding of the same name shadows the helper
  const shadowed = await pathOf(`(define (f x) "/a") (define (act f) #~(chown #$(f 1) 1 1))`);
  assert.equal(shadowed.kind, "unknown");
});

test("shepherd service names from symbol-append and string->symbol", async () => {
  const text = `(define-record-type* <w> w make-w w? (name w-name (default "main")))
(define (svc config)
  (match-record config <w> (name)
    (shepherd-service
     (provision (list (symbol-append 'worker- (string->symbol name))))
     (start #~(make-forkexec-constructor (list "/bin/true") #:user "w" #:group "w")))))`;
  const a = await analyzeText(text, "guix");
  a.document.dispose();
  assert.deepEqual(
    a.model.services.map((s) => s.name),
    ["worker-main"],
  );
});

test("match-lambda `($ <record> a b …)` binds a, b, … to the record's fields in order (their defaults)", async () => {
  const text = `(define-record-type* <pond-configuration> pond-configuration make-pond-configuration pond-configuration?
  (package pond-configuration-package (default pond))
  (name pond-configuration-name (default "east"))
  (user pond-configuration-user (default "pond"))
  (port pond-configuration-port))
(define pond-shepherd-service
  (match-lambda
    (($ <pond-configuration> package name user port)
     (list (shepherd-service
            (provision (list (symbol-append 'pond- (string->symbol name))))
            (start #~(make-forkexec-constructor (list "/bin/pond" #$port) #:user #$user #:group #$user)))))))
(define (other-service cfg)
  (shepherd-service
   (provision (list (string->symbol
                     (string-append (pond-label
                                     cfg) "-setup"))))
   (start #~(make-forkexec-constructor (list "/bin/true") #:user "nobody2" #:group "nobody2"))))`;
  const a = await analyzeText(text, "guix");
  a.document.dispose();
  const services = a.model.services.filter((s) => s.kind === "shepherd-service");
  assert.deepEqual(
    services.map((s) => [s.name, s.authority.user]),
    [
      ["pond-east", known("pond")],
      // not resolvable: the expression as written, on one line
      ['(string->symbol (string-append (pond-label cfg) "-setup"))', known("nobody2")],
    ],
  );
});

test("ownership claims: chown, mkdir-p/perms, home directories, writable mappings", async () => {
  const claims = await claimsOf(`(define (accounts)
  (list (user-account (name "a") (group "a") (home-directory "/var/lib/a"))
        (user-account (name "b") (group "b") (home-directory "/var/empty"))
        (user-account (name "c") (group "c") (home-directory "/var/lib/c") (create-home-directory? #f))))
(define (act)
  #~(begin
      (chown "/srv/d" (passwd:uid (getpwnam "d")) 0)
      (chown "/srv/root-owned" 0 0)
      (let ((pw (getpwnam "e"))) (mkdir-p/perms "/srv/e" pw #o750))
      (mkdir-p/perms "/srv/root" (getpwnam "root") #o700)))
(define (svc)
  (shepherd-service
   (provision '(f))
   (start #~(make-forkexec-constructor
             (list #$(least-authority-wrapper "/bin/f"
                       #:mappings (list (file-system-mapping (source "/srv/f") (target source) (writable? #t))
                                        (file-system-mapping (source "/etc/f") (target source)))))
             #:user "f" #:group "f"))))`);
  assert.deepEqual(claims.sort(), [
    "chown d /srv/d",
    "home-directory a /var/lib/a",
    "mkdir-p/perms e /srv/e",
    "writable-mapping f /srv/f",
  ]);
});

test("a helper called with several paths claims each of them", async () => {
  const claims = await claimsOf(`(define (own dir) #~(chown #$dir (passwd:uid (getpwnam "g")) 0))
(define (a) (own "/srv/one"))
(define (b) (own "/srv/two"))`);
  assert.deepEqual(claims.sort(), ["chown g /srv/one", "chown g /srv/two"]);
});

test("ops attributed to services, with the innermost claim, and not after setuid", async () => {
  const d = await details(`(define (activation)
  #~(begin
      (mkdir-p/perms "/var/lib/h" (getpwnam "h") #o750)
      (mkdir-p/perms "/var/lib/h/keys" (getpwnam "h") #o700)
      (copy-file "/gnu/store/x" "/var/lib/h/keys/k")
      (let ((pw (getpwnam "h")))
        (setuid (passwd:uid pw))
        (copy-file "/gnu/store/x" "/var/lib/h/as-h"))))
(define h-service-type
  (service-type (name 'h) (extensions (list (service-extension activation-service-type activation)))))`);
  const copies = d.ops.filter((o) => o.op === "copy-file");
  assert.equal(copies.length, 1, "the copy after setuid is not a root op");
  assert.equal(copies[0].service, "h");
  assert.equal(copies[0].phase, "activation");
  assert.equal(copies[0].under?.path, "/var/lib/h/keys", "the innermost claim");
});

test("delete-file, rename-file and symlink are redirected only through a directory on the way", async () => {
  const d = await details(`(define (act)
  #~(begin
      (chown "/var/lib/i" (passwd:uid (getpwnam "i")) 0)
      (delete-file "/var/lib/i/pid")
      (delete-file "/var/lib/i/sub/pid")
      (symlink "/gnu/store/x" "/var/lib/i/current")))`);
  const under = d.ops.filter((o) => o.op !== "chown").map((o) => `${o.op} ${o.path.kind === "known" ? o.path.value : "?"} ${o.under ? "under" : "-"}`);
  assert.deepEqual(under, ["delete-file /var/lib/i/pid -", "delete-file /var/lib/i/sub/pid under", "symlink /var/lib/i/current -"]);
});

test("every output file of invoke is an op", async () => {
  const d = await details(`(define (act)
  #~(invoke "openssl" "req" "-keyout" "/var/lib/j/key.pem" "-out" "/var/lib/j/cert.pem"))`);
  assert.deepEqual(
    d.ops.map((o) => `${o.op} ${o.path.kind === "known" ? o.path.value : "?"}`),
    ["invoke … -keyout /var/lib/j/key.pem", "invoke … -out /var/lib/j/cert.pem"],
  );
});

test("gexps in computed-file and home activation are not root code", async () => {
  const d = await details(`(define (f)
  (computed-file "x" #~(begin (mkdir #$output) (chown #$output 0 0))))
(define (g)
  (simple-service 'h home-activation-service-type #~(chown "/home/u/x" 1 1)))`);
  assert.deepEqual(d.ops, []);
});
