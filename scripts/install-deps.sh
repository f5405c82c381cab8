#!/usr/bin/env bash
# Installs, from Debian's packages, whatever portico needs that is missing.
# Idempotent: checks dpkg first and runs `apt-get update` only when something is missing.
# Usage: scripts/install-deps.sh [build|test|bench|all]   (default: test)
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config
  libssl-dev openssl zlib1g-dev libbrotli-dev libzstd-dev libc-ares-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  curl python3 python3-pytest python3-requests python3-brotli python3-zstandard
  wrk
  nginx-light          # a real upstream for the reverse proxy tests
  chromium chromium-driver  # the status page's browser test
)
# testssl.sh: TLS configuration scanner, run by hand against the HTTPS listener (docs/tls.md).
bench_pkgs=(wrk nghttp2-client h2o lighttpd lighttpd-mod-openssl testssl.sh)

want=("${build_pkgs[@]}")
case "${1:-test}" in
  build) ;;
  test) want+=("${test_pkgs[@]}") ;;
  bench | all) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# policy-rc.d keeps Debian from starting nginx/lighttpd/h2o services on port 80. A policy
# the machine already has is left as it is.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  "${sudo[@]}" sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  trap '"${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
