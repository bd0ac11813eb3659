import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { LspTestClient } from "../helpers/lsp-client";

const ACCOUNTS = `(define-module (site accounts)
  #:use-module (gnu system shadow)
  #:export (%foo-accounts))

(define %foo-accounts
  (list (user-group (name "foo") (system? #t))
        (user-account
         (name "foo")
         (group "foo")
         (system? #t)
         (home-directory "/var/lib/foo"))))
`;

const ACTIVATION = `(define-module (site foo-setup)
  #:use-module (gnu services)
  #:use-module (guix gexp))

(define foo-setup-service-type
  (service-type
   (name 'foo-setup)
   (extensions
    (list (service-extension activation-service-type
                             (const #~(copy-file #$(plain-file "foo.conf" "x = 1\\n")
                                                 "/var/lib/foo/foo.conf")))))
   (default-value #f)
   (description "Install foo's configuration.")))
`;

let dir: string;
let client: LspTestClient;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-ws-"));
  fs.mkdirSync(path.join(dir, "site"));
  fs.writeFileSync(path.join(dir, "site/accounts.scm"), ACCOUNTS);
  fs.writeFileSync(path.join(dir, "site/foo-setup.scm"), ACTIVATION);
  client = new LspTestClient();
  await client.connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "ws" }],
    capabilities: { workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } }, window: { workDoneProgress: true } },
  });
  client.connection.onRequest("client/registerCapability", () => null);
  client.connection.onRequest("window/workDoneProgress/create", () => null);
  await client.connection.sendNotification("initialized", {});
});

after(async () => {
  await client.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("ownership declared in another file of the workspace makes a root-run write unsafe, and follows that file's changes", async () => {
  const uri = pathToFileURL(path.join(dir, "site/foo-setup.scm")).href;
  await client.open(uri, "scheme", ACTIVATION, 1);
  const diagnostics = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === "guix/root-op-in-service-dir"), 15000);
  const finding = diagnostics.find((d) => d.code === "guix/root-op-in-service-dir")!;
  assert.match(String(finding.message), /below \/var\/lib\/foo which the foo account owns/);

  // the other file stops giving /var/lib/foo to foo: after the watched-file event, the finding goes
  fs.writeFileSync(path.join(dir, "site/accounts.scm"), ACCOUNTS.replace('"/var/lib/foo"', '"/var/empty"'));
  await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: pathToFileURL(path.join(dir, "site/accounts.scm")).href, type: 2 }] });
  const after = await client.waitForDiagnostics(uri, (p) => !p.diagnostics.some((d) => d.code === "guix/root-op-in-service-dir"), 15000);
  assert.ok(!after.some((d) => d.code === "guix/root-op-in-service-dir"));
});
