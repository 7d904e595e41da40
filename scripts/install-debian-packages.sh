#!/usr/bin/env bash
# Debian packages the tests and benchmarks need: Chromium for Playwright (never a downloaded
# browser), wrk for the load benchmark, fonts for readable screenshots. Idempotent; needs root.
set -euo pipefail
packages=(chromium fonts-dejavu-core wrk)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
