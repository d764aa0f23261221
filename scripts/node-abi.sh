#!/usr/bin/env bash
# Fetches an official Node binary from the npm registry (npm pack node-linux-<arch>@MAJOR) into .nodes/ and builds
# better-sqlite3 for its ABI from the installed package's sources, offline (node-gyp with that Node's own headers).
# Prints two lines: the node binary, the addon. Usage: scripts/node-abi.sh MAJOR   (make node24, make test-node24)
set -euo pipefail
cd "$(dirname "$0")/.."
major=${1:?usage: node-abi.sh MAJOR}
arch=$(node -p process.arch)
cache=.nodes
mkdir -p "$cache"

# 1. The tarball, once: it is ~50 MB and the same for every run (the cache folder is gitignored).
tgz=$(ls "$cache"/node-linux-"$arch"-"$major".*.tgz 2>/dev/null | sort -V | tail -1 || true)
if [[ -z "$tgz" ]]; then
  (cd "$cache" && npm pack --silent "node-linux-$arch@$major" >/dev/null)
  tgz=$(ls "$cache"/node-linux-"$arch"-"$major".*.tgz | sort -V | tail -1)
fi
home="$cache/node$major"
if [[ ! -x "$home/bin/node" || "$tgz" -nt "$home/bin/node" ]]; then
  rm -rf "$home" && mkdir -p "$home"
  tar -xzf "$tgz" -C "$home" --strip-components=1
fi
node_bin="$home/bin/node"
abi=$("$node_bin" -p process.versions.modules)

# 2. better-sqlite3 for that ABI: a copy of the installed package (its deps/ hold SQLite's sources) built with
#    npm's own node-gyp against the headers in the tarball (--nodedir), so nothing is downloaded.
out="$cache/sqlite-abi$abi-linux-$arch/better_sqlite3.node"
want=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
if [[ ! -f "$out" || "$(cat "$out.version" 2>/dev/null)" != "$want" ]]; then
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  src="$cache/build-sqlite-abi$abi"
  rm -rf "$src" && cp -r node_modules/better-sqlite3 "$src" && rm -rf "$src/build"
  (cd "$src" && "$OLDPWD/$node_bin" "$gyp" rebuild --release --nodedir="$OLDPWD/$home" -j "$(nproc)") >"$cache/build-sqlite-abi$abi.log" 2>&1 ||
    { tail -30 "$cache/build-sqlite-abi$abi.log" >&2; echo "node-abi: building better-sqlite3 for Node $major failed (log: $cache/build-sqlite-abi$abi.log)" >&2; exit 1; }
  mkdir -p "$(dirname "$out")"
  cp "$src/build/Release/better_sqlite3.node" "$out"
  echo "$want" >"$out.version"
  rm -rf "$src"
fi
echo "$node_bin"
echo "$out"
