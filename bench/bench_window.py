"""The real main window for the window benchmarks (bench_tick, bench_open): interaction
attached, its settings in a scratch folder (a benchmark must not read or change the user's),
the session started by the benchmark itself."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app.window.controller import InteractionController, attach_interaction
from views.main_window import MainWindow


def bench_window(folder: Path, size: tuple[int, int], scenario: Path | None = None) -> tuple[MainWindow, InteractionController]:
    """A shown window of ``size`` whose settings live in ``folder``; autostart off."""
    window = MainWindow(settings=QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
    controller = attach_interaction(window, scenario)
    controller.autostart = False
    window.resize(*size)
    window.show()
    return window, controller
