"""First grab in a live session, cold vs after the background warm-up (app/session/warmup.py),
and how smooth the GUI thread's 90 Hz tick stays while the warm-up runs.

First grab: the autopilot's script for the scenario (recorded once, then fed frame by
frame through a real Session, which quantises it as a live device's input) on a freshly
loaded scene — cold (the step builds the held part's inset BVH itself, as before the
warm-up existed) and warm (the session's warm-up finished before the first frame).
Printed: the step time of the first GRAB frame, of the first SNAP frame (symmetry
search), and the slowest step of the run; the events of both runs are compared.

The same for bench_engine's ~1.2M-triangle scene (its hand grabs a ~21k-triangle impeller).

Jitter: a session with an idle desktop device ticks from its QTimer at 90 Hz in a real Qt
event loop for a few seconds on a freshly loaded scene, once idle (peer) and once while
its warm-up runs; printed are tick-interval percentiles and the longest gap.

    .venv/bin/python bench/bench_warmup.py [--jitter-s 6]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the app pins it (app/__init__.py)

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QTimer  # noqa: E402

from app.session.session import Session, scenario_params  # noqa: E402
from bench.bench_engine import make_frames  # noqa: E402
from bench.bench_load import make_big_scene  # noqa: E402
from devices.desktop import DesktopDevice  # noqa: E402
from interaction.autopilot import run_autopilot  # noqa: E402
from interaction.commands import Command  # noqa: E402
from interaction.events import EventKind  # noqa: E402
from interaction.frame import InputFrame  # noqa: E402
from interaction.params import InteractionParams  # noqa: E402
from scenes.index import SceneIndex  # noqa: E402
from scenes.loader import load_scene  # noqa: E402
from scenes.scenario import Scenario, Step, load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCENES = {
    "AS1": ROOT / "scenes/samples/as1-assembly.yaml",
    "PM4": ROOT / "tests/data/cad/glb/trj6_pm4-ec-203.glb",  # a scenario proposed from the model
}


class ScriptDevice:
    """Plays a fixed list of frames, one per poll, whatever the session's clock says."""

    name = "script"

    def __init__(self, frames: list[InputFrame]) -> None:
        self.frames = frames
        self.error: str | None = None
        self.available, self.why_not = True, ""
        self._next = 0

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def poll(self, t: float) -> InputFrame:
        frame = self.frames[min(self._next, len(self.frames) - 1)]
        self._next += 1
        return frame


def fresh(path: Path):
    """Scene (loaded anew, so no structure of an earlier run is cached), scenario, params."""
    scenario = load_scenario(path)
    scene = scenario.scene or load_scene(path)
    if scenario.scene is None:
        scenario = load_scenario(path, scene=scene)
    return scene, scenario, scenario_params(scenario)


def script(path: Path) -> list[tuple[InputFrame, list[Command]]]:
    scene, scenario, params = fresh(path)
    out: list[tuple[InputFrame, list[Command]]] = []
    run_autopilot(scene, scenario, params, lambda f, c, _: out.append((f, list(c))))
    return out


def warm_up(session: Session) -> float:
    """Run the session's warm-up to the end; its duration in seconds."""
    t0 = time.perf_counter()
    session.warm_up.start()
    session.warm_up.wait()
    return time.perf_counter() - t0


def live_run(path: Path, steps: list[tuple[InputFrame, list[Command]]], warm: bool) -> tuple[dict[str, float], list[str]]:
    scene, scenario, params = fresh(path)
    session = Session(scene, scenario, params, ScriptDevice([f for f, _ in steps]), SceneIndex(scene))
    warm_s = warm_up(session) if warm else float("nan")
    ms: list[float] = []
    events: list[str] = []
    first: dict[str, float] = {}
    for k, (frame, commands) in enumerate(steps):
        for c in commands:
            session.submit(c)
        t0 = time.perf_counter()
        out = session.tick(frame.t)
        ms.append((time.perf_counter() - t0) * 1000.0)
        for ev in out:
            if ev.kind in (EventKind.GRAB, EventKind.SNAP):
                first.setdefault(ev.kind, ms[k])
        events += [e.to_json() for e in out]
    session.stop()
    figures = {"first_grab_ms": first.get(EventKind.GRAB, float("nan")),
               "first_snap_ms": first.get(EventKind.SNAP, float("nan")),
               "slowest_ms": max(ms), "median_ms": float(np.median(ms)), "warm_up_s": warm_s}
    return figures, events


