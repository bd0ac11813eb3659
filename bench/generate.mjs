// Generates a tree of realistic service files (Guix and NixOS mixed) for the benchmarks:
// Guix files are the hand-written service fixtures with their names made unique; NixOS files are
// modules with many units in the shapes nixpkgs uses. Deterministic for a given size.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function guixSources() {
  const dirs = ["test/fixtures/services/guix", "examples/guix"];
  return dirs.flatMap((d) => fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith(".scm")).map((f) => fs.readFileSync(path.join(root, d, f), "utf8")));
}

function nixUnit(i, j) {
  const name = `svc${i}-${j}`;
  const hardened = j % 3 === 0;
  return `
  systemd.services.${name} = mkIf cfg.${name}.enable {
    description = "Generated service ${name}";
    wantedBy = [ "multi-user.target" ];
    after = [ "network.target" ];
    path = [ pkgs.coreutils ];
    environment.HOME = "/var/lib/${name}";
    serviceConfig = {
      ExecStart = "\${pkgs.hello}/bin/hello --port \${toString cfg.${name}.port}";
      Restart = "on-failure";
${hardened ? `      DynamicUser = true;
      StateDirectory = "${name}";
      ProtectSystem = "strict";
      ProtectHome = true;
      PrivateTmp = true;
      PrivateDevices = true;
      NoNewPrivileges = true;
      RestrictAddressFamilies = [ "AF_INET" "AF_INET6" "AF_UNIX" ];
      SystemCallFilter = [ "@system-service" "~@privileged" ];
      CapabilityBoundingSet = "";` : `      User = cfg.${name}.user;
      WorkingDirectory = "/var/lib/${name}";`}
    } // optionalAttrs cfg.${name}.debug {
      Environment = [ "DEBUG=1" ];
    };
  };
`;
}

function nixModule(i, units) {
  let body = `{ config, lib, pkgs, ... }:\n\nwith lib;\n\nlet\n  cfg = config.services.generated${i};\nin\n{\n  options.services.generated${i} = mkOption { type = types.attrs; default = { }; };\n\n  config = {`;
  for (let j = 0; j < units; j++) body += nixUnit(i, j);
  return body + "  };\n}\n";
}

/** Writes `files` files totalling about `lines` lines into `dir`; returns the list. */
export function generateTree(dir, files = 200, lines = 100000) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "guix"), { recursive: true });
  fs.mkdirSync(path.join(dir, "nixos"), { recursive: true });
  const guix = guixSources();
  const perFile = Math.round(lines / files);
  const written = [];
  for (let i = 0; i < files; i++) {
    let text;
    let file;
    if (i % 2 === 0) {
      text = "";
      let k = i;
      while (text.split("\n").length < perFile) {
        // make top-level names unique per copy so services don't collide
        text += guix[k++ % guix.length].replace(/\(define-module \(([^)]*)\)/, `(define-module ($1 copy${i}-${k})`) + "\n";
      }
      file = path.join(dir, "guix", `services-${i}.scm`);
    } else {
      const units = Math.max(1, Math.round(perFile / 28));
      text = nixModule(i, units);
      file = path.join(dir, "nixos", `module-${i}.nix`);
    }
    fs.writeFileSync(file, text);
    written.push(file);
  }
  return written;
}

/** One Guix file of about `lines` lines (for the per-edit latency benchmark). */
export function guixFile(lines) {
  const guix = guixSources();
  let text = "";
  for (let k = 0; text.split("\n").length < lines; k++) text += guix[k % guix.length] + "\n";
  return text;
}
