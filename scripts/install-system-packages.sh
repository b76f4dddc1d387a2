#!/usr/bin/env bash
# Install the Debian/Ubuntu packages xrjig needs beside its Python wheels: Qt's xcb
# platform libraries, Mesa OpenGL/EGL, Xvfb for the tests, debootstrap for the Monado
# test runtime (list: .ci/apt-packages.txt). As root it runs apt directly (CI machines and
# containers often have no sudo); as a user it asks sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $(cat .ci/apt-packages.txt)
