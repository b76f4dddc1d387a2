"""Desktop AR authoring (part 4 of issue 13): the marker placed on the model by a click,
and drawn on the model while AR is off.

**Place marker on the model…** (Device menu, checkable): while on, a click on a face of
the model (views.authoring.PointPlacer, the inspection points' click-to-hit) puts the
marker there: ``scenes.scenario_document.anchor_from_hit`` centres it on the hit point,
faces it out of the face and turns its top edge along the model's up projected on the
face (the model's back on a level face: ``scenes.scenario_anchor.marker_frame``), after
the person has said its printed size (the last one used, else the current marker's, else
50 mm), id and dictionary in one form. It is one undoable edit of the scenario document
(``set_anchor``, kind "anchor"), saved with File ▸ Save scenario. Meanwhile the mouse
turns the view (the simulated hands pause and come back after); Esc cancels.

While AR is off, the scenario's marker is drawn where it sits on the model
(views.anchor_marker), following its part where the task has moved it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut

from scenes.scenario_anchor import DEFAULT_DICTIONARY, Anchor
from scenes.scenario_document import anchor_from_hit, node_world_matrix
from scenes.transforms import matrix_to_pose, pose_to_matrix
from views.anchor_marker import MarkerChoice, add_marker, ask_marker, marker_segments
from views.authoring import PointPlacer
from views.render_state import RenderState

translate = QCoreApplication.translate

if TYPE_CHECKING:
    from app.window.controller import InteractionController
    from scenes.index import SceneIndex
    from scenes.ray_hits import RayHit

DEFAULT_MARKER_MM = 50.0
_BOARD_SIZES = re.compile(r"(charuco|grid):(\d+)[xX](\d+):([0-9.]+):([0-9.]+):")


def target_outline(anchor: Anchor) -> tuple[float, float, bool]:
    """(width m, height m, origin at the top-left corner) of an anchor's printed target."""
    if anchor.board is None:
        side = anchor.size_m or DEFAULT_MARKER_MM / 1000.0
        return side, side, False
    match = _BOARD_SIZES.match(anchor.board)
    assert match is not None  # checked when the scenario was read
    kind, cols, rows, a, b = match.groups()
    n, m, a_m, b_m = int(cols), int(rows), float(a) / 1000.0, float(b) / 1000.0
    if kind == "charuco":
        return n * a_m, m * a_m, True
    return n * a_m + (n - 1) * b_m, m * a_m + (m - 1) * b_m, True


@dataclass(frozen=True)
class _Drawn:
    """The marker as drawn on the model, kept while the anchor and its node's pose stay."""

    anchor: Anchor
    node_pose: bytes
    segments: np.ndarray
    colors: np.ndarray
    label_at: np.ndarray
    text: str


