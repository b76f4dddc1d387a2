"""Shared sessions over Zenoh, with real processes on loopback: a router (``session
serve``), watchers, the autopilot joining as a participant (``check --join``) and a scripted
participant; a participant killed with -9 is seen leaving; a late watcher sees who is
there; a wrong secret is refused. In-process: presence arrives as the quantised frame that
was sent, a router restart is survived, and hostile names and messages are refused.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.collab.link import SessionLink, read_secret, zenoh_config
from app.collab.names import key
from app.collab.presence_wire import KEY_EVERY, MAGIC, Decoder, Encoder, WireError
from app.collab.roster import Roster
from devices.desktop import DesktopDevice
from interaction.recording import quantize
from scenes.model import SceneError
from tests.conftest import DATA

XRJIG = [sys.executable, "-m", "app"]
PINS = DATA / "models" / "pins-dowel-assembly" / "pins.glb"
SCRIPTED = """
import sys, time, numpy as np
from app.collab.link import SessionLink, read_secret
from devices.desktop import DesktopDevice
from pathlib import Path
endpoint, secret, seconds = sys.argv[1], read_secret(Path(sys.argv[2])), float(sys.argv[3])
link = SessionLink("review", secret, connect=endpoint, name="bob")
device = DesktopDevice(head=np.eye(4)); device.start()
t0 = time.monotonic()
while time.monotonic() - t0 < seconds:
    t = time.monotonic() - t0
    device.on_mouse_move(np.sin(t), np.cos(t) * 0.5)
    link.publish(device.poll(t), t)
    time.sleep(1 / 90)
