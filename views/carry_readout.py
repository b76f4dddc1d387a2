"""The readout beside a carried part: how far from its target, and what letting go does.

Distance and angle to the target the release would be judged against, each with its
tolerance, coloured by the outcome (green: it snaps), and what is still to do, in the
person's terms: the turn still to go named after the desktop controls (R + drag
sideways turns about the view's up axis, R + drag up/down about its right axis, R + wheel
about the view axis), or the steps that must come first.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from interaction.release import ReleaseOutcome, ReleasePreview
from views.render_state import RGBA

OUTCOME_COLORS: dict[ReleaseOutcome, RGBA] = {
    ReleaseOutcome.SNAP: (0.1, 0.55, 0.2, 0.92),
    ReleaseOutcome.OUT_OF_TOLERANCE: (0.72, 0.45, 0.05, 0.92),
    ReleaseOutcome.WRONG_ORDER: (0.68, 0.13, 0.13, 0.92),
    ReleaseOutcome.DROP: (0.1, 0.11, 0.13, 0.85),
}
_VERDICT = {
    ReleaseOutcome.SNAP: QT_TRANSLATE_NOOP("CarryReadout", "release: snaps ✓"),
    ReleaseOutcome.OUT_OF_TOLERANCE: QT_TRANSLATE_NOOP("CarryReadout", "release: out of tolerance"),
    ReleaseOutcome.WRONG_ORDER: QT_TRANSLATE_NOOP("CarryReadout", "release: wrong order"),
    ReleaseOutcome.DROP: QT_TRANSLATE_NOOP("CarryReadout", "release: drops here"),
}
#: (view axis, sign) of the turn still to go -> the control that makes it
_TURN_CONTROLS = {
    (1, 1): QT_TRANSLATE_NOOP("CarryReadout", "R + drag right"),
    (1, -1): QT_TRANSLATE_NOOP("CarryReadout", "R + drag left"),
    (0, 1): QT_TRANSLATE_NOOP("CarryReadout", "R + drag down"),
    (0, -1): QT_TRANSLATE_NOOP("CarryReadout", "R + drag up"),
    (2, 1): QT_TRANSLATE_NOOP("CarryReadout", "R + wheel toward you"),
    (2, -1): QT_TRANSLATE_NOOP("CarryReadout", "R + wheel away"),
}
translate = QCoreApplication.translate


def _mm(x: float) -> str:
    return f"{x:.1f}" if x < 10 else f"{x:.0f}"


def turn_to_go(current: np.ndarray, target: np.ndarray, view: np.ndarray) -> tuple[float, str]:
    """The turn from world rotation ``current`` to ``target`` ((3, 3) or (4, 4)): its angle
    in degrees and the control that turns about the view axis nearest its axis."""
    r_c = np.asarray(current, dtype=np.float64)[:3, :3]
    r_t = np.asarray(target, dtype=np.float64)[:3, :3]
    r_c = r_c / np.linalg.norm(r_c, axis=0)
    r_t = r_t / np.linalg.norm(r_t, axis=0)
    err = r_t @ r_c.T
    angle = float(np.degrees(np.arccos(np.clip((np.trace(err) - 1.0) / 2.0, -1.0, 1.0))))
    axis = np.array([err[2, 1] - err[1, 2], err[0, 2] - err[2, 0], err[1, 0] - err[0, 1]])
    if np.linalg.norm(axis) < 1e-9:  # 0° or 180°: the axis from the symmetric part
        sym = (err + np.eye(3)) / 2.0
        axis = sym[:, int(np.argmax(np.diag(sym)))]
    in_view = np.asarray(view, dtype=np.float64)[:3, :3] @ axis
    k = int(np.argmax(np.abs(in_view)))
    return angle, _TURN_CONTROLS[(k, 1 if in_view[k] >= 0 else -1)]


def readout(
    preview: ReleasePreview,
    pose: np.ndarray,
    view: np.ndarray | None,
    step_labels: Mapping[str, str] | None = None,
) -> tuple[tuple[str, ...], RGBA]:
    """The readout's lines and colour for a carried part at world ``pose`` (``view``: the
    (4, 4) world -> eye matrix the turn is named in; ``step_labels``: step id -> label)."""
    if preview.position_error_mm is None or preview.angle_error_deg is None:
        return (translate("CarryReadout", "no open target for this part"),), OUTCOME_COLORS[ReleaseOutcome.DROP]
    pos_ok, ang_ok = preview.position_ok, preview.angle_ok
    lines = [
        f"{'✓' if pos_ok else '✗'} {_mm(preview.position_error_mm)} mm"
        f" (≤ {_mm(preview.position_tolerance_mm or 0.0)})"
        f"   {'✓' if ang_ok else '✗'} {preview.angle_error_deg:.0f}°"
        f" (≤ {preview.angle_tolerance_deg or 0.0:.0f})",
        translate("CarryReadout", _VERDICT[preview.outcome]),
    ]
    if preview.outcome is ReleaseOutcome.WRONG_ORDER and preview.unmet:
        names = [(step_labels or {}).get(s, s) for s in preview.unmet]
        lines.append(translate("CarryReadout", "first: {steps}").format(
            steps=", ".join(names[:3]) + (" …" if len(names) > 3 else "")))
    elif not ang_ok and view is not None and preview.target is not None:
        raw, control = turn_to_go(pose, preview.target, view)
        # a symmetric part's nearest turn is smaller than the raw one: its axis is unknown here
        if abs(raw - preview.angle_error_deg) < 1.0:
            lines.append(translate("CarryReadout", "turn {deg}°: {control}").format(
                deg=f"{preview.angle_error_deg:.0f}", control=translate("CarryReadout", control)))
        else:
            lines.append(translate("CarryReadout", "turn {deg}°").format(deg=f"{preview.angle_error_deg:.0f}"))
    return tuple(lines), OUTCOME_COLORS[preview.outcome]
