#!/usr/bin/env bash
# Installs what ndp needs on a fresh Debian machine that already has Go.
# Idempotent and unattended: apt runs only when a package is missing.
set -euo pipefail

# Debian packages: MuJoCo 2.2.2 for the robot tasks, Mesa's OSMesa/EGL for
# offscreen rendering.
pkgs=(libmujoco-dev libegl-dev libegl-mesa0 libgl1-mesa-dri)

missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v go >/dev/null || { echo "setup: Go is not on PATH (install Go >= 1.26)" >&2; exit 1; }

# Go 1.27 comes as a toolchain module from the module proxy (about 76 MB,
# once per machine); fetch it now so that the first build does not look hung.
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
go version >/dev/null || { echo "setup: could not get the Go toolchain $GOTOOLCHAIN" >&2; exit 1; }
