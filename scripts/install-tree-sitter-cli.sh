#!/bin/sh
# Installs the tree-sitter CLI 0.22.6 (ABI 14) from Debian trixie into a cache folder, without
# touching the system: the .debs are unpacked there and the binary runs through trixie's own
# dynamic loader (it needs glibc 2.39). Idempotent. Prints the path of a wrapper script.
#
#   scripts/install-tree-sitter-cli.sh            # install if needed, print wrapper path
#   "$(scripts/install-tree-sitter-cli.sh)" --version
#
# Progress goes to stderr; only the wrapper path goes to stdout.
set -eu

cache=${XDG_CACHE_HOME:-$HOME/.cache}/tree-sitter-0.22.6
wrapper="$cache/tree-sitter"
L="$cache/root/usr/lib/x86_64-linux-gnu"

if [ -x "$wrapper" ] && "$wrapper" --version >/dev/null 2>&1; then
  echo "$wrapper"
  exit 0
fi

case "$(uname -m)" in
  x86_64) ;;
  *) echo "install-tree-sitter-cli: only x86_64 is supported by this recipe" >&2; exit 1 ;;
esac

mkdir -p "$cache/lists/partial" "$cache/archives/partial" "$cache/root"

uri=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
  uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$uri" ] || uri=http://deb.debian.org/debian
echo "deb $uri trixie main" > "$cache/sources.list"

O="-o Dir::Etc::sourcelist=$cache/sources.list -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists=$cache/lists -o Dir::Cache=$cache -o Debug::NoLocking=1"
# shellcheck disable=SC2086
apt-get $O update >&2
# shellcheck disable=SC2086
(cd "$cache" && rm -f ./*.deb && apt-get $O download tree-sitter-cli libc6 libgcc-s1 >&2)
for d in "$cache"/*.deb; do dpkg -x "$d" "$cache/root"; done

cat > "$wrapper.tmp" <<WRAP
#!/bin/sh
# tree-sitter 0.22.6 from Debian trixie, run through trixie's loader (see scripts/install-tree-sitter-cli.sh)
exec "$L/ld-linux-x86-64.so.2" --library-path "$L" "$cache/root/usr/bin/tree-sitter" "\$@"
WRAP
chmod +x "$wrapper.tmp"
mv "$wrapper.tmp" "$wrapper"

"$wrapper" --version >&2
echo "$wrapper"
