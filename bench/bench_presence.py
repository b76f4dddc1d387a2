"""Presence in a shared session: latency and bandwidth with 2, 4 and 8 participants at 90 Hz.

Every participant publishes its head, hands and gaze 90 times a second through a Zenoh
router on loopback (``SessionLink.publish``: quantised, delta-coded, zstd) and receives
everyone else's (``Roster``: decoded, newest wins). Frames are a desktop participant's
(simulated hands with finger joints) moving all the time, the worst case for the deltas.
Latency: from ``publish`` to the decoded frame on each receiver (one process, one clock).

Peer, measured in the same run: bare Zenoh put/subscribe of the same message bytes (no
encoding, no decoding), the floor our presence sits on.

Run: ``.venv/bin/python bench/bench_presence.py [--seconds 5]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import zenoh  # noqa: E402

from app.collab.link import SessionLink, zenoh_config  # noqa: E402
from app.collab.presence_wire import Encoder  # noqa: E402
from app.collab.roster import Roster  # noqa: E402
from devices.desktop import DesktopDevice  # noqa: E402

SECRET = "bench-secret-123"
RATE = 90.0


def frames(n: int, seed: int) -> list:
    device = DesktopDevice(head=np.eye(4))
    device.start()
    out = []
    for k in range(n):
        device.on_mouse_move(np.sin(k / 9 + seed), np.cos(k / 13 + seed) * 0.5)
        out.append(device.poll(k / RATE))
    return out


def ours(endpoint: str, count: int, seconds: float) -> tuple[list[float], float]:
    links = [SessionLink("bench", SECRET, connect=endpoint, name=f"p{i}") for i in range(count)]
    rosters = [Roster() for _ in links]
    moves = [frames(int(seconds * RATE) + 1, i) for i in range(count)]
    time.sleep(1.0)  # everyone has joined
    for link in links:
        link.drain()
    latencies: list[float] = []
    sent_bytes = [0] * count
    stop = threading.Event()

    def receive() -> None:
        while not stop.is_set():
            for link, roster in zip(links, rosters, strict=True):
                for event in link.drain():
                    if event.kind == "presence":
                        peer = roster.peers.get(event.name)
                        before = peer.sent if peer else None
                        roster.apply([event])
                        peer = roster.peers[event.name]
                        if peer.sent != before:
                            latencies.append(event.received - peer.sent)
                    else:
                        roster.apply([event])
            time.sleep(0.0005)

    receiver = threading.Thread(target=receive)
    receiver.start()
    start = time.monotonic()
    for k in range(int(seconds * RATE)):
        due = start + k / RATE
        time.sleep(max(0.0, due - time.monotonic()))
        for i, link in enumerate(links):
            sent_bytes[i] += link.publish(moves[i][k], time.monotonic())
    time.sleep(0.2)
    stop.set()
    receiver.join()
    for link in links:
        link.close()
    return latencies, sum(sent_bytes) / count / seconds


def bare(endpoint: str, count: int, seconds: float) -> list[float]:
    """The same bytes, put and received with Zenoh alone (time stamped in the payload)."""
    sessions = [zenoh.open(zenoh_config("client", connect=endpoint, user="bench", secret=SECRET)) for _ in range(count)]
    latencies: list[float] = []
    lock = threading.Lock()

    def on_sample(i: int):
        def callback(sample) -> None:
            received = time.monotonic()
            key = str(sample.key_expr)
            if not key.endswith(f"/p{i}"):
                payload = sample.payload.to_bytes()
                with lock:
                    latencies.append(received - float(np.frombuffer(payload[:8], np.float64)[0]))
        return callback

    subs = [s.declare_subscriber("xrjig/bench/bare/*", on_sample(i)) for i, s in enumerate(sessions)]
    pubs = [s.declare_publisher(f"xrjig/bench/bare/p{i}", congestion_control=zenoh.CongestionControl.DROP,
                                priority=zenoh.Priority.INTERACTIVE_HIGH, express=True)
            for i, s in enumerate(sessions)]
    encoders = [Encoder() for _ in range(count)]
    moves = [frames(int(seconds * RATE) + 1, i) for i in range(count)]
    messages = [[encoders[i].encode(f, 0.0) for f in moves[i]] for i in range(count)]
    time.sleep(1.0)
    start = time.monotonic()
    for k in range(int(seconds * RATE)):
        time.sleep(max(0.0, start + k / RATE - time.monotonic()))
        for i, pub in enumerate(pubs):
            pub.put(np.float64(time.monotonic()).tobytes() + messages[i][k])
    time.sleep(0.2)
    for entity in (*subs, *pubs):
        entity.undeclare()
    for s in sessions:
        s.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        users = Path(folder) / "users"
        users.write_text(f"bench:{SECRET}\n")
        endpoint = "tcp/127.0.0.1:17500"
        router = zenoh.open(zenoh_config("router", listen=endpoint, dictionary_file=users))
        try:
            print(f"presence at {RATE:.0f} Hz through a Zenoh router on loopback, {args.seconds:.0f} s per row")
            for count in (2, 4, 8):
                lat, rate = ours(endpoint, count, args.seconds)
                floor = bare(endpoint, count, args.seconds)
                p50, p99 = np.percentile(lat, [50, 99]) * 1e3
                f50, f99 = np.percentile(floor, [50, 99]) * 1e3
                expected = count * (count - 1) * RATE * args.seconds
                print(f"{count} participants: ours p50 {p50:.2f} ms p99 {p99:.2f} ms, "
                      f"{rate / 1000:.1f} KB/s sent per participant, {len(lat) / expected:.0%} of frames shown | "
                      f"bare zenoh p50 {f50:.2f} ms p99 {f99:.2f} ms (ours/bare p99 {p99 / f99:.2f}x) "
                      f"(goal: p99 <= 5 ms with 8, <= 40 KB/s)")
        finally:
            router.close()


if __name__ == "__main__":
    main()
