#!/bin/bash
# Usage: exec.sh ROOT CMD...   Run CMD inside the Monado chroot ROOT after start.sh
# mounted it (tests start the service once and run many commands; a test that killed the
# service may still run commands, to see how the project copes with a runtime that is down). Working
# directory: the current one if it is inside the checkout, else the checkout. Exit status:
# CMD's. Passed through: DISPLAY, PYOPENGL_PLATFORM, EGL_PLATFORM, QT_QPA_PLATFORM, XRJIG_*.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ $# -ge 2 ] || die "usage: exec.sh ROOT CMD..."
R=$(realpath "$1"); shift
mountpoint -q "$R/proc" || die "$R is not mounted (run scripts/monado/start.sh $R first)"
case "$PWD/" in "$REPO_DIR"/*) cwd=$PWD ;; *) cwd=$REPO_DIR ;; esac
mapfile -t ENVS < <(chroot_env)
exec chroot "$R" /usr/bin/env -i -C "$cwd" "${ENVS[@]}" "$@"
