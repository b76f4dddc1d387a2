"""Replay seek in the GUI's terms: the engine state at any time of a long recording.

A seek in replay must show the engine as it was (part poses, held and snapped parts), which
needs the engine re-run up to the target. Measured on an N-minute 90 Hz recording made by
looping the autopilot's AS1 sample scenario (a rebuilt engine between laps, as a live
tolerance change records it):

* scan: the background pass that fills the snapshot store (frames/s, x real time);
* ours: ``ReplaySimulator.rewind`` to random targets after the scan (snapshots at the
  interval the GUI uses, ``snapshot_interval``), median / max;
* peer: re-running from the start to the target (what a replay without snapshots does),
  on a few targets.

    .venv/bin/python bench/bench_replay_seek.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.session.replay_player import snapshot_interval  # noqa: E402
from interaction.autopilot import Autopilot  # noqa: E402
from interaction.engine import Engine  # noqa: E402
from interaction.params import scenario_params  # noqa: E402
from interaction.recording import quantize  # noqa: E402
from interaction.recording_reader import Recording  # noqa: E402
from interaction.recording_rerun import load_setup  # noqa: E402
from interaction.replay_sim import ReplaySimulator, SnapshotStore  # noqa: E402
from interaction.trial import Trial, session_metadata  # noqa: E402
from scenes.index import SceneIndex  # noqa: E402
from scenes.samples import SAMPLE_SCENARIO  # noqa: E402
from scenes.scenario import load_scenario  # noqa: E402

HZ = 90.0


def long_recording(path: Path, minutes: float) -> int:
    """Autopilot laps of the AS1 sample at 90 Hz until ``minutes`` are recorded; frame count."""
    scenario = load_scenario(SAMPLE_SCENARIO)
    scene = scenario.scene
    assert scene is not None
    params = scenario_params(scenario, "novice")
    index = SceneIndex(scene)
    meta = session_metadata(participant="bench", scenario_path=SAMPLE_SCENARIO, scene_path=scenario.model,
                            variant="novice", params=params.to_dict(), device="autopilot")
    offset, frames = 0.0, 0
    with Trial(path, meta) as trial:
        while offset < minutes * 60:
            if frames:
                trial.write_params(params.to_dict(), rebuilt=True)
            engine = Engine(scene, scenario, params, index=index)
            t = offset
            for frame, commands in Autopilot(engine, rate_hz=HZ).frames():
                t = frame.t + offset
                seen = quantize(dataclasses.replace(frame, t=t))
                trial.record(seen, engine.step(seen, commands), commands)
                frames += 1
            offset = t + 1.0 / HZ
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seeks", type=int, default=30)
    parser.add_argument("--peer-seeks", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.mcap"
        start = time.perf_counter()
        n = long_recording(path, args.minutes)
        print(f"recording: {args.minutes:g} min, {n} frames at {HZ:g} Hz, "
              f"{path.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - start:.0f} s")
        with Recording(path) as rec:
            setup = load_setup(rec)
            store = SnapshotStore(snapshot_interval(n))
            scanner = ReplaySimulator(rec, setup, store, SceneIndex(setup.scene))
            start = time.perf_counter()
            scanner.run(n)
            scan = time.perf_counter() - start
            print(f"scan (background, once): {scan:.1f} s = {n / scan:.0f} frames/s = "
                  f"{n / HZ / scan:.0f}x real time; {len(store)} snapshots, one every {store.every} frames")
            sim = ReplaySimulator(rec, setup, store)
            targets = rng.integers(1, n, args.seeks)
            times = []
            for target in targets:
                t0 = time.perf_counter()
                sim.rewind(int(target))
                times.append((time.perf_counter() - t0) * 1000)
            print(f"  ours, rewind with snapshots: median {statistics.median(times):.1f} ms, "
                  f"max {max(times):.1f} ms over {len(times)} random seeks")
            peer = []
            for target in targets[: args.peer_seeks]:
                fresh = ReplaySimulator(rec, setup, SnapshotStore(n + 1))
                t0 = time.perf_counter()
                fresh.rewind(int(target))
                peer.append((time.perf_counter() - t0) * 1000)
            ratio = statistics.median(peer) / statistics.median(times[: args.peer_seeks])
            print(f"  peer, re-run from the start: median {statistics.median(peer):.0f} ms over "
                  f"{len(peer)} seeks ({ratio:.0f}x ours on the same targets)")


if __name__ == "__main__":
    main()
