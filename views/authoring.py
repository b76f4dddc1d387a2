"""Scenario authoring in the window: the Qt side of the scenario document.

The edits and their undo history are scenes/scenario_document.py (no Qt, owned by the
window's app.model.Workspace); here its stack gets Undo / Redo actions (``undo_actions``),
and the viewport gets a picker that turns a click on the model into a hit (``PointPlacer``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent

from scenes.undo import UndoStack

_CLICK_SLOP = 4  # pixels a press may travel and still count as a click


def undo_actions(stack: UndoStack, parent: QObject) -> tuple[QAction, QAction]:
    """Edit ▸ Undo and Redo for ``stack``: enabled while there is something to undo (redo),
    naming it ("Undo Add inspection point P3"), with the platform's shortcuts."""
    translate = QCoreApplication.translate
    undo = _follow(stack, QAction(translate("Authoring", "&Undo"), parent), stack.undo, lambda: (stack.can_undo, stack.undo_text))
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = _follow(stack, QAction(translate("Authoring", "&Redo"), parent), stack.redo, lambda: (stack.can_redo, stack.redo_text))
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    return undo, redo


def _follow(stack: UndoStack, action: QAction, run, state) -> QAction:  # noqa: ANN001
    text = action.text()
    action.triggered.connect(run)

    def follow() -> None:
        enabled, what = state()
        action.setEnabled(enabled)
        action.setText(f"{text} {what}".strip() if what else text)

    stack.changed.connect(follow)
    action.destroyed.connect(lambda: stack.changed.disconnect(follow))
    follow()
    return action


class PointPlacer(QObject):
    """Event filter on the viewport: while enabled, a click (no drag) on the model emits
    ``picked(RayHit)`` instead of selecting; presses and drags still reach the viewport, so
    the camera navigates as usual. ``index_provider()`` returns the SceneIndex holding the
    current part poses (None before a scene is loaded)."""

    picked = Signal(object)

    def __init__(self, viewport: Any, index_provider, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.viewport = viewport
        self._index_provider = index_provider
        self.enabled = False
        self._press: QPointF | None = None
        viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not self.enabled or not isinstance(event, QMouseEvent):
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if event.type() == QEvent.Type.MouseButtonPress:
            self._press = event.position()
            return False
        if event.type() == QEvent.Type.MouseButtonRelease and self._press is not None:
            moved = event.position() - self._press
            self._press = None
            if abs(moved.x()) + abs(moved.y()) <= _CLICK_SLOP:
                self._pick(event.position())
            return True
        return False

    def _pick(self, pos: QPointF) -> None:
        index = self._index_provider()
        if index is None:
            return
        ray = self.viewport.ray(pos.x(), pos.y())  # what is on screen (desktop AR too)
        hit = index.ray(*ray) if ray is not None else None
        if hit is not None:
            self.picked.emit(hit)
