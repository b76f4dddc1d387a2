"""Scenario authoring in the window: the Qt side of the scenario document.

The edits and their undo history are scenes/scenario_document.py (no Qt, owned by the
window's app.model.Workspace); here its stack gets Undo / Redo actions (``undo_actions``),
and the viewport gets a picker that turns a click on the model into a hit (``PointPlacer``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent

from scenes.undo import Command, UndoStack

_CLICK_SLOP = 4  # pixels a press may travel and still count as a click

#: the undo history's names as scenes/scenario_document.py and app/model/workspace.py mark
#: them (context "Undo"), listed here for lupdate, which does not read scenes/;
#: tests/test_translations.py checks the two lists agree
UNDO_NAMES = (
    QT_TRANSLATE_NOOP("Undo", "Add inspection point {point}"),
    QT_TRANSLATE_NOOP("Undo", "Remove inspection point {point}"),
    QT_TRANSLATE_NOOP("Undo", "Move step {step}"),
    QT_TRANSLATE_NOOP("Undo", "Set what {step} waits for"),
    QT_TRANSLATE_NOOP("Undo", "Set {name}"),
    QT_TRANSLATE_NOOP("Undo", "Edit variant {variant}"),
    QT_TRANSLATE_NOOP("Undo", "Remove the AR marker"),
    QT_TRANSLATE_NOOP("Undo", "Place the AR marker"),
    QT_TRANSLATE_NOOP("Undo", "Edit parameters"),
)


def command_name(command: Command | None) -> str:
    """An undo step's name in the interface's language ("" for none): its template
    translated and filled in with its names, else its text translated (a text nobody
    marked comes back as it is)."""
    if command is None:
        return ""
    translate = QCoreApplication.translate
    if command.template:
        return translate("Undo", command.template).format(**command.values)
    return translate("Undo", command.text)


def undo_actions(stack: UndoStack, parent: QObject) -> tuple[QAction, QAction]:
    """Edit ▸ Undo and Redo for ``stack``: enabled while there is something to undo (redo),
    naming it ("Undo Add inspection point P3", translated: ``command_name``), with the
    platform's shortcuts."""
    translate = QCoreApplication.translate
    undo = _follow(stack, QAction(translate("Authoring", "&Undo"), parent), translate("Authoring", "&Undo {what}"),
                   stack.undo, lambda: (stack.can_undo, command_name(stack.undo_command)))
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = _follow(stack, QAction(translate("Authoring", "&Redo"), parent), translate("Authoring", "&Redo {what}"),
                   stack.redo, lambda: (stack.can_redo, command_name(stack.redo_command)))
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    return undo, redo


def _follow(stack: UndoStack, action: QAction, named: str, run, state) -> QAction:  # noqa: ANN001
    """Keep ``action`` enabled and named after ``state()`` (enabled, what): its own text,
    or ``named`` with ``{what}`` filled in."""
    text = action.text()
    action.triggered.connect(run)

    def follow() -> None:
        enabled, what = state()
        action.setEnabled(enabled)
        action.setText(named.format(what=what).strip() if what else text)

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
