"""``xrjig session serve|watch|secret|tls``: run, observe and secure a shared session.

``serve`` runs a Zenoh router for one named session: participants anywhere connect to it
(``--join ENDPOINT``); on one LAN they also find each other without it. ``watch`` prints
who joins and leaves and what they do to the task (grab, snap, release, step_done,
point_marked, measurement, reset, variant, complete) and their laser pointers (pointer,
on), one line (or JSON object) each, and at exit who is there, the steps done, every
point's verdict and whether the task is complete. ``secret``
writes a new random secret to a file (readable by its owner only): give it to the
participants; a router refuses anyone without it. ``tls`` makes the router's TLS
certificate and appends its authority to that file (app/collab/tls.py), for an encrypted
session: ``serve --tls-dir``, participants join ``tls/HOST:7447`` with the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from app.cli import number
from app.collab.link import open_link, read_authority, read_secret, zenoh_config
from app.collab.names import check_name
from app.collab.roster import Roster
from app.collab.task_wire import PointerChoice, Progress, TaskError, VariantChoice
from app.collab.task_wire import decode as decode_task
from app.collab.tls import router_files
from interaction.commands import (
    Reset,
    SharedHold,
    SharedMark,
    SharedMeasure,
    SharedPlace,
    SharedPose,
)
from scenes.model import SceneError

DEFAULT_LISTEN = "tcp/0.0.0.0:7447"
DEFAULT_TLS = "tls/0.0.0.0:7447"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="serve|watch|secret|tls")
    serve = actions.add_parser("serve", help="run a router for a named session")
    serve.add_argument("--session", required=True, help="the session's name")
    serve.add_argument("--secret-file", type=Path, required=True, help="file holding the session's secret")
    serve.add_argument("--listen", help=f"Zenoh endpoint (default {DEFAULT_LISTEN}, with --tls-dir {DEFAULT_TLS})")
    serve.add_argument("--tls-dir", type=Path, help="folder with the router certificate `session tls` made: "
                                                     "encrypted tls/ endpoints")
    serve.add_argument("--seconds", type=number(float, 0, 1e9, low_open=True), help="stop after this long")
    watch = actions.add_parser("watch", help="print who joins and leaves a session")
    watch.add_argument("--connect", help="the router's endpoint, e.g. tcp/host:7447 (default: the LAN)")
    watch.add_argument("--session", required=True, help="the session's name")
    watch.add_argument("--secret-file", type=Path, required=True, help="file holding the session's secret")
    watch.add_argument("--json", action="store_true", help="one JSON object per line")
    watch.add_argument("--seconds", type=number(float, 0, 1e9, low_open=True), help="stop after this long")
    secret = actions.add_parser("secret", help="write a new random session secret to a file")
    secret.add_argument("out", type=Path, help="the file to create (it must not exist)")
    tls = actions.add_parser("tls", help="make the router's TLS certificate and add its authority to the secret file")
    tls.add_argument("--session", required=True, help="the session's name")
    tls.add_argument("--secret-file", type=Path, required=True, help="the session's secret file (the certificate "
                                                                       "authority is appended to it)")
    tls.add_argument("--host", action="append", required=True,
                     help="a name or address participants connect to (repeat for several)")
    tls.add_argument("--out", type=Path, required=True, help="folder for router.pem and router-key.pem")


def run(args: argparse.Namespace) -> int:
    return {"serve": _serve, "watch": _watch, "secret": _secret, "tls": _tls}[args.action](args)


def _secret(args: argparse.Namespace) -> int:
    try:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SceneError(args.out, "exists already: a secret file is never overwritten") from None
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(24) + "\n")
    print(f"wrote a new session secret to {args.out} (readable by you only)", file=sys.stderr)
    return 0


def _tls(args: argparse.Namespace) -> int:
    from app.collab.tls import make_certificates

    session = check_name("session", args.session)
    read_secret(args.secret_file)  # a secret file it is
    if read_authority(args.secret_file) is not None:
        raise SceneError(args.secret_file, "already carries a TLS certificate: make a new secret file for a "
                                           "new one (`xrjig session secret`)")
    authority, cert, _ = make_certificates(session, args.host, args.out)
    with open(args.secret_file, "ab") as file:
        file.write(b"\n" + authority)
    print(f"wrote {cert} and its key for `serve --tls-dir {args.out}`, valid for {', '.join(args.host)}; "
          f"added the certificate authority to {args.secret_file}: give that file to the participants",
          file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import zenoh

    session = check_name("session", args.session)
    secret = read_secret(args.secret_file)
    tls_files = router_files(args.tls_dir) if args.tls_dir is not None else None
    listen = args.listen or (DEFAULT_TLS if tls_files else DEFAULT_LISTEN)
    if tls_files is not None and not listen.startswith("tls/"):
        raise SceneError(listen, "with --tls-dir the router listens on a tls/ endpoint, e.g. " + DEFAULT_TLS)
    with tempfile.TemporaryDirectory(prefix="xrjig-session-") as folder:
        users = Path(folder) / "users"  # Zenoh reads user:password pairs from a file
        fd = os.open(users, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(f"{session}:{secret}\n")
        try:
            router = zenoh.open(zenoh_config("router", listen=listen, dictionary_file=users, tls_files=tls_files))
        except zenoh.ZError as err:
            raise SceneError(listen, f"cannot serve session {session!r} there ({str(err).split(' at ')[0]})") from None
        os.unlink(users)  # read at start: the secret does not stay on disk
        print(f"serving session {session!r} on {listen}", file=sys.stderr, flush=True)
        try:
            _wait(args.seconds)
        finally:
            router.close()
    return 0


def _wait(seconds: float | None) -> None:
    end = time.monotonic() + seconds if seconds is not None else None
    while end is None or time.monotonic() < end:
        time.sleep(0.1 if end is None else max(0.0, min(0.1, end - time.monotonic())))


class _Watched:
    """What a watcher has been told of the task: verdicts, steps done, completion."""

    def __init__(self) -> None:
        self.points: dict[str, str] = {}
        self.steps_done: list[str] = []
        self.complete = False
        self.pointing: set[str] = set()

    def lines(self, name: str, actions: list) -> list[dict]:
        """The watch lines ``name``'s decoded task message makes (see ``_watch``)."""
        out: list[dict] = []
        for action in actions:
            if isinstance(action, Reset):
                self.points.clear()
                self.steps_done.clear()
                self.complete = False
                out.append({"kind": "reset"})
            elif isinstance(action, VariantChoice):
                out.append({"kind": "variant", "name": action.name})
            elif isinstance(action, SharedMeasure):
                if action.points:
                    a, b = np.asarray(action.points[:3]), np.asarray(action.points[3:])
                    out.append({"kind": "measurement", "distance_mm": round(float(np.linalg.norm(b - a)) * 1000, 3)})
            elif isinstance(action, PointerChoice):
                if action.on != (name in self.pointing):
                    (self.pointing.add if action.on else self.pointing.discard)(name)
                    out.append({"kind": "pointer", "on": action.on})
            elif isinstance(action, SharedMark):
                if self.points.get(action.point) != action.verdict.value:
                    self.points[action.point] = action.verdict.value
                    out.append({"kind": "point_marked", "point": action.point, "verdict": action.verdict.value})
            elif isinstance(action, SharedHold):
                out.append({"kind": "grab", "part": action.part})
            elif isinstance(action, SharedPlace):
                out.append({"kind": "snap", "part": action.part, "slot": action.slot} if action.slot
                           else {"kind": "release", "part": action.part})
            elif isinstance(action, Progress):
                for step in action.steps_done:
                    if step not in self.steps_done:
                        self.steps_done.append(step)
                        out.append({"kind": "step_done", "step": step})
                if action.complete and not self.complete:
                    self.complete = True
                    out.append({"kind": "complete"})
        return out


