#!/usr/bin/env bash
# Install the Debian/Ubuntu packages xrjig needs beside its Python wheels: Qt's xcb
# platform libraries, Mesa OpenGL/EGL, Xvfb for the tests, debootstrap for the Monado
# test runtime, python3-venv for the README's `python3 -m venv` (list: .ci/apt-packages.txt),
# and a CJK font (fonts-noto-cjk) where fontconfig knows none, so the Chinese interface and
# report never draw boxes.
# As root it runs apt directly (CI machines and containers often have no sudo); as a user
# it asks sudo.
#
# Debian 12/13 and Ubuntu 22.04/24.04 name a few of these differently: from Debian 13 and
# Ubuntu 24.04 on, libraries rebuilt for 64-bit time carry a "t64" suffix (libglib2.0-0t64).
# Other systems get one line saying what to do instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${XRJIG_DRY_RUN:-}" ] && ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-packages: no apt-get here; install the equivalents of .ci/apt-packages.txt" \
       "with your system's package manager (Qt xcb libraries, Mesa GL/EGL, Xvfb), then go on" >&2
  exit 0
fi
ID="" VERSION_ID=""
# shellcheck disable=SC1091
OS_RELEASE=${XRJIG_OS_RELEASE:-/etc/os-release}  # tests point this at other systems' files
[ -r "$OS_RELEASE" ] && . "$OS_RELEASE"
t64=no
case "$ID:${VERSION_ID%%.*}" in
  debian:1[3-9]|ubuntu:2[4-9]|ubuntu:[3-9]*) t64=yes ;;
esac
packages=()
while read -r package; do
  [ -n "$package" ] || continue
  if [ "$t64" = yes ] && [ "$package" = "libglib2.0-0" ]; then
    package=libglib2.0-0t64
  fi
  packages+=("$package")
done < .ci/apt-packages.txt
# a font with Chinese glyphs, unless the system has one (XRJIG_CJK_FONTS: what fontconfig
# would say, for tests; empty means none)
if [ -n "${XRJIG_CJK_FONTS+set}" ]; then
  cjk_fonts=$XRJIG_CJK_FONTS
elif command -v fc-list >/dev/null 2>&1; then
  cjk_fonts=$(fc-list :lang=zh family 2>/dev/null | head -n 1)
else
  cjk_fonts=""
fi
[ -n "$cjk_fonts" ] || packages+=(fonts-noto-cjk)
if [ -n "${XRJIG_DRY_RUN:-}" ]; then  # print what would be installed, install nothing
  printf '%s\n' "${packages[@]}"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${packages[@]}"
