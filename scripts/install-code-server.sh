#!/usr/bin/env bash
# Installs code-server (which embeds the real VS Code workbench and extension host) into its own
# folder outside the repository, for the workbench tests in test/vscode/. Cached: a second run
# with the same version is a no-op.
#
# code-server 4.100.3 (VS Code 1.100.3) is the newest release that runs on Node 20. Two of its
# dependencies reach beyond the npm registry while installing; both are routed around here:
#   - @vscode/ripgrep downloads a ripgrep release unless the tarball is already in its cache
#     folder (<tmpdir>/vscode-ripgrep-cache-<package version>/); we put Debian's rg there.
#   - node-pty runs `npx node-gyp`, which must not stop to ask (npm_config_yes=true).
# Needs the Debian packages build-essential pkg-config python3 libkrb5-dev ripgrep.
#
# Usage: scripts/install-code-server.sh [DIR]   (default: $CAPSULE_CODE_SERVER_DIR or
#        ~/.cache/capsule-local-test/code-server). Prints the path of entry.js on success.
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
DIR="${1:-${CAPSULE_CODE_SERVER_DIR:-$HOME/.cache/capsule-local-test/code-server}}"
ENTRY="$DIR/node_modules/code-server/out/node/entry.js"

installed_version() {
  node -p "require('$DIR/node_modules/code-server/package.json').version" 2>/dev/null || true
}

if [ -f "$ENTRY" ] && [ "$(installed_version)" = "$VERSION" ] && [ -f "$DIR/.complete" ]; then
  echo "$ENTRY"
  exit 0
fi

for tool in rg cc make pkg-config python3 krb5-config; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install-code-server: '$tool' is missing; install the Debian packages build-essential pkg-config python3 libkrb5-dev ripgrep" >&2
    exit 1
  fi
done

# Stage Debian's ripgrep as the release tarball @vscode/ripgrep would download. The cache folder
# is named after the @vscode/ripgrep version that code-server's VS Code pins; rather than guess
# it, the tarball is offered under every published 1.x version (hard links, so it costs nothing).
TMP="$(node -p 'require("os").tmpdir()')"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp "$(command -v rg)" "$STAGE/rg"
TARBALL="$STAGE/ripgrep.tar.gz"
tar -C "$STAGE" -czf "$TARBALL" rg
mkdir -p "$TMP/vscode-ripgrep-cache-shared"
SHARED="$TMP/vscode-ripgrep-cache-shared/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
cp "$TARBALL" "$SHARED"
RG_VERSIONS="$(npm view @vscode/ripgrep versions --json | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    for (const v of JSON.parse(s)) if (v.startsWith("1.")) console.log(v);
  });')"
for v in $RG_VERSIONS; do
  d="$TMP/vscode-ripgrep-cache-$v"
  mkdir -p "$d"
  ln -f "$SHARED" "$d/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" 2>/dev/null \
    || cp "$SHARED" "$d/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
done

mkdir -p "$DIR"
rm -f "$DIR/.complete"
cd "$DIR"
[ -f package.json ] || echo '{"name":"capsule-local-code-server","private":true}' > package.json
echo "install-code-server: installing code-server@$VERSION into $DIR (several minutes)" >&2
npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund --loglevel=error \
  "code-server@$VERSION" >&2

if [ ! -f "$ENTRY" ]; then
  echo "install-code-server: $ENTRY is missing after npm install" >&2
  exit 1
fi
# The workbench's search and the file watcher need these native pieces; fail loudly if absent.
RG_BIN="$(find "$DIR/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin" -name rg 2>/dev/null | head -1)"
if [ -z "$RG_BIN" ]; then
  echo "install-code-server: @vscode/ripgrep has no rg binary; the cache workaround did not apply" >&2
  exit 1
fi
touch "$DIR/.complete"
echo "$ENTRY"
