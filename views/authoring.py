"""Scenario authoring in the window: the Qt side of the scenario document.

The edits and their undo history are scenes/scenario_document.py (no Qt); here they get a
Qt signal and Undo / Redo actions (``ScenarioEditor``), and the viewport gets a picker that
turns a click on the model into a hit (``PointPlacer``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QMouseEvent

from scenes.scenario import Scenario
from scenes.scenario_document import ScenarioDocument

_CLICK_SLOP = 4  # pixels a press may travel and still count as a click


class ScenarioEditor(QObject):
    """The scenario document (scenes/scenario_document.py) for the window: its edits as
    methods, ``changed`` as a Qt signal, and Undo / Redo actions that follow its stack."""

    #: "points", "steps", "tolerances" or "variants"
    changed = Signal(str)

    def __init__(self, scenario: Scenario, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = ScenarioDocument(scenario)
        self.document.changed.connect(self.changed.emit)
        self.scenario = scenario
        self.stack = self.document.stack
        # the document's edits, as the editor's own
        self.add_inspection_point = self.document.add_inspection_point
        self.remove_inspection_point = self.document.remove_inspection_point
        self.move_step = self.document.move_step
        self.set_requires = self.document.set_requires
        self.set_tolerance = self.document.set_tolerance
        self.set_variant = self.document.set_variant
        self.save = self.document.save

    def undo_action(self, parent: QObject, text: str) -> QAction:
        """An Undo action enabled while there is something to undo, naming it."""
        return self._action(parent, text, self.stack.undo, lambda: (self.stack.can_undo, self.stack.undo_text))

    def redo_action(self, parent: QObject, text: str) -> QAction:
        return self._action(parent, text, self.stack.redo, lambda: (self.stack.can_redo, self.stack.redo_text))

    def _action(self, parent: QObject, text: str, run, state) -> QAction:  # noqa: ANN001
        action = QAction(text, parent)
        action.triggered.connect(run)

        def follow() -> None:
            enabled, what = state()
            action.setEnabled(enabled)
            action.setText(f"{text} {what}".strip() if what else text)

        self.stack.changed.connect(follow)
        action.destroyed.connect(lambda: self.stack.changed.disconnect(follow))
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
        vp = self.viewport
        origin, direction = vp.camera.ray(pos.x(), pos.y(), max(vp.width(), 1), max(vp.height(), 1))
        hit = index.ray(origin, direction)
        if hit is not None:
            self.picked.emit(hit)