class MarkerPlacement(QObject):
    """Place marker on the model…, Remove the AR marker, and the marker drawn on the model."""

    def __init__(self, controller: InteractionController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = window = controller.window
        self.place_action = QAction(translate("ArPlacement", "&Place marker on the model…"), window, checkable=True)
        self.place_action.toggled.connect(self._set_placing)
        self.remove_action = QAction(translate("ArPlacement", "&Remove the AR marker"), window)
        self.remove_action.triggered.connect(self.remove_marker)
        self.placer = PointPlacer(window.viewport, self._index, self)
        self.placer.picked.connect(self._placed)
        self._cancel = QShortcut(QKeySequence(Qt.Key.Key_Escape), window.viewport)
        self._cancel.setContext(Qt.ShortcutContext.WidgetShortcut)
        self._cancel.setEnabled(False)
        self._cancel.activated.connect(lambda: self.place_action.setChecked(False))
        self._simulating_before: bool | None = None
        self._drawn: _Drawn | None = None

    def _anchor(self) -> Anchor | None:
        scenario = self.controller.model.scenario
        return scenario.anchor if scenario is not None else None

    def _index(self) -> SceneIndex | None:
        """The engine's picking index (at the task's part poses)."""
        session = self.controller.session
        return session.engine.index if session is not None else None

    def refresh(self) -> None:
        task = self.controller.session is not None
        self.place_action.setEnabled(task)
        self.place_action.setToolTip(translate("ArPlacement", "Click the face of the model the printed marker is stuck on")
                                     if task else translate("ArPlacement", "open a model first"))
        self.remove_action.setEnabled(self._anchor() is not None)

    def forget(self) -> None:
        """A new task, or another anchor: draw anew."""
        self._drawn = None

    # -- placing -----------------------------------------------------------------------------
    def _set_placing(self, on: bool) -> None:
        """Clicks on the model place the marker; the mouse turns the view meanwhile (the
        simulated hands are paused and come back after)."""
        simulate = self.controller.simulate_action
        if on and self.controller.session is None:
            self.place_action.setChecked(False)
            return
        self.placer.enabled = on
        self._cancel.setEnabled(on)
        viewport = self.window.viewport
        if on:
            self._simulating_before = simulate.isChecked()
            simulate.setChecked(False)
            viewport.setCursor(Qt.CursorShape.CrossCursor)
            viewport.setFocus()  # for Esc
            self.window.statusBar().showMessage(
                translate("ArPlacement", "Click the face of the model the marker is stuck on, at its centre "
                          "(drag turns the view; Esc cancels)"))
        else:
            viewport.unsetCursor()
            if self._simulating_before:
                simulate.setChecked(True)
            self._simulating_before = None
            self.window.statusBar().clearMessage()

    def _placed(self, hit: RayHit) -> None:
        self.place_action.setChecked(False)
        session, document = self.controller.session, self.controller.model.document
        if session is None or document is None:
            return
        old = self._anchor()
        settings = self.window.settings
        stored = settings.value("ar/marker_size_mm")
        size = float(stored) if stored else (old.size_m * 1000 if old and old.size_m else DEFAULT_MARKER_MM)
        default = MarkerChoice(size, old.marker_id if old and old.marker_id is not None else 0,
                               old.dictionary if old else DEFAULT_DICTIONARY)
        scene = session.scene
        where = scene.part(hit.part).display_name if hit.part else scene.nodes[hit.node].name
        choice = ask_marker(self.window, default, translate("ArPlacement", "On {where}").format(where=where))
        if choice is None:
            return
        settings.setValue("ar/marker_size_mm", choice.size_mm)
        anchor = anchor_from_hit(scene, hit, choice.size_mm / 1000.0, choice.marker_id, choice.dictionary,
                                 dict(session.engine.state.part_poses),
                                 old.lost_after_s if old is not None else 0.25)
        document.set_anchor(anchor)
        self.window.statusBar().showMessage(
            translate("ArPlacement", "AR marker {id} ({size} mm) placed on {where}: File ▸ Save scenario keeps it; "
                      "print it with xrjig markers --print {id} --size-mm {size}").format(
                id=choice.marker_id, size=f"{choice.size_mm:g}", where=where), 15000)

    def remove_marker(self) -> None:
        """The scenario's marker goes (undoable)."""
        document = self.controller.model.document
        if document is not None and document.scenario.anchor is not None:
            document.set_anchor(None)

    # -- drawing -------------------------------------------------------------------------------
    def decorate(self, state: RenderState) -> None:
        """Draw the scenario's marker (if any) on the model into ``state``."""
        anchor, session = self._anchor(), self.controller.session
        if anchor is None or session is None:
            return
        drawn = self._marker(anchor, state.part_poses)
        if drawn is not None:
            add_marker(state, drawn.segments, drawn.colors, drawn.label_at, drawn.text)

    def _marker(self, anchor: Anchor, part_poses: dict[str, np.ndarray]) -> _Drawn | None:
        session = self.controller.session
        assert session is not None
        scene = session.scene
        node = next((n.index for n in scene.nodes if n.path == anchor.node), None) if anchor.node else None
        if anchor.node is not None and node is None:
            return None
        world = node_world_matrix(scene, node, part_poses) if node is not None else np.eye(4)
        key = world.tobytes()
        drawn = self._drawn
        if drawn is not None and drawn.anchor is anchor and drawn.node_pose == key:
            return drawn
        # where the marker is now: on its node as the part is drawn (as authored otherwise)
        target = anchor.model_from_target(scene)
        if node is not None:
            target = _rigid(world) @ np.linalg.inv(_rigid(scene.world_matrix(node))) @ target
        w, h, corner = target_outline(anchor)
        if anchor.board is None:
            what = translate("ArPlacement", "AR marker {id} ({dictionary}, {size} mm)").format(
                id=anchor.marker_id, dictionary=anchor.dictionary, size=f"{(anchor.size_m or 0) * 1000:.0f}")
        else:
            what = translate("ArPlacement", "AR board {board}").format(board=anchor.board)
        centre = target[:3, :3] @ np.array([w / 2, h / 2, 0.0]) + target[:3, 3] if corner else target[:3, 3]
        self._drawn = _Drawn(anchor, key, *marker_segments(target, w, h, corner), centre, what)
        return self._drawn


def _rigid(m: np.ndarray) -> np.ndarray:
    """(4, 4) ``m`` without its scale (what Anchor.model_from_target keeps of a node)."""
    return pose_to_matrix(matrix_to_pose(m))
