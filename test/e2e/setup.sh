#!/usr/bin/env bash
# Installs code-server (a real VS Code served to a browser) into a cache outside the repository,
# for the editor end-to-end test (test/e2e/editor.e2e.mjs). Reuses the cache when it is complete.
# Prints the code-server directory as the last line of stdout.
#
# Why each step (found when installing it as a new user would, see issue #4):
# - code-server's npm postinstall insists on running `npm install` with --unsafe-perm as root and
#   builds the built-in extensions' dev dependencies; we do its useful part by hand instead:
#   `npm install --ignore-scripts`, then node-gyp for the native modules VS Code's server loads.
# - argon2 normally downloads a prebuilt binary (node-pre-gyp); the -D flags tell node-gyp where
#   argon2.js looks for the module it builds.
# - @vscode/ripgrep downloads rg in its own postinstall; Debian's rg does the same job.
# - VS Code looks for some modules under node_modules.asar; a symlink stands in for the archive.
set -euo pipefail

CS_VERSION="${SWAPGS_LAB_CODE_SERVER_VERSION:-4.100.3}" # the last code-server line on Node 20 (VS Code 1.100)
CACHE_DIR="${SWAPGS_LAB_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/swapgs-lab-e2e}"
DEST="$CACHE_DIR/code-server-$CS_VERSION"

if [[ -f "$DEST/.complete" ]]; then
  echo "code-server $CS_VERSION cached in $DEST" >&2
  echo "$DEST/node_modules/code-server"
  exit 0
fi

die() { echo "test/e2e/setup.sh: $*" >&2; exit 1; }

node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$node_major" == 20 ]] || die "code-server $CS_VERSION needs Node 20, found $(node --version)"
for tool in rg make g++ pkg-config krb5-config python3; do
  command -v "$tool" >/dev/null || die "missing $tool (apt-get install -y ripgrep build-essential pkg-config libkrb5-dev python3)"
done

# node-gyp ships inside npm; prefer the headers installed next to node (no download) when they match.
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
[[ -d "$npm_dir/node_modules/node-gyp" ]] || npm_dir="$(npm root -g)/npm"
gyp_js="$npm_dir/node_modules/node-gyp/bin/node-gyp.js"
if [[ -f "$gyp_js" ]]; then
  GYP=(node "$gyp_js")
elif command -v node-gyp >/dev/null; then
  GYP=(node-gyp) # e.g. Debian's node-gyp package, when npm comes without it
else
  die "cannot find node-gyp (looked in $npm_dir and on PATH)"
fi
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
gyp_args=(rebuild -j 2)
if [[ -f "$node_prefix/include/node/node_version.h" ]] &&
   grep -q "define NODE_PATCH_VERSION $(node -p 'process.versions.node.split(".")[2]')\$" "$node_prefix/include/node/node_version.h"; then
  gyp_args+=("--nodedir=$node_prefix")
fi

start=$SECONDS
mkdir -p "$CACHE_DIR"
work="$(mktemp -d "$CACHE_DIR/.building.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "installing code-server $CS_VERSION into $DEST ..." >&2
(cd "$work" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error --prefix . "code-server@$CS_VERSION" >&2)
cs="$work/node_modules/code-server"
(cd "$cs/lib/vscode" && npm install --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error >&2)

vs_modules="$cs/lib/vscode/node_modules"
for dir in "$vs_modules"/*/binding.gyp "$vs_modules"/@*/*/binding.gyp; do
  dir="$(dirname "$dir")"
  case "$dir" in *windows-*) continue ;; esac # Windows-only modules do not build here
  echo "  node-gyp ${dir#"$vs_modules/"}" >&2
  (cd "$dir" && "${GYP[@]}" "${gyp_args[@]}" >"$work/gyp.log" 2>&1) || { tail -30 "$work/gyp.log" >&2; die "building $dir failed"; }
done
echo "  node-gyp argon2" >&2
(cd "$work/node_modules/argon2" && "${GYP[@]}" "${gyp_args[@]}" -- -Dmodule_name=argon2 \
  -Dmodule_path=lib/binding/napi-v3 -Dnapi_build_version=3 >"$work/gyp.log" 2>&1) ||
  { tail -30 "$work/gyp.log" >&2; die "building argon2 failed"; }

mkdir -p "$vs_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$vs_modules/@vscode/ripgrep/bin/rg"
ln -sfn node_modules "$cs/lib/vscode/node_modules.asar"

# Smoke check: the native modules load and the entry point runs.
(cd "$cs/lib/vscode" && node -e "for (const m of ['@vscode/spdlog', 'node-pty', '@parcel/watcher', 'kerberos', 'native-watchdog']) require(m)") ||
  die "a native module does not load"
(cd "$work/node_modules/argon2" && node -e "require('./argon2.js')") || die "argon2 does not load"
(cd "$cs" && node out/node/entry.js --version >&2) || die "code-server does not start"

rm -f "$work/gyp.log"
touch "$work/.complete"
rm -rf "$DEST"
mv "$work" "$DEST"
trap - EXIT
echo "code-server $CS_VERSION ready in $DEST ($((SECONDS - start)) s)" >&2
echo "$DEST/node_modules/code-server"
