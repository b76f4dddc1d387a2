#!/bin/bash
# Usage: start.sh [ROOT]   Start monado-service (null compositor) in the Monado chroot and
# return once its IPC socket is up. Stop it with stop.sh ROOT. ROOT defaults to
# $XRJIG_MONADO_ROOT or /var/tmp/xrjig-monado.
#
# MONADO_DEVICES picks the device set:
#   remote (default)  HMD + two Valve Index controllers + hand tracking; TCP 4242 takes poses
#   simulated         HMD + two WMR controllers
#   default           simulated HMD only
# Waits up to XRJIG_MONADO_WAIT seconds (default 300) for another service to finish first.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
R=$(realpath "${1:-$DEFAULT_ROOT}")
[ -x "$R/usr/bin/monado-service" ] || die "no Monado rootfs at $R (run scripts/monado/setup.sh $R)"
[ "$(id -u)" -eq 0 ] || die "needs root (chroot and mounts)"
WAIT=${XRJIG_MONADO_WAIT:-300}
SVC_ENV=(XRT_COMPOSITOR_NULL=1 XRT_NO_STDIN=1)
case "${MONADO_DEVICES:-remote}" in
  remote) SVC_ENV+=(P_OVERRIDE_ACTIVE_CONFIG=remote) ;;
  simulated) SVC_ENV+=(SIMULATED_ENABLE=1 SIMULATED_LEFT=wmr SIMULATED_RIGHT=wmr) ;;
  default) ;;
  *) die "MONADO_DEVICES must be remote, simulated or default" ;;
esac
if pid=$(service_pid "$R"); then die "monado-service already runs in $R (pid $pid)"; fi
mkdir -p "$(dirname "$LOCK_FILE")" "$R/tmp"
mapfile -t ENVS < <(chroot_env)
(
  # fd 9 (the host-wide lock) is inherited by monado-service: held for its whole life
  exec 9>"$LOCK_FILE"
  flock -w "$WAIT" 9 || { echo "another monado-service held $LOCK_FILE for ${WAIT}s"; exit 1; }
  echo "$BASHPID" >"$R$PID_FILE"
  {
    flock 8
    mount_root "$R"
  } 8>"$R/tmp/xrjig-mount.lock"
  mkdir -p "$R$XDG_DIR" && chmod 700 "$R$XDG_DIR"
  rm -f "$R$SOCKET"  # stale socket of a killed service: the new one would refuse to start
  exec chroot "$R" /usr/bin/env -i "${ENVS[@]}" "${SVC_ENV[@]}" monado-service
) >"$R$SERVICE_LOG" 2>&1 </dev/null 9>&- &
svc=$!
deadline=$((SECONDS + WAIT + 30))
while [ ! -S "$R$SOCKET" ] || [ "$(cat "$R$PID_FILE" 2>/dev/null)" != "$svc" ]; do
  if ! kill -0 "$svc" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
    kill "$svc" 2>/dev/null || true
    echo "monado: monado-service did not start; its log:" >&2
    cat "$R$SERVICE_LOG" >&2
    exit 1
  fi
  sleep 0.05
done
echo "monado-service up in $R (pid $svc, devices ${MONADO_DEVICES:-remote})"
