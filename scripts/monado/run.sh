#!/bin/bash
# Usage: run.sh ROOT CMD...   Start monado-service in the chroot ROOT, run CMD inside the
# chroot (working directory: the current one if it is inside the checkout, else the
# checkout), then stop the service and unmount. Exit status: CMD's.
#
# CMD sees the checkout and the host Python prefix at their host paths, so
# `run.sh ROOT .venv/bin/python script.py` runs the project's venv against Monado.
# Passed through: DISPLAY, PYOPENGL_PLATFORM, EGL_PLATFORM, QT_QPA_PLATFORM, XRJIG_*.
# MONADO_DEVICES=remote|simulated|default picks the devices (see start.sh).
# USE_XVFB=1 also starts Xvfb :99 inside the chroot and sets DISPLAY for CMD.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ $# -ge 2 ] || die "usage: run.sh ROOT CMD..."
R=$(realpath "$1"); shift
xvfb=""
cleanup() {
  [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null
  "$SCRIPT_DIR/stop.sh" "$R"
}
trap cleanup EXIT
"$SCRIPT_DIR/start.sh" "$R" >&2
if [ "${USE_XVFB:-0}" = 1 ]; then
  chroot "$R" /usr/bin/env -i PATH=/usr/bin:/bin Xvfb :99 -screen 0 1280x1024x24 -nolisten tcp \
    >"$R/tmp/xrjig-xvfb.log" 2>&1 </dev/null &
  xvfb=$!
  for _ in $(seq 100); do [ -S "$R/tmp/.X11-unix/X99" ] && break; sleep 0.05; done
  export DISPLAY=:99
fi
set +e
"$SCRIPT_DIR/exec.sh" "$R" "$@"
exit $?
