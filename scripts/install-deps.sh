#!/usr/bin/env bash
# install-deps.sh — installs the Debian packages cliq builds and tests with, if any is missing.
# Needs root (or sudo) only when something must be installed. Debian 12 (bookworm) or newer.
set -euo pipefail
PKGS=(build-essential cmake pkg-config
      ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
      libclblast-dev libprotobuf-c-dev protobuf-c-compiler libonnx-dev libonnx-testdata
      libstb-dev zlib1g-dev python3)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
