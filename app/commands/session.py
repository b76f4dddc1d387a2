"""``xrjig session serve|watch|secret``: run, observe and secure a shared session.

``serve`` runs a Zenoh router for one named session: participants anywhere connect to it
(``--join ENDPOINT``); on one LAN they also find each other without it. ``watch`` prints
who joins and leaves, one line (or JSON object) each, and at exit who is there. ``secret``
writes a new random secret to a file (readable by its owner only): give it to the
participants; a router refuses anyone without it.
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

from app.cli import number
from app.collab.link import SessionLink, read_secret, zenoh_config
from app.collab.names import check_name
from app.collab.roster import Roster
from scenes.model import SceneError

DEFAULT_LISTEN = "tcp/0.0.0.0:7447"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="serve|watch|secret")
    serve = actions.add_parser("serve", help="run a router for a named session")
    serve.add_argument("--session", required=True, help="the session's name")
    serve.add_argument("--secret-file", type=Path, required=True, help="file holding the session's secret")
    serve.add_argument("--listen", default=DEFAULT_LISTEN, help=f"Zenoh endpoint (default {DEFAULT_LISTEN})")
    serve.add_argument("--seconds", type=number(float, 0, 1e9, low_open=True), help="stop after this long")
    watch = actions.add_parser("watch", help="print who joins and leaves a session")
    watch.add_argument("--connect", help="the router's endpoint, e.g. tcp/host:7447 (default: the LAN)")
    watch.add_argument("--session", required=True, help="the session's name")
    watch.add_argument("--secret-file", type=Path, required=True, help="file holding the session's secret")
    watch.add_argument("--json", action="store_true", help="one JSON object per line")
    watch.add_argument("--seconds", type=number(float, 0, 1e9, low_open=True), help="stop after this long")
    secret = actions.add_parser("secret", help="write a new random session secret to a file")
    secret.add_argument("out", type=Path, help="the file to create (it must not exist)")


def run(args: argparse.Namespace) -> int:
    return {"serve": _serve, "watch": _watch, "secret": _secret}[args.action](args)


def _secret(args: argparse.Namespace) -> int:
    try:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SceneError(args.out, "exists already: a secret file is never overwritten") from None
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(24) + "\n")
    print(f"wrote a new session secret to {args.out} (readable by you only)", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import zenoh

    session = check_name("session", args.session)
    secret = read_secret(args.secret_file)
    with tempfile.TemporaryDirectory(prefix="xrjig-session-") as folder:
        users = Path(folder) / "users"  # Zenoh reads user:password pairs from a file
        fd = os.open(users, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(f"{session}:{secret}\n")
        try:
            router = zenoh.open(zenoh_config("router", listen=args.listen, dictionary_file=users))
        except zenoh.ZError as err:
            raise SceneError(args.listen, f"cannot serve session {session!r} there ({str(err).split(' at ')[0]})") from None
        os.unlink(users)  # read at start: the secret does not stay on disk
        print(f"serving session {session!r} on {args.listen}", file=sys.stderr, flush=True)
        try:
            _wait(args.seconds)
        finally:
            router.close()
    return 0


def _wait(seconds: float | None) -> None:
    end = time.monotonic() + seconds if seconds is not None else None
    while end is None or time.monotonic() < end:
        time.sleep(0.1 if end is None else max(0.0, min(0.1, end - time.monotonic())))


def _watch(args: argparse.Namespace) -> int:
    link = SessionLink(args.session, read_secret(args.secret_file), connect=args.connect)
    roster = Roster()
    start = time.monotonic()
    end = start + args.seconds if args.seconds is not None else None
    try:
        while end is None or time.monotonic() < end:
            for event in roster.apply(link.drain()):
                _say(args.json, round(event.received - start, 3), event.name, event.kind)
            time.sleep(0.02)
        for event in roster.apply(link.drain()):
            _say(args.json, round(event.received - start, 3), event.name, event.kind)
    finally:
        link.close()
    state = {"kind": "state", "participants": roster.present(), "notes": roster.notes}
    print(json.dumps(state) if args.json else f"in the session: {', '.join(state['participants']) or 'no one'}",
          flush=True)
    return 0


def _say(as_json: bool, t: float, name: str, kind: str) -> None:
    if as_json:
        print(json.dumps({"t": t, "participant": name, "kind": kind}), flush=True)
    else:
        print(f"{t:8.2f} s  {name} {kind}", flush=True)
