#!/usr/bin/env bash
# Install the Debian packages (and npm packages) careercenter needs.
#
#   scripts/install-system-deps.sh            # everything the test suite needs (default)
#   scripts/install-system-deps.sh --runtime  # only what running the app needs
#
# Idempotent: packages already installed are skipped (checked with dpkg-query), so a second
# run does no apt work at all. Runs as root, or through `sudo -n` when not root.
set -euo pipefail

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
}

mode=test
for arg in "$@"; do
    case "$arg" in
        --runtime) mode=runtime ;;
        --test | --all) mode=test ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install-system-deps: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { echo "install-system-deps: $*" >&2; }

# Build dependencies of python-ldap (it has no Linux wheel and compiles from source);
# the TrueType font embedded in transcript PDFs.
runtime_packages=(libldap2-dev libsasl2-dev fonts-dejavu-core)
# Real peers and tools used by the tests (slapd, chromium, pdfsig/pdftoppm, zbarimg,
# certutil, xmlsec1 for pysaml2).
test_packages=(
    slapd ldap-utils libldap2-dev libsasl2-dev chromium poppler-utils zbar-tools
    libnss3-tools xmlsec1 libxmlsec1-dev pkg-config fonts-dejavu-core
)

node_major() {
    if command -v node >/dev/null 2>&1; then
        node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
    else
        echo 0
    fi
}

wanted=("${runtime_packages[@]}")
if [[ $mode == test ]]; then
    wanted=("${test_packages[@]}")
    # Node.js >= 20 is needed by oidc-provider v9; keep a newer Node that is already there
    # (e.g. from NodeSource, which bundles npm) instead of Debian's older one.
    if (( $(node_major) < 20 )); then
        wanted+=(nodejs npm)
    fi
fi

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${wanted[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if (( ${#missing[@]} > 0 )); then
    if [[ $EUID -eq 0 ]]; then
        as_root=(env DEBIAN_FRONTEND=noninteractive)
    elif command -v sudo >/dev/null 2>&1; then
        as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive)
    else
        log "need root or sudo to install: ${missing[*]}"
        exit 1
    fi
    # Wait (up to 10 min) for another apt/dpkg run to release its locks instead of failing.
    apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
    log "installing: ${missing[*]}"
    "${as_root[@]}" apt-get "${apt_opts[@]}" update -qq
    "${as_root[@]}" apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    for pkg in "${missing[@]}"; do
        if ! is_installed "$pkg"; then
            log "package $pkg is still not installed"
            exit 1
        fi
    done
else
    log "all ${mode} packages already installed"
fi

if [[ $mode == runtime ]]; then
    exit 0
fi

if (( $(node_major) < 20 )); then
    log "Node.js >= 20 is required (found $(node --version 2>/dev/null || echo none))"
    exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
    log "npm is missing"
    exit 1
fi

# npm packages used by the test peers (oidc-provider, axe-core). `npm ci` wipes and
# reinstalls node_modules, so skip it when the lock file has not changed since the last run.
cd "$repo_root"
stamp=node_modules/.careercenter-lock.sha256
npm_flags=(--no-audit --no-fund --loglevel=error)
if [[ -f package-lock.json ]]; then
    lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
    if [[ -f $stamp && "$(cat "$stamp")" == "$lock_sum" ]]; then
        log "node_modules is up to date"
    else
        log "npm ci"
        npm ci "${npm_flags[@]}" >/dev/null
        echo "$lock_sum" >"$stamp"
    fi
else
    log "npm install (no package-lock.json)"
    npm install "${npm_flags[@]}" >/dev/null
fi
