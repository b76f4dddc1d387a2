#!/bin/bash
# Usage: stop.sh [ROOT]   Stop the monado-service start.sh started and unmount what it
# mounted (the /dev, /proc, /sys mounts and the bind-mounted Python prefix and checkout).
# Safe to call twice, and when nothing runs.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
R=$(realpath "${1:-$DEFAULT_ROOT}")
[ -d "$R" ] || exit 0
if pid=$(service_pid "$R"); then
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
fi
mkdir -p "$R/tmp"
{
  flock 8
  # another start.sh may have taken over this rootfs meanwhile: its mounts stay
  if ! service_pid "$R" >/dev/null; then
    rm -f "$R$SOCKET" "$R$PID_FILE"
    umount_root "$R"
  fi
} 8>"$R/tmp/xrjig-mount.lock"
