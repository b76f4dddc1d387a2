# Shared by setup.sh, start.sh, stop.sh and run.sh (sourced, not run).
#
# How project code runs against Monado: Debian 12 has no Monado and trixie's libraries need
# glibc 2.38, so Monado lives in a trixie chroot. The project's own Python (the host's
# interpreter prefix, sys.base_prefix) and the repository checkout are bind-mounted into the
# chroot at the SAME paths, and the repo's .venv/bin/python runs inside it: the interpreter
# then loads trixie's glibc, Mesa, Vulkan and the OpenXR runtime natively, and child
# processes work too (unlike running the host python through the chroot's ld-linux).
#
# One monado-service at a time per machine: the remote device listens on TCP 4242, which
# all chroots share. A host-wide lock (LOCK_FILE) is held by the service process itself for
# its whole life, so a second start waits until the first service has stopped.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
DEFAULT_ROOT=${XRJIG_MONADO_ROOT:-/var/tmp/xrjig-monado}
LOCK_FILE=${XRJIG_MONADO_LOCK:-/run/lock/xrjig-monado.lock}
# inside the chroot
XDG_DIR=/tmp/xrjig-xdg
SOCKET=$XDG_DIR/monado_comp_ipc
PID_FILE=/tmp/xrjig-monado-service.pid
SERVICE_LOG=/tmp/xrjig-monado-service.log

die() { echo "monado: $*" >&2; exit 1; }

# Host directories that must appear at the same path inside the chroot: the checkout, the
# Python prefix the venv is built on (sys.base_prefix) and the venv (sys.prefix) when it
# lies outside the checkout.
bind_dirs() {
  local py=${XRJIG_PYTHON:-$REPO_DIR/.venv/bin/python}
  [ -x "$py" ] || die "no Python at $py (create the repo's .venv first, or set XRJIG_PYTHON)"
  echo "$REPO_DIR"
  "$py" -c 'import sys; print(sys.base_prefix); print(sys.prefix)' | while read -r d; do
    case "$d/" in "$REPO_DIR"/*) ;; *) echo "$d" ;; esac
  done | sort -u
}

mount_root() {
  local r=$1 d
  mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
  mountpoint -q "$r/dev" || mount --rbind /dev "$r/dev"
  mountpoint -q "$r/sys" || mount -t sysfs sys "$r/sys"
  while read -r d; do
    mkdir -p "$r$d"
    mountpoint -q "$r$d" || mount --bind "$d" "$r$d"
  done < <(bind_dirs)
}

# Unmount what mount_root mounted, and nothing else (others may have their own mounts in
# a shared dev rootfs). /dev is an rbind: it must go with umount -R, or deleting the rootfs
# would delete the host's /dev.
umount_root() {
  local r m
  r=$(realpath "$1")
  for m in dev proc sys; do
    if mountpoint -q "$r/$m"; then umount -R "$r/$m" || umount -R -l "$r/$m"; fi
  done
  while read -r m; do
    if mountpoint -q "$r$m"; then umount "$r$m" || umount -l "$r$m"; fi
  done < <(bind_dirs)
}

# Environment of processes inside the chroot: a clean one, plus the knobs callers pass.
chroot_env() {
  local v
  echo "PATH=/usr/local/bin:/usr/bin:/bin"
  echo "HOME=/root"
  echo "XDG_RUNTIME_DIR=$XDG_DIR"
  echo "LANG=C.UTF-8"
  for v in DISPLAY PYOPENGL_PLATFORM EGL_PLATFORM QT_QPA_PLATFORM XR_LOADER_DEBUG \
           PYTHONFAULTHANDLER PYTHONUNBUFFERED; do
    [ -n "${!v:-}" ] && echo "$v=${!v}"
  done
  env | grep -E '^XRJIG_' || true
}

service_pid() {
  local r=$1 pid
  [ -f "$r$PID_FILE" ] || return 1
  pid=$(cat "$r$PID_FILE")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}
