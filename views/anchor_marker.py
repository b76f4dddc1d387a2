"""Desktop AR authoring in the view: the scenario's marker drawn on the model, and the
dialog that asks what was printed.

While AR is off, the designer needs to see where the printed marker has to go on the real
part, which way up, and which one it is: the marker is drawn where the scenario's anchor
puts it as a flat square (a white outline, the inner edge of its black border, dense
dark hatching so it reads as a printed surface on any part colour, and a white arrow to
its top edge) with a label naming it.
Lines only, so it uses the overlay path every view already has (RenderState lines and
labels, drawn faintly through parts too).

``MarkerDialog`` asks the three things the printout decides (side in mm, id, dictionary)
in one form, rather than three dialogs in a row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from scenes.scenario_anchor import MARKER_DICTIONARIES
from views.render_state import Label, RenderState

#: the outline and the arrow (light), the hatching (dark): one of them contrasts with any part
MARKER_COLOR = (1.0, 1.0, 1.0, 0.95)
MARKER_FILL_COLOR = (0.05, 0.05, 0.08, 0.9)
_HATCH_LINES = 12
#: a marker's black border is one cell of its grid (6x6 data cells + 2 border cells)
_BORDER_SHARE = 1.0 / 8.0
#: lifted off the face along its normal (of the side) so the lines do not fight the surface
_LIFT_SHARE = 0.01


def marker_segments(model_from_target: np.ndarray, width_m: float, height_m: float | None = None,
                    from_corner: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """((n, 2, 3) world line segments, (n, 4) their colours) of a marker (or board) drawn
    flat in its own frame.

    ``model_from_target`` (4, 4): the target's frame (OpenCV's: a marker's origin at its
    centre, x right, y up, z out of its face; with ``from_corner`` a board's origin at its
    top-left corner, y down)."""
    w = float(width_m)
    h = float(height_m if height_m is not None else width_m)
    lift = _LIFT_SHARE * max(w, h) * (-1.0 if from_corner else 1.0)  # a board's z points into it
    # drawn in a frame with y up (the printed top edge at y1), a board's then flipped to y down
    x0, x1, y0, y1 = (0.0, w, -h, 0.0) if from_corner else (-w / 2, w / 2, -h / 2, h / 2)

    def square(a0: float, a1: float, b0: float, b1: float) -> list[tuple[tuple, tuple]]:
        c = [(a0, b0), (a1, b0), (a1, b1), (a0, b1)]
        return [(c[i], c[(i + 1) % 4]) for i in range(4)]

    segs = square(x0, x1, y0, y1)
    inset = _BORDER_SHARE * min(w, h)
    segs += square(x0 + inset, x1 - inset, y0 + inset, y1 - inset)
    light = len(segs)
    for k in range(_HATCH_LINES):  # hatching: a printed surface, not a wire frame
        x = x0 + (x1 - x0) * (k + 0.5) / _HATCH_LINES
        segs.append(((x, y0), (x, y1)))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    tip = (cx, y1 + 0.25 * h)  # an arrow past the top edge: which way up to stick it
    segs += [((cx, cy), tip), ((cx - 0.1 * w, tip[1] - 0.1 * h), tip), ((cx + 0.1 * w, tip[1] - 0.1 * h), tip)]
    colors = np.tile(np.asarray(MARKER_COLOR, dtype=np.float32), (len(segs), 1))
    colors[light: light + _HATCH_LINES] = MARKER_FILL_COLOR
    local = np.array([[[a[0], a[1], lift], [b[0], b[1], lift]] for a, b in segs], dtype=np.float64)
    if from_corner:
        local[..., 1] *= -1.0
    m = np.asarray(model_from_target, dtype=np.float64)
    world = local @ m[:3, :3].T + m[:3, 3]
    return world.astype(np.float32), colors


def add_marker(state: RenderState, segments: np.ndarray, colors: np.ndarray, label_at: np.ndarray,
               text: str) -> None:
    """Add a marker's segments and colours (``marker_segments``) and its label to ``state``."""
    state.lines = np.concatenate([np.asarray(state.lines, dtype=np.float32).reshape(-1, 2, 3), segments])
    state.line_colors = np.concatenate([np.asarray(state.line_colors, dtype=np.float32).reshape(-1, 4), colors])
    state.labels.append(Label(np.asarray(label_at, dtype=np.float64), (text,), (0.08, 0.08, 0.1, 0.85)))


@dataclass(frozen=True)
class MarkerChoice:
    """What was printed: the black square's side, the marker's id and its dictionary."""

    size_mm: float
    marker_id: int
    dictionary: str


class MarkerDialog(QDialog):
    """Side (mm), id and dictionary of the marker being placed, in one form."""

    def __init__(self, choice: MarkerChoice, where: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        translate = QCoreApplication.translate
        self.setWindowTitle(translate("ArMarker", "Place the AR marker"))
        form = QFormLayout(self)
        if where:
            form.addRow(QLabel(where))
        self.size_box = QDoubleSpinBox(self)
        self.size_box.setObjectName("marker_size_mm")
        self.size_box.setRange(5.0, 2000.0)
        self.size_box.setDecimals(1)
        self.size_box.setSuffix(" mm")
        self.size_box.setValue(choice.size_mm)
        self.size_box.setToolTip(translate("ArMarker", "The printed black square's side, measured with a ruler"))
        self.id_box = QSpinBox(self)
        self.id_box.setObjectName("marker_id")
        self.id_box.setRange(0, 99_999)
        self.id_box.setValue(choice.marker_id)
        self.dictionary_box = QComboBox(self)
        self.dictionary_box.setObjectName("marker_dictionary")
        self.dictionary_box.addItems(list(MARKER_DICTIONARIES))
        self.dictionary_box.setCurrentText(choice.dictionary)
        form.addRow(translate("ArMarker", "Printed size"), self.size_box)
        form.addRow(translate("ArMarker", "Marker id"), self.id_box)
        form.addRow(translate("ArMarker", "Dictionary"), self.dictionary_box)
        form.addRow(QLabel(translate("ArMarker", "Print it with: xrjig markers --print ID --size-mm SIZE")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> MarkerChoice:
        return MarkerChoice(self.size_box.value(), self.id_box.value(), self.dictionary_box.currentText())


def ask_marker(parent: QWidget, choice: MarkerChoice, where: str = "") -> MarkerChoice | None:
    """Ask for the marker's side, id and dictionary (defaults ``choice``); None: cancelled."""
    dialog = MarkerDialog(choice, where, parent)
    try:
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
