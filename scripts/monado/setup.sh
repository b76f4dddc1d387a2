#!/bin/bash
# Usage: setup.sh [ROOT]   Build (or bring up to date) the Monado chroot: a
# `debootstrap --variant=minbase` Debian trixie with monado-service and the Monado OpenXR
# runtime, Mesa (lavapipe Vulkan for the null compositor, GL/EGL for the OpenGL binding),
# Xvfb, the X/xcb libraries Qt needs, and the shared libraries the HOST's Python needs,
# since the project's venv runs inside the chroot (see common.sh). No Python packages are
# installed in the chroot: the repo's .venv is bind-mounted in.
#
# Root only. Idempotent: a second run with an unchanged package list does not touch the
# network. ROOT defaults to $XRJIG_MONADO_ROOT or /var/tmp/xrjig-monado. About 1 GB.
# MIRROR overrides the Debian mirror. To delete a rootfs, run stop.sh ROOT first (it
# unmounts /dev: rm -rf with /dev still bound would empty the host's /dev).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
R=${1:-$DEFAULT_ROOT}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts)"
PACKAGES=(
  # the OpenXR runtime and loader
  monado-service libopenxr1-monado libopenxr-loader1
  # Vulkan (lavapipe) for the null compositor; Mesa GL / EGL / GLX for the OpenGL binding
  mesa-vulkan-drivers libgl1-mesa-dri libglx-mesa0 libgl1 libegl1 libegl-mesa0
  # an X server for GLX sessions and Qt's xcb platform
  xvfb xauth
  libx11-6 libx11-xcb1 libxext6 libxrender1 libxrandr2 libxinerama1 libxcursor1 libxi6
  libxxf86vm1 libxkbcommon0 libxkbcommon-x11-0 libxcb1 libxcb-cursor0 libxcb-icccm4
  libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0
  libxcb-shape0 libxcb-xkb1 libxcb-glx0 libfontconfig1 libfreetype6 libdbus-1-3
  libglib2.0-0t64 libsm6 libice6
  # what the host Python (and the venv's wheels) load from the system
  libssl3t64 libffi8 libsqlite3-0 libbz2-1.0 liblzma5 zlib1g libreadline8t64 libncursesw6
  libuuid1 libnsl2 libtirpc3t64 libexpat1 libstdc++6 libgomp1
  ca-certificates
)
command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
started=$SECONDS
if [ ! -x "$R/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase trixie "$R" "$MIRROR"
fi
R=$(realpath "$R")
STAMP=$R/etc/xrjig-monado-packages
wanted=$(printf '%s\n' "${PACKAGES[@]}" | sort)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$wanted" ]; then
  mkdir -p "$R/tmp"
  cleanup() {
    {
      flock 8
      service_pid "$R" >/dev/null || umount_root "$R"
    } 8>"$R/tmp/xrjig-mount.lock"
  }
  trap cleanup EXIT
  mountpoint -q "$R/proc" || mount -t proc proc "$R/proc"
  mountpoint -q "$R/dev" || mount --rbind /dev "$R/dev"
  mountpoint -q "$R/sys" || mount -t sysfs sys "$R/sys"
  cp /etc/resolv.conf "$R/etc/resolv.conf"
  # the host may reach the mirror through a TLS-intercepting proxy: trust the host's CAs
  mkdir -p "$R/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$R" /usr/bin/env -u PIP_FIND_LINKS DEBIAN_FRONTEND=noninteractive apt-get update -q
  chroot "$R" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
  chroot "$R" update-ca-certificates >/dev/null
  chroot "$R" apt-get clean
  echo "$wanted" >"$STAMP"
fi
echo "Monado rootfs ready: $R ($((SECONDS - started)) s)"