def _watch(args: argparse.Namespace) -> int:
    link = open_link(args.session, args.secret_file, connect=args.connect)
    roster = Roster()
    watched = _Watched()
    start = time.monotonic()
    end = start + args.seconds if args.seconds is not None else None

    def tell(events: list, catching_up: bool = False) -> None:
        for event in roster.apply(events):
            t = round(event.received - start, 3)
            if event.kind in ("joined", "left"):
                _say(args.json, {"t": t, "participant": event.name, "kind": event.kind})
            elif event.kind == "task":
                try:
                    actions = decode_task(event.payload, event.name)
                except TaskError as err:
                    roster.notes.append(f"{event.name}: {err}")
                    continue
                if catching_up:  # a state: where the others' parts are, not something they did now
                    actions = [a for a in actions if not isinstance(a, (SharedHold, SharedPlace, SharedMeasure))]
                for line in watched.lines(event.name, [a for a in actions if not isinstance(a, SharedPose)]):
                    _say(args.json, {"t": t, "participant": event.name, **line})

    try:
        tell(link.fetch_task_state(), catching_up=True)  # what was done before this watcher came
        while end is None or time.monotonic() < end:
            tell(link.drain())
            time.sleep(0.02)
        tell(link.drain())
        tell(link.fetch_task_state(), catching_up=True)  # the task as the participants have it now
    finally:
        link.close()
    state = {"kind": "state", "participants": roster.present(), "steps_done": watched.steps_done,
             "points": watched.points, "complete": watched.complete, "notes": roster.notes}
    if args.json:
        print(json.dumps(state), flush=True)
    else:
        print(f"in the session: {', '.join(state['participants']) or 'no one'}; steps done: "
              f"{', '.join(watched.steps_done) or 'none'}; verdicts: "
              f"{', '.join(f'{p} {v}' for p, v in watched.points.items()) or 'none'}"
              f"{'; the task is complete' if watched.complete else ''}", flush=True)
    return 0


def _say(as_json: bool, line: dict) -> None:
    if as_json:
        print(json.dumps(line), flush=True)
    else:
        what = " ".join(str(line[k]) for k in ("part", "slot", "step", "point", "verdict", "name") if line.get(k))
        what += {True: "on", False: "off"}.get(line.get("on"), "")
        print(f"{line['t']:8.2f} s  {line['participant']} {line['kind']}{' ' + what if what else ''}", flush=True)