link.close()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _xrjig(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*XRJIG, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "session.secret"
    done = subprocess.run([*XRJIG, "session", "secret", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and oct(path.stat().st_mode & 0o777) == "0o600"
    again = subprocess.run([*XRJIG, "session", "secret", str(path)], capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "never overwritten" in again.stderr
    return path


@pytest.fixture
def router(secret_file):
    endpoint = f"tcp/127.0.0.1:{_free_port()}"
    serve = _xrjig("session", "serve", "--session", "review", "--secret-file", str(secret_file),
                   "--listen", endpoint)
    line = serve.stderr.readline()
    assert "serving session 'review'" in line, line + serve.stderr.read()
    yield endpoint
    serve.terminate()
    serve.wait(timeout=10)


def _lines(process: subprocess.Popen, timeout: float) -> list[dict]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_joins_leaves_a_killed_participant_and_a_late_watcher(router, secret_file, tmp_path):
    watch = _xrjig("session", "watch", "--connect", router, "--session", "review",
                   "--secret-file", str(secret_file), "--json", "--seconds", "14")
    time.sleep(1.0)
    anna = _xrjig("check", str(PINS), "--join", router, "--session", "review", "--name", "anna",
                  "--secret-file", str(secret_file))
    bob = subprocess.Popen([sys.executable, "-c", SCRIPTED, router, str(secret_file), "6"],
                           stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    late = _xrjig("session", "watch", "--connect", router, "--session", "review",
                  "--secret-file", str(secret_file), "--json", "--seconds", "1")
    late_lines = _lines(late, timeout=30)  # done while both are still there
    assert bob.wait(timeout=30) == 0, bob.stderr.read()
    time.sleep(0.5)
    os.kill(anna.pid, signal.SIGKILL)  # no goodbye: the router must notice by itself
    anna.wait(timeout=10)
    lines = _lines(watch, timeout=30)
    seen = [(x["participant"], x["kind"]) for x in lines if x["kind"] in ("joined", "left")]
    assert seen == [("anna", "joined"), ("bob", "joined"), ("bob", "left"), ("anna", "left")] or seen == [
        ("bob", "joined"), ("anna", "joined"), ("bob", "left"), ("anna", "left")]
    # anna (the autopilot) assembled while she was there: each snap after a grab of that part
    task = [x for x in lines if x["kind"] in ("grab", "snap", "step_done")]
    assert task and all(x["participant"] == "anna" for x in task)
    snaps = [x for x in task if x["kind"] == "snap"]
    assert snaps and all({"kind": "grab", "part": x["part"]}.items() <= task[task.index(x) - 1].items()
                         for x in snaps)
    steps = [x["step"] for x in task if x["kind"] == "step_done"]
    assert lines[-1] == {"kind": "state", "participants": [], "steps_done": steps, "points": {},
                         "complete": False, "notes": []}
    # "left" within 5 s of the kill, which came 0.5 s after bob left (watcher times)
    left_at = {x["participant"]: x["t"] for x in lines if x["kind"] == "left"}
    assert 0.5 <= left_at["anna"] - left_at["bob"] < 0.5 + 5.0
    # the late watcher was told who was already there
    assert {x["participant"] for x in late_lines if x.get("kind") == "joined"} == {"anna", "bob"}
    assert late_lines[-1]["participants"] == ["anna", "bob"]


def test_a_wrong_secret_is_refused_in_one_line(router, tmp_path):
    wrong = tmp_path / "wrong.secret"
    wrong.write_text("not-the-secret-1234\n")
    done = subprocess.run([*XRJIG, "session", "watch", "--connect", router, "--session", "review",
                           "--secret-file", str(wrong), "--seconds", "1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "cannot join session 'review'" in done.stderr and "Traceback" not in done.stderr
    # another session's name with the right secret is refused too: the secret is per session
    other = subprocess.run([*XRJIG, "session", "watch", "--connect", router, "--session", "other",
                            "--secret-file", str(tmp_path / "session.secret"), "--seconds", "1"],
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 1 and "cannot join session 'other'" in other.stderr


def _router(tmp_path: Path, endpoint: str, secret: str):
    import zenoh

    users = tmp_path / "users"
    users.write_text(f"review:{secret}\n")
    return zenoh.open(zenoh_config("router", listen=endpoint, dictionary_file=users))


def _moving_frames(n: int):
    device = DesktopDevice(head=np.eye(4))
    device.start()
    for k in range(n):
        device.on_mouse_move(np.sin(k / 9), np.cos(k / 13) * 0.5)
        yield device.poll(k / 90)


def test_presence_arrives_as_the_quantised_frame_sent_and_survives_a_router_restart(tmp_path):
    secret, endpoint = "s3cret-for-tests", f"tcp/127.0.0.1:{_free_port()}"
    router = _router(tmp_path, endpoint, secret)
    anna = SessionLink("review", secret, connect=endpoint, name="anna")
    watcher = SessionLink("review", secret, connect=endpoint)
    roster = Roster()
    try:
        sent = []
        for frame in _moving_frames(60):
            anna.publish(frame, frame.t)
            sent.append(quantize(frame))
            time.sleep(0.005)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (roster.peers.get("anna") is None or roster.peers["anna"].sent < sent[-1].t):
            roster.apply(watcher.drain())
            time.sleep(0.01)
        peer = roster.peers["anna"]
        assert peer.sent == sent[-1].t and peer.frame.to_record().tobytes() == sent[-1].to_record().tobytes()
        assert roster.visible(time.monotonic())[0][0] == "anna" and roster.notes == []
        router.close()
        time.sleep(0.5)
        router = _router(tmp_path, endpoint, secret)
        deadline, heard = time.monotonic() + 10, None
        for frame in _moving_frames(2000):
            anna.publish(frame, 100 + frame.t)
            roster.apply(watcher.drain())  # "left" when the router went, "joined" when it is back
            heard = "anna" in roster.present() and roster.peers["anna"].sent >= 100
            if heard or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        assert heard, "presence did not resume after the router restarted"
    finally:
        anna.close()
        watcher.close()
        router.close()


def test_a_lost_delta_costs_only_itself_and_a_lost_key_its_half_second():
    encoder, decoder = Encoder(), Decoder()
    frames = list(_moving_frames(3 * KEY_EVERY))
    lost = {5, 2 * KEY_EVERY}  # a delta, then the third key
    shown = {}
    for k, frame in enumerate(frames):
        message = encoder.encode(frame, frame.t)
        if k in lost:
            continue  # lost on the way
        out = decoder.decode(message)
        shown[k] = out is not None
        if out is not None:
            assert out[2].to_record().tobytes() == quantize(frame).to_record().tobytes()
    dropped = sorted(k for k, ok in shown.items() if not ok)
    # after the lost delta the next ones decode (they are on the key); after the lost key,
    # its deltas cannot, until the next key (beyond these frames)
    assert dropped == list(range(2 * KEY_EVERY + 1, 3 * KEY_EVERY))
    assert decoder.decode(Encoder().encode(frames[0], 0.0)) is None  # an older key: not shown
    stale = Encoder()
    messages = [stale.encode(f, f.t) for f in frames[:3]]
    fresh = Decoder()
    assert fresh.decode(messages[2]) is None  # a delta with no key yet
    assert fresh.decode(messages[0]) is not None and fresh.decode(messages[2]) is not None
    assert fresh.decode(messages[1]) is None  # older than what was shown: newest wins


@pytest.mark.parametrize(("message", "problem"), [
    (b"", "cut short"),
    (MAGIC + b"\x01" + bytes(20), "does not decompress"),
    (b"XJP1\x01" + bytes(20), "unknown magic"),  # the first wire format: deltas on the previous message
    (b"NOPE" + bytes(20), "unknown magic"),
    (MAGIC + bytes(10_000), "at most"),
])
def test_hostile_presence_messages_are_one_line_each(message, problem):
    with pytest.raises(WireError, match=problem):
        Decoder().decode(message)


def test_a_roster_drops_bad_messages_and_says_so_once():
    from app.collab.link import LinkEvent

    roster = Roster()
    events = [LinkEvent("joined", "eve", received=0.0)] + [LinkEvent("presence", "eve", b"junk", 0.1)] * 3
    assert [e.kind for e in roster.apply(events)] == ["joined"]
    assert roster.peers["eve"].bad_messages == 3 and len(roster.notes) == 1 and roster.visible(0.2) == []


@pytest.mark.parametrize("name", ["*", "a/b", "**", "x$", "", "a" * 65, "bob\n"])
def test_names_cannot_leave_the_session_key_space(name):
    with pytest.raises(SceneError):
        key("review", "presence", name)
    with pytest.raises(SceneError):
        key(name, "presence", "bob")


def test_a_secret_file_is_checked(tmp_path):
    short = tmp_path / "short"
    short.write_text("abc\n")
    with pytest.raises(SceneError, match="8 or more"):
        read_secret(short)
    with pytest.raises(SceneError, match="cannot read"):
        read_secret(tmp_path / "missing")
    huge = tmp_path / "huge"
    huge.write_bytes(b"a-fine-secret\n" + b"x" * 20000)  # bounded before it is read whole
    with pytest.raises(SceneError, match="not a session secret file"):
        read_secret(huge)
    damaged = tmp_path / "damaged"
    damaged.write_bytes(b"a-fine-secret\n-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    from app.collab.link import read_authority

    assert read_secret(damaged) == "a-fine-secret"
    with pytest.raises(SceneError, match="certificate in the secret file is damaged"):
        read_authority(damaged)


def test_presence_before_the_liveliness_news_is_still_a_join():
    """Zenoh gives no order between a participant's liveliness token and its first
    presence: either may come first, and the join is told once either way."""
    from app.collab.link import LinkEvent

    message = Encoder().encode(next(_moving_frames(1)), 0.0)
    roster = Roster()
    changes = roster.apply([LinkEvent("presence", "bob", message, 1.0), LinkEvent("joined", "bob", received=1.1)])
    assert [(e.kind, e.name) for e in changes] == [("joined", "bob")] and roster.present() == ["bob"]
    assert [(e.kind, e.name) for e in roster.apply([LinkEvent("left", "bob", received=2.0)])] == [("left", "bob")]


@pytest.mark.parametrize(("payload", "problem"), [
    (b"not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"kind": "verdict", "point": "P1", "verdict": "maybe"}', "bad verdict"),
    (b'{"kind": "verdict", "point": 7, "verdict": "pass"}', "bad point id"),
    (b'{"kind": "state", "verdicts": {"P1": "pass"}}', "bad verdict entry"),
    (b'{"kind": "erase everything"}', "unknown kind"),
    (b"{" + b" " * 1_100_000 + b"}", "at most"),
])
def test_hostile_task_messages_are_one_line_each(payload, problem):
    from app.collab.task_wire import TaskError, decode

    with pytest.raises(TaskError, match=problem):
        decode(payload, "eve")


def test_verdicts_and_task_state_travel_and_a_late_watcher_is_told(tmp_path, secret_file):
    """A participant's verdict reaches a watcher as it is given, and a watcher that comes
    later gets it from the participants' task state (``session watch``'s final state too)."""
    from app.collab.task_wire import decode, state_message, verdict_message

    secret, endpoint = read_secret(secret_file), f"tcp/127.0.0.1:{_free_port()}"
    router = _router(tmp_path, endpoint, secret)
    anna = SessionLink("review", secret, connect=endpoint, name="anna")
    watcher = SessionLink("review", secret, connect=endpoint)
    try:
        anna.serve_task_state(lambda: state_message({"P1": ("defect", "burr on the edge")}))
        time.sleep(0.3)
        anna.publish_task(verdict_message("P2", "pass", ""))
        deadline, got = time.monotonic() + 5, []
        while time.monotonic() < deadline and not got:
            got = [e for e in watcher.drain() if e.kind == "task"]
            time.sleep(0.02)
        (mark,) = decode(got[0].payload, got[0].name)
        assert (mark.point, mark.verdict.value, mark.by) == ("P2", "pass", "anna")
        late = subprocess.run([*XRJIG, "session", "watch", "--connect", endpoint, "--session", "review",
                               "--secret-file", str(secret_file), "--json", "--seconds", "0.5"],
                              capture_output=True, text=True, timeout=60)
        lines = [json.loads(x) for x in late.stdout.splitlines()]
        assert {"participant": "anna", "kind": "point_marked", "point": "P1", "verdict": "defect"}.items() <= lines[0].items()
        assert lines[-1]["points"] == {"P1": "defect"} and lines[-1]["participants"] == ["anna"]
    finally:
        anna.close()
        watcher.close()
        router.close()


def test_a_tls_session_is_encrypted_and_trusts_only_the_certificate_in_its_secret_file(tmp_path, secret_file):
    """``session tls`` makes the router's certificate and puts its authority in the secret
    file; over tls/ the participants with that file meet; without a certificate, with
    another session's, or over plain tcp to the TLS port, nobody gets in (one line each)."""
    from app.collab.link import open_link

    endpoint = f"tls/127.0.0.1:{_free_port()}"
    made = subprocess.run([*XRJIG, "session", "tls", "--session", "review", "--secret-file", str(secret_file),
                           "--host", "127.0.0.1", "--out", str(tmp_path / "router")],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert oct((tmp_path / "router" / "router-key.pem").stat().st_mode & 0o777) == "0o600"
    again = subprocess.run([*XRJIG, "session", "tls", "--session", "review", "--secret-file", str(secret_file),
                            "--host", "127.0.0.1", "--out", str(tmp_path / "again")], capture_output=True, text=True)
    assert again.returncode == 1 and "already carries a TLS certificate" in again.stderr
    serve = _xrjig("session", "serve", "--session", "review", "--secret-file", str(secret_file),
                   "--tls-dir", str(tmp_path / "router"), "--listen", endpoint)
    try:
        line = serve.stderr.readline()
        assert f"serving session 'review' on {endpoint}" in line, line + serve.stderr.read()
        anna = open_link("review", secret_file, connect=endpoint, name="anna")
        watcher = open_link("review", secret_file, connect=endpoint)
        try:
            frame = next(_moving_frames(1))
            deadline = time.monotonic() + 10
            got = []
            while time.monotonic() < deadline and not got:
                anna.publish(frame, 0.0)
                got = [e for e in watcher.drain() if e.kind == "presence"]
                time.sleep(0.05)
            assert got and got[0].name == "anna"
        finally:
            anna.close()
            watcher.close()
        plain = tmp_path / "plain.secret"
        plain.write_text(secret_file.read_text().splitlines()[0] + "\n")
        with pytest.raises(SceneError, match="needs the certificate in its secret file"):
            open_link("review", plain, connect=endpoint)
        other = tmp_path / "other.secret"
        other.write_text(plain.read_text())
        subprocess.run([*XRJIG, "session", "tls", "--session", "review", "--secret-file", str(other),
                        "--host", "127.0.0.1", "--out", str(tmp_path / "other")], check=True, capture_output=True)
        with pytest.raises(SceneError, match="cannot join session 'review'") as err:
            open_link("review", other, connect=endpoint)  # the same secret, another session's authority
        assert "\n" not in str(err.value)
        with pytest.raises(SceneError, match="cannot join session 'review'"):
            open_link("review", plain, connect=endpoint.replace("tls/", "tcp/"))
    finally:
        serve.terminate()
        serve.wait(timeout=10)


@pytest.mark.parametrize(("field", "value"), [("pinch", np.nan), ("gaze_confidence", np.inf), ("t", np.nan)])
def test_a_presence_frame_with_a_non_finite_number_is_refused(field, value):
    frame = next(_moving_frames(1))
    if field == "pinch":
        frame.hands[1].pinch = value
    elif field == "gaze_confidence":
        frame.gaze.confidence = value
    else:
        frame.t = value
    message = Encoder().encode(frame, 0.0)  # a finite time in the header, the bad one inside
    with pytest.raises(WireError, match="non-finite"):
        Decoder().decode(message)
