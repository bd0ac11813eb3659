// Bundles client, server and CLI with esbuild and copies the three wasm files beside them.
import * as esbuild from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const out = path.join(root, "out");
fs.mkdirSync(path.join(out, "wasm"), { recursive: true });

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  logLevel: "warning",
  define: { POLA_VERSION: JSON.stringify(pkg.version) },
  // the CommonJS build of web-tree-sitter: its ESM build needs import.meta.url, which a CJS bundle lacks
  alias: { "web-tree-sitter": path.join(root, "node_modules/web-tree-sitter/web-tree-sitter.cjs") },
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: [path.join(root, "client/src/extension.ts")], outfile: path.join(out, "client.js"), external: ["vscode"] }),
  esbuild.build({ ...common, entryPoints: [path.join(root, "server/src/main.ts")], outfile: path.join(out, "server.js") }),
  esbuild.build({ ...common, entryPoints: [path.join(root, "server/src/cli/main.ts")], outfile: path.join(out, "cli.js") }),
]);

const wasm = {
  "web-tree-sitter.wasm": "node_modules/web-tree-sitter/web-tree-sitter.wasm",
  "tree-sitter-scheme.wasm": "grammars/tree-sitter-scheme/tree-sitter-scheme.wasm",
  "tree-sitter-nix.wasm": "node_modules/@cursorless/tree-sitter-wasms/out/tree-sitter-nix.wasm",
};
for (const [name, from] of Object.entries(wasm)) {
  const source = path.join(root, from);
  if (!fs.existsSync(source)) {
    console.error(`bundle: missing ${from}`);
    process.exitCode = 1;
    continue;
  }
  fs.copyFileSync(source, path.join(out, "wasm", name));
}
