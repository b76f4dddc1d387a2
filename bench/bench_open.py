"""How long opening a large model freezes the window: the longest the Qt event loop goes
without running (a 5 ms timer's beats), from File ▸ Open until the session is ready.

Input: PM4 subdivided once and tiled ×3 (1.19 M triangles, 96 parts; bench_load's scene) in the
real main window, 800×600, on this machine's OpenGL (llvmpipe under Xvfb here).

Peer, measured in the same run on the same window: the same open with the index built on the
GUI thread (what every open did before the background build; still what small models get).

Run: ``xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python bench/bench_open.py``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import make_big_scene  # noqa: E402
from bench_window import bench_window  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

import app.window.scene_preparation as preparation  # noqa: E402
from app.display.application import create_application  # noqa: E402


def open_and_wait(app, controller, path: Path) -> dict[str, float]:
    """Open ``path``; return the longest event-loop gap and the time until the session runs."""
    beats: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start(5)
    start = time.perf_counter()
    beats.append(start)
    controller.window.open_file(path, remember=False)
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: controller.session is not None and loop.quit())
    poll.start(5)
    loop.exec()
    ready = time.perf_counter()
    beats.append(ready)
    timer.stop()
    poll.stop()
    gaps = [b - a for a, b in zip(beats, beats[1:], strict=False)]
    return {"ready_s": ready - start, "max_gap_ms": 1e3 * max(gaps)}


def main() -> None:
    app = create_application([])
    with tempfile.TemporaryDirectory() as folder:
        path = make_big_scene(Path(folder))
        window, controller = bench_window(Path(folder), (800, 600))
        app.processEvents()
        threshold = preparation.BACKGROUND_INDEX_TRIANGLES
        results = {}
        for name, limit in (("index on the GUI thread (peer)", 10**12), ("index on a thread", threshold)):
            preparation.BACKGROUND_INDEX_TRIANGLES = limit
            results[name] = r = open_and_wait(app, controller, path)
            print(f"{name:<32} session ready after {r['ready_s']:.2f} s; longest freeze {r['max_gap_ms']:.0f} ms")
        preparation.BACKGROUND_INDEX_TRIANGLES = threshold
        peer, ours = results["index on the GUI thread (peer)"], results["index on a thread"]
        print(f"ratio longest freeze thread / GUI thread: {ours['max_gap_ms'] / peer['max_gap_ms']:.2f}x "
              f"(target: no freeze over 100 ms)")
        window.close()


if __name__ == "__main__":
    main()