def big_first_grab(path: Path, warm: bool) -> tuple[float, float]:
    """bench_engine's scene and hand (the copy-1 impeller, ~21k triangles, grabbed where it
    lies): (first GRAB step ms, warm-up s) through a Session on a fresh load."""
    scene = load_scene(path)
    held = next(p.id for p in scene.parts if "copy1" in p.id and "Impeller" in p.id)
    scenario = Scenario(model=path, parts=[held], steps=[Step("impeller", [held])], scene=scene)
    session = Session(scene, scenario, InteractionParams(), ScriptDevice([]), SceneIndex(scene))
    session.device = ScriptDevice(make_frames(session.engine, held, 10))
    warm_s = warm_up(session) if warm else float("nan")
    for frame in session.device.frames:
        t0 = time.perf_counter()
        out = session.tick(frame.t)
        if any(e.kind == EventKind.GRAB for e in out):
            session.stop()
            return (time.perf_counter() - t0) * 1000.0, warm_s
    raise RuntimeError("the bench hand failed to grab")


def jitter(path: Path, seconds: float, warm: bool) -> tuple[np.ndarray, float]:
    """Tick intervals (ms) of a QTimer-driven session for ``seconds`` (with ``warm``: until
    its warm-up is done, at most that long), and when the warm-up finished (s)."""
    scene, scenario, params = fresh(path)
    lo, hi = scene.bounds
    device = DesktopDevice(reach=float(np.linalg.norm(hi - lo)) * 0.5)
    session = Session(scene, scenario, params, device, SceneIndex(scene))
    stamps: list[float] = []
    session.stepped.connect(lambda *_: stamps.append(time.perf_counter()))
    finished = [float("nan")]
    t0 = time.perf_counter()

    def check() -> None:
        if session.warm_up.wait(0):
            finished[0] = time.perf_counter() - t0
            QCoreApplication.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    session.start()
    if warm:
        poll.start(20)
    else:
        session.warm_up.stop()
    deadline = QTimer()  # not QTimer.singleShot: a pending one would end the next run early
    deadline.setSingleShot(True)
    deadline.timeout.connect(QCoreApplication.quit)
    deadline.start(int(seconds * 1000))
    QCoreApplication.exec()
    deadline.stop()
    poll.stop()
    session.stop()
    return np.diff(stamps) * 1000.0, finished[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jitter-s", type=float, default=6.0)
    args = parser.parse_args()
    QCoreApplication(sys.argv)
    print(f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    for name, path in SCENES.items():
        steps = script(path)
        cold, cold_events = live_run(path, steps, warm=False)
        warm, warm_events = live_run(path, steps, warm=True)
        print(f"{name}: first grab in a live session ({len(steps)} scripted frames through Session.tick)")
        for label, f in (("cold (no warm-up) ", cold), ("after warm-up     ", warm)):
            print(f"  {label} first GRAB step {f['first_grab_ms']:7.2f} ms   first SNAP step "
                  f"{f['first_snap_ms']:7.2f} ms   slowest step {f['slowest_ms']:7.2f} ms   "
                  f"median {f['median_ms']:.3f} ms")
        print(f"  warm-up took {warm['warm_up_s']:.2f} s on its thread; events identical: "
              f"{cold_events == warm_events} ({len(cold_events)} events)")
    with tempfile.TemporaryDirectory() as tmp:
        big = make_big_scene(Path(tmp))
        cold_ms, _ = big_first_grab(big, warm=False)
        warm_ms, warm_s = big_first_grab(big, warm=True)
    print("PM4 subdivided x3 (bench_engine's scene): first GRAB of the ~21k-triangle impeller "
          f"cold {cold_ms:7.2f} ms, after warm-up {warm_ms:7.2f} ms (warm-up {warm_s:.2f} s)")
    for name, path in SCENES.items():
        print(f"{name}: GUI tick at 90 Hz (QTimer, idle desktop device) for {args.jitter_s:.0f} s")
        for label, warm in (("idle (peer)      ", False), ("warm-up running  ", True)):
            gaps, took = jitter(path, args.jitter_s, warm)
            extra = f"   (warm-up done after {took:.2f} s)" if warm else ""
            print(f"  {label} interval p50 {np.percentile(gaps, 50):5.1f} ms  p99 {np.percentile(gaps, 99):5.1f} ms  "
                  f"max {gaps.max():5.1f} ms  ticks {len(gaps) + 1}{extra}")


if __name__ == "__main__":
    main()
