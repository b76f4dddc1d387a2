"""Entry point, CLI and session wiring: the only package that knows every other one.

Its parts, each importing only those listed after it: ``cli`` (the ``xrjig`` command line)
and ``commands`` (its sub-commands); ``window`` (the desktop window's controllers);
``headset`` (eyes drawn for the OpenXR device, the headset probe), ``reports`` (HTML report,
gaze heatmap) and ``session`` (what drives an engine: live session, warm-up, replay
player), which do not import one another; ``display`` (Qt application, offscreen GL).

OpenBLAS is pinned to one thread before anything imports numpy: the engine's work is many
tiny (4x4, 3x3) products per frame, where OpenBLAS's thread hand-off costs more than the
arithmetic and, with the tracker and renderer threads busy, stalls a 90 Hz tick for
milliseconds (measured in bench/bench_engine.py). A user's explicit setting wins.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
