"""Builds the engine's first-use structures on a worker thread while the session runs.

Without it the step that first grabs a part builds the part's inset collision BVH, and the
first in-position release its symmetry search: hitches of up to a second in a 90 Hz
headset, and frame gaps in recordings. The worker walks ``Engine.preparation_plan()``
(the first steps' parts first) and calls ``Engine.prepare`` for each entry; the engine
publishes what it builds in the same caches the step reads, so a step either finds a
structure ready or builds it itself exactly as before — nothing waits on the worker, and
events do not depend on who built what (the structures are pure functions of geometry and
parameters).

The engine itself stays free of threads: this module owns the thread. FCL and much of
NumPy / SciPy hold the GIL, so the worker pauses between entries to let the GUI thread's
ticks through (measured in bench/bench_warmup.py).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

#: pause between two entries (s): the GUI thread gets the GIL at least this often
PAUSE_S = 0.002


class WarmUp:
    """One worker thread preparing an engine's structures; ``stop`` joins it."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = False

    def start(self) -> None:
        """Start (or resume after ``retarget``) working through the engine's plan."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._started = True
            self._stop.clear()
            self._done.clear()
            self._thread = threading.Thread(target=self._run, name="xrjig-warmup", daemon=True)
            self._thread.start()

    def retarget(self, engine: Any) -> None:
        """Prepare a rebuilt engine instead (new tolerances mean new cache entries; what
        is already built is found in the caches and skipped)."""
        with self._lock:
            self._engine = engine
            self._done.clear()
            resume = self._started and not self._stop.is_set()
        if resume:
            self.start()

    def stop(self) -> None:
        """Cancel and join: returns once the entry being built (at most one) is finished."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every entry of the current engine's plan is prepared (tests, benches)."""
        return self._done.wait(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            engine = self._engine
            for part, structure in engine.preparation_plan():
                if self._stop.is_set() or self._engine is not engine:
                    break
                try:
                    engine.prepare(part, structure)
                except Exception:  # the step builds it itself and reports as it always did
                    log.exception("warm-up: preparing %s of %s failed", structure, part)
                time.sleep(PAUSE_S)
            with self._lock:
                if self._engine is engine and not self._stop.is_set():
                    self._done.set()
                    self._thread = None
                    return
