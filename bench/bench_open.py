"""How long opening a large model freezes the window: the longest the Qt event loop goes
without running (a 5 ms timer's beats), from File ▸ Open until the session is ready; and
that longest stall once the viewport's own paints are taken out of it (a paint of 1.2 M
triangles costs about 0.1 s on llvmpipe whatever is being prepared, and the first one
uploads the model too: a renderer cost, reported on its own).

Input: PM4 subdivided once and tiled ×3 (1.19 M triangles, 96 parts; bench_load's scene) in the
real main window, 800×600, on this machine's OpenGL (llvmpipe under Xvfb here).

Peer, measured in the same run on the same window: the same open with the file read, the
view's batches and the index built on the GUI thread (what every open did before; still
what small models get).

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
import views.scene_reading as reading  # noqa: E402
from app.display.application import create_application  # noqa: E402


def open_and_wait(app, controller, path: Path) -> dict[str, float]:
    """Open ``path``; the longest event-loop gap with and without the paints inside it, the
    longest paint, and the time until the session runs."""
    beats: list[float] = []
    paints: list[tuple[float, float]] = []
    viewport = controller.window.viewport
    paint = viewport.paintGL

    def timed_paint() -> None:
        start = time.perf_counter()
        paint()
        paints.append((start, time.perf_counter()))

    viewport.paintGL = timed_paint
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
    del viewport.paintGL
    gaps = list(zip(beats, beats[1:], strict=False))

    def painting(a: float, b: float) -> float:
        return sum(max(0.0, min(b, q) - max(a, p)) for p, q in paints)

    return {
        "ready_s": ready - start,
        "max_gap_ms": 1e3 * max(b - a for a, b in gaps),
        "max_stall_ms": 1e3 * max(b - a - painting(a, b) for a, b in gaps),
        "max_paint_ms": 1e3 * max((q - p for p, q in paints), default=0.0),
    }


def main() -> None:
    app = create_application([])
    with tempfile.TemporaryDirectory() as folder:
        path = make_big_scene(Path(folder))
        window, controller = bench_window(Path(folder), (800, 600))
        app.processEvents()
        thresholds = (preparation.BACKGROUND_INDEX_TRIANGLES, reading.BACKGROUND_TRIANGLES, reading.BACKGROUND_BYTES)
        results = {}
        for name, limits in (("all on the GUI thread (peer)", (10**12,) * 3), ("on threads", thresholds)):
            preparation.BACKGROUND_INDEX_TRIANGLES, reading.BACKGROUND_TRIANGLES, reading.BACKGROUND_BYTES = limits
            results[name] = r = open_and_wait(app, controller, path)
            print(f"{name:<32} session ready after {r['ready_s']:.2f} s; longest freeze {r['max_gap_ms']:.0f} ms, "
                  f"{r['max_stall_ms']:.0f} ms without the paints in it (longest paint {r['max_paint_ms']:.0f} ms)")
        preparation.BACKGROUND_INDEX_TRIANGLES, reading.BACKGROUND_TRIANGLES, reading.BACKGROUND_BYTES = thresholds
        peer, ours = results["all on the GUI thread (peer)"], results["on threads"]
        print(f"ratio longest freeze thread / GUI thread: {ours['max_gap_ms'] / peer['max_gap_ms']:.2f}x; "
              f"without paints {ours['max_stall_ms']:.0f} ms / {peer['max_stall_ms']:.0f} ms "
              f"(target: no stall over 100 ms)")
        window.close()


if __name__ == "__main__":
    main()
