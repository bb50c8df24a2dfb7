#!/usr/bin/env bash
# Installs what Sukusuku needs from Debian 12 packages, and nothing that is already there.
#   deploy/install-deps.sh          build and run (compiler, libraries)
#   deploy/install-deps.sh --test   also what the tests need (MariaDB server, ...)
#   deploy/install-deps.sh --bench  also what the benchmarks need (wrk, ...)
#   deploy/install-deps.sh --cluster  also what the several-node scripts need (nginx, ...)
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libpoco-dev libmysqlcppconn-dev libcpp-jwt-dev libkainjow-mustache-dev libcurl4-openssl-dev
  nlohmann-json3-dev libsodium-dev libsqlite3-dev libssl-dev libgtest-dev
  libvips-dev libxlsxwriter-dev libqrencode-dev
)
# Browser tests: Debian's Chromium (driven by playwright-core from the npm registry) and
# Japanese fonts so screenshots show text, not boxes.
test_pkgs=(mariadb-server mariadb-client chromium fonts-noto-cjk)
# Benchmarks compare with vipsthumbnail and ImageMagick in the same run.
bench_pkgs=(wrk libvips-tools imagemagick)
# The several-node scripts (deploy/cluster) put nginx in front of the app nodes.
cluster_pkgs=(nginx-light mariadb-backup)

want=("${build_pkgs[@]}")
for arg in "$@"; do
  case "$arg" in
    --test) want+=("${test_pkgs[@]}") ;;
    --bench) want+=("${bench_pkgs[@]}") ;;
    --cluster) want+=("${cluster_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

# Node.js for the browser tests, from Debian unless the machine already has a node and npm.
if [[ " ${want[*]} " == *" chromium "* ]] && ! { command -v node && command -v npm; } >/dev/null; then
  want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Never start the distribution's MariaDB service: the tests run a private server.
$sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
