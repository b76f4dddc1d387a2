"""Reading a model file for the window without freezing it.

Reading a large model (parsing, world bounds, the renderer's vertex batches: about 0.5 s
for a 1.2 M-triangle model here) used to run inside File ▸ Open on the GUI thread. A file
of ``BACKGROUND_BYTES`` or more is now read on a thread, and so are the bounds and batches
of a scene of ``BACKGROUND_TRIANGLES`` or more, while the window waits in a local event
loop: it keeps painting and answering, says what it is reading, and the GUI thread only
uploads the finished batches. ``read_scene`` still returns only when the scene is
ready, so File ▸ Open, drag-and-drop and scripts keep one synchronous call; while it waits,
another open is refused rather than nested. Small files are read directly, as before
(a thread and an event loop would only add re-entrancy for a few milliseconds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from scenes.loader import load_scene
from scenes.model import Scene
from scenes.step_convert import STEP_SUFFIXES, Progress, is_converted
from views.scene_batches import SceneBatches, build_batches

#: model files at least this large are read on a thread
BACKGROUND_BYTES = 8 * 2**20
#: scenes with this many triangles get their bounds and batches made on a thread (a small
#: file can hold many: meshes used by several nodes)
BACKGROUND_TRIANGLES = 250_000


@dataclass
class ReadScene:
    """A model ready for the viewport: the scene (its bounds computed) and its batches."""

    scene: Scene
    batches: SceneBatches


def ready_for_view(scene: Scene) -> ReadScene:
    """The viewport's CPU work for a loaded scene (any thread)."""
    scene.node_bounds()  # every node's bounds, cached: framing, layouts and parts use them
    return ReadScene(scene, build_batches(scene))


def read_scene(path: Path, unit_scale: float | None, quality: str | None = None,
               converting: ConversionProgress | None = None) -> ReadScene:
    """Load ``path`` and make it ready for the viewport: a large file, a large scene once
    parsed, or a STEP file still to convert, on a thread with the event loop running
    meanwhile; what that raises (a SceneError for a bad file, ConversionCancelled when the
    person cancelled) is raised here. ``converting`` shows a STEP conversion's progress and
    offers Cancel."""
    if path.suffix.lower() in STEP_SUFFIXES and not is_converted(path, quality):
        progress = converting.report if converting is not None else None
        cancel = converting.cancelled if converting is not None else None
        return _on_thread(lambda: ready_for_view(load_scene(
            path, unit_scale=unit_scale, quality=quality, progress=progress, cancel=cancel)),
            path.name, converting)
    try:
        large_file = path.stat().st_size >= BACKGROUND_BYTES
    except OSError:
        large_file = False  # the loader says what is wrong with it
    if large_file:
        return _on_thread(lambda: ready_for_view(load_scene(path, unit_scale=unit_scale, quality=quality)),
                          path.name)
    scene = load_scene(path, unit_scale=unit_scale, quality=quality)
    if scene.triangle_count < BACKGROUND_TRIANGLES:
        return ready_for_view(scene)
    return _on_thread(lambda: ready_for_view(scene), path.name)


#: a conversion's stages as scenes.step_convert.Progress names them
STAGES = {
    "hashing": QT_TRANSLATE_NOOP("SceneReading", "checking the cache"),
    "starting": QT_TRANSLATE_NOOP("SceneReading", "starting the converter"),
    "converting": QT_TRANSLATE_NOOP("SceneReading", "reading and meshing"),
    "finishing": QT_TRANSLATE_NOOP("SceneReading", "naming parts, finding axes"),
    "cached": QT_TRANSLATE_NOOP("SceneReading", "converted before"),
}


class ConversionProgress:
    """A STEP conversion's progress dialog with Cancel: shown if the conversion takes more
    than a moment, its text updated from the converting thread's reports (kept, then shown
    by the GUI thread), Cancel stopping the worker process."""

    #: seconds a conversion runs before its dialog shows (a cached or tiny file never shows it)
    SHOW_AFTER_S = 0.4

    def __init__(self, parent: QWidget, name: str) -> None:
        self.cancelled = threading.Event()
        self._started = time.monotonic()
        translate = QCoreApplication.translate
        self._text = translate("SceneReading", "Converting {name}…").format(name=name)
        self.dialog = QProgressDialog(self._text, translate("SceneReading", "Cancel"), 0, 0, parent)
        self.dialog.setWindowTitle(translate("SceneReading", "Opening a STEP file"))
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.canceled.connect(self.cancelled.set)
        self.dialog.hide()

    def report(self, progress: Progress) -> None:
        """From the converting thread: the newest stage (shown at the GUI's next poll)."""
        what = STAGES.get(progress.stage)
        self._text = progress.text if what is None else QCoreApplication.translate(
            "SceneReading", "Converting {name}: {stage} ({seconds} s)").format(
            name=progress.path.name, stage=QCoreApplication.translate("SceneReading", what),
            seconds=f"{progress.elapsed_s:.0f}")

    def show_latest(self) -> None:
        if self.dialog.labelText() != self._text:
            self.dialog.setLabelText(self._text)
        if not self.dialog.isVisible() and time.monotonic() - self._started >= self.SHOW_AFTER_S:
            self.dialog.show()

    def close(self) -> None:
        self.dialog.reset()
        self.dialog.deleteLater()


def _on_thread(work: Callable[[], ReadScene], name: str,
               converting: ConversionProgress | None = None) -> ReadScene:
    outcome: list[ReadScene | BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as err:  # noqa: BLE001 - handed to the GUI thread, raised there
            outcome.append(err)

    thread = threading.Thread(target=run, name=f"read {name}", daemon=True)
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(10)

    def check() -> None:
        if converting is not None:
            converting.show_latest()
        if not thread.is_alive():
            loop.quit()

    poll.timeout.connect(check)
    thread.start()
    poll.start()
    loop.exec()
    poll.stop()
    thread.join()
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result
