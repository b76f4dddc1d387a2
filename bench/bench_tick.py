"""The live session's tick rate and jitter while the window paints on this machine's OpenGL
(Mesa llvmpipe under Xvfb here): the steady tick thread against the GUI-thread timer tick.

Input: the bundled sample scenario (AS1, 18 parts) in the real main window at 1280x720, the
desktop device, the session at its default 90 Hz, the simulated hand circling (moved 60 times
a second, as the viewport's mouse events move it), so the window repaints as it does while
a person works (an unchanged picture is not painted again). Each mode runs for ``--seconds``; the time of every engine
step is taken where the runner steps.

Peer, measured in the same run on the same window: the session's own GUI-thread QTimer tick
(what every session used before the tick thread; a headset still paces the session from the
GUI thread, where its frame loop lives), forced by giving the device ``ticks_on_gui_thread``.
Targets (architecture issue): median >= 88 Hz at 90 Hz, p99 interval <= 2x the period.

Run: ``xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python bench/bench_tick.py``
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_window import bench_window  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from app.display.application import create_application  # noqa: E402
from app.session.session import LockedInput  # noqa: E402
from scenes.samples import SAMPLE_SCENARIO, SAMPLE_SCENE  # noqa: E402


def run_mode(controller, seconds: float, gui_thread: bool) -> dict[str, float]:
    """Start the session in one mode, let it run ``seconds``, return its tick figures."""
    session = controller.session
    device = session.device
    device.ticks_on_gui_thread = gui_thread
    stamps: list[float] = []
    step = session.runner.step

    def timed_step(frame, commands=()):
        stamps.append(time.perf_counter())
        return step(frame, commands)

    session.runner.step = timed_step
    paints: list[float] = []
    viewport = controller.window.viewport
    viewport.frameTimeChanged.connect(paints.append)
    turn = itertools.count(0.0, 0.05)
    hand = QTimer()
    mouse = LockedInput(device, session.lock)  # as the viewport's mouse events reach the device
    hand.timeout.connect(lambda: mouse.on_mouse_move(0.3 * np.cos(a := next(turn)), 0.3 * np.sin(a)))
    hand.start(16)
    session.start()
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()
    hand.stop()
    threaded = session.threaded
    session.stop()
    viewport.frameTimeChanged.disconnect(paints.append)
    session.runner.step = step
    del device.ticks_on_gui_thread
    intervals = np.diff(stamps[len(stamps) // 10:])  # the first tenth: warm-up
    return {
        "threaded": float(threaded),
        "ticks": len(stamps),
        "median_hz": 1.0 / statistics.median(intervals),
        "mean_hz": len(intervals) / float(np.sum(intervals)),
        "p99_ms": float(np.percentile(intervals, 99)) * 1e3,
        "max_ms": float(np.max(intervals)) * 1e3,
        "paints_per_s": len(paints) / seconds,
        "paint_ms": statistics.median(paints) if paints else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    app = create_application([])
    with tempfile.TemporaryDirectory() as folder:
        window, controller = bench_window(Path(folder), (1280, 720), SAMPLE_SCENARIO)
        window.open_file(SAMPLE_SCENE, remember=False)
        app.processEvents()
        print(f"AS1 sample, {controller.session.rate_hz:g} Hz session, window 1280x720, {args.seconds:g} s a mode")
        results = {}
        for name, gui_thread in (("GUI-thread timer (peer)", True), ("tick thread", False)):
            r = results[name] = run_mode(controller, args.seconds, gui_thread)
            print(f"{name:<24} median {r['median_hz']:5.1f} Hz, mean {r['mean_hz']:5.1f} Hz, "
                  f"p99 interval {r['p99_ms']:5.1f} ms, max {r['max_ms']:6.1f} ms; "
                  f"window painted {r['paints_per_s']:4.1f}/s ({r['paint_ms']:.1f} ms a paint)")
        peer, ours = results["GUI-thread timer (peer)"], results["tick thread"]
        print(f"ratio tick thread / GUI timer: median rate {ours['median_hz'] / peer['median_hz']:.2f}x, "
              f"p99 interval {ours['p99_ms'] / peer['p99_ms']:.2f}x")
        window.close()


if __name__ == "__main__":
    main()
