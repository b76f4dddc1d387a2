"""Presence in a shared session: latency and bandwidth with 2, 4 and 8 participants at 90 Hz.

Every participant, each in its own process as in a real session, publishes its head,
hands and gaze 90 times a second through a Zenoh router on loopback
(``SessionLink.publish``: quantised, delta-coded, zstd) and receives everyone else's
(``Roster``: decoded, newest wins). Frames are a desktop participant's
(simulated hands with finger joints) moving all the time, the worst case for the deltas.
Latency: from ``publish`` to the decoded frame on each receiver (CLOCK_MONOTONIC, which
every process on one machine shares).

Peer, measured in the same run: bare Zenoh put/subscribe of the same message bytes (no
encoding, no decoding), the floor our presence sits on.

Run: ``.venv/bin/python bench/bench_presence.py [--seconds 5]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
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


def _participant(kind: str, endpoint: str, i: int, seconds: float, start_at: float, out) -> None:
    """One participant in its own process (as in a session: one Python per person): from
    ``start_at`` (CLOCK_MONOTONIC, the same in every process here) it publishes 90 times a
    second and takes in everyone else's; sends back (latencies, bytes sent)."""
    moves = frames(int(seconds * RATE) + 1, i)
    latencies: list[float] = []
    sent = 0
    if kind == "ours":
        link = SessionLink("bench", SECRET, connect=endpoint, name=f"p{i}")
        roster = Roster()

        def handle(event) -> None:
            peer = roster.peers.get(event.name)
            before = peer.sent if peer else None
            roster.apply([event])
            peer = roster.peers.get(event.name)
            if event.kind == "presence" and peer is not None and peer.sent != before:
                latencies.append(event.received - peer.sent)

        def take(until: float = 0.0) -> None:
            """Wait until ``until``, then take everything that arrived, as a window does at
            each view update (its arrival time was stamped by Zenoh's callback)."""
            time.sleep(max(0.0, until - time.monotonic()))
            for event in link.drain():
                handle(event)

        def publish(k: int) -> int:
            return link.publish(moves[k], time.monotonic())
        close = link.close
    else:  # bare Zenoh, the same bytes, the send time in front
        session = zenoh.open(zenoh_config("client", connect=endpoint, user="bench", secret=SECRET))
        encoder = Encoder()
        messages = [encoder.encode(f, 0.0) for f in moves]
        arrived: list[float] = []

        def on_sample(sample) -> None:
            received = time.monotonic()
            if not str(sample.key_expr).endswith(f"/p{i}"):
                arrived.append(received - float(np.frombuffer(sample.payload.to_bytes()[:8], np.float64)[0]))

        sub = session.declare_subscriber("xrjig/bench/bare/*", on_sample)
        pub = session.declare_publisher(f"xrjig/bench/bare/p{i}", congestion_control=zenoh.CongestionControl.DROP,
                                        priority=zenoh.Priority.INTERACTIVE_HIGH, express=True)

        def take(until: float = 0.0) -> None:
            time.sleep(max(0.0, until - time.monotonic()))  # Zenoh's thread takes them in
            latencies.extend(arrived[len(latencies):])

        def publish(k: int) -> int:
            message = np.float64(time.monotonic()).tobytes() + messages[k]
            pub.put(message)
            return len(message)

        def close() -> None:
            sub.undeclare()
            pub.undeclare()
            session.close()
    time.sleep(max(0.0, start_at - time.monotonic()))
    take()
    latencies.clear()  # only what arrives while everyone runs
    for k in range(int(seconds * RATE)):
        take(until=start_at + k / RATE)  # receive while waiting for the next frame
        sent += publish(k)
    take(until=time.monotonic() + 0.2)
    close()
    out.send((latencies, sent / seconds))


def run(kind: str, endpoint: str, count: int, seconds: float) -> tuple[list[float], float]:
    """``count`` participants of ``kind`` ("ours", "bare"), each its own process; all
    latencies, and the mean bytes a second one sends."""
    context = multiprocessing.get_context("spawn")
    start_at = time.monotonic() + 4.0  # everyone has started and joined
    pipes, workers = [], []
    for i in range(count):
        mine, theirs = context.Pipe(duplex=False)
        worker = context.Process(target=_participant, args=(kind, endpoint, i, seconds, start_at, theirs))
        worker.start()
        pipes.append(mine)
        workers.append(worker)
    results = [pipe.recv() for pipe in pipes]
    for worker in workers:
        worker.join()
    return [x for lat, _ in results for x in lat], float(np.mean([rate for _, rate in results]))


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
                lat, rate = run("ours", endpoint, count, args.seconds)
                floor, _ = run("bare", endpoint, count, args.seconds)
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
