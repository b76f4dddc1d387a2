"""Feedback in the 3-D view: what just happened, said beside the part or point it concerns.

Snaps, releases out of tolerance (with the errors and the tolerances), wrong order, wrong
part, collisions, steps done, inspection marks accepted or rejected (and why) each become
a short-lived label (``LABEL_SECONDS`` of trial time, the time base of the event log and of
the replay), so a person learns the outcome where they are looking instead of in the log.
Pure: events and engine state in, ``Label``s out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from interaction.events import Event, EventKind
from interaction.state import EngineState
from views.render_state import RGBA, Label

LABEL_SECONDS = 3.0
GOOD: RGBA = (0.12, 0.5, 0.2, 0.9)
WARN: RGBA = (0.72, 0.45, 0.05, 0.92)
BAD: RGBA = (0.68, 0.13, 0.13, 0.92)
INFO: RGBA = (0.1, 0.11, 0.13, 0.85)
translate = QCoreApplication.translate
#: why a mark was refused (interaction.inspection.MarkRefusal's values) and verdicts, as shown
REASONS = (
    QT_TRANSLATE_NOOP("Feedback", "unknown point"), QT_TRANSLATE_NOOP("Feedback", "not seen yet"),
    QT_TRANSLATE_NOOP("Feedback", "no point under the gaze or ray"), QT_TRANSLATE_NOOP("Feedback", "nothing to undo"),
    QT_TRANSLATE_NOOP("Feedback", "rejected"), QT_TRANSLATE_NOOP("Feedback", "pass"),
    QT_TRANSLATE_NOOP("Feedback", "fail"), QT_TRANSLATE_NOOP("Feedback", "defect"),
)


def _mm(x: float) -> str:
    return f"{x:.1f}" if abs(x) < 10 else f"{x:.0f}"


def describe(event: Event, state: EngineState, part_name: Callable[[str], str]) -> tuple[tuple[str, ...], RGBA] | None:
    """The label text (lines) and colour for one event, or None if it needs no label."""
    d, kind = event.data, event.kind
    step_label = state.steps[event.step].label if event.step in state.steps else event.step
    if kind == EventKind.SNAP:
        return (translate("Feedback", "✓ {part} snapped").format(part=part_name(event.part or "")),), GOOD
    if kind == EventKind.RELEASE_OUT_OF_TOLERANCE:
        return (
            translate("Feedback", "✗ not snapped: out of tolerance"),
            translate("Feedback", "{mm} mm (max {max_mm}), {deg}° (max {max_deg})").format(
                mm=_mm(d["position_error_mm"]), max_mm=_mm(d["position_tolerance_mm"]),
                deg=f"{d['angle_error_deg']:.0f}", max_deg=f"{d['angle_tolerance_deg']:.0f}"),
        ), WARN
    if kind == EventKind.WRONG_ORDER:
        unmet = [state.steps[s].label if s in state.steps else s for s in d.get("unmet", [])]
        first = ", ".join(unmet[:3]) + (" …" if len(unmet) > 3 else "")
        return (translate("Feedback", "✗ wrong order"), translate("Feedback", "first: {steps}").format(steps=first)), BAD
    if kind == EventKind.WRONG_PART:
        steps = [state.steps[s].label if s in state.steps else s for s in d.get("steps", [])]
        return (translate("Feedback", "✗ not this part yet"),
                translate("Feedback", "it belongs to: {steps}").format(steps=", ".join(steps[:2]))), BAD
    if kind == EventKind.COLLISION_START:
        return (translate("Feedback", "collides with {part}").format(part=part_name(d.get("other", ""))),), BAD
    if kind == EventKind.STEP_DONE:
        return (translate("Feedback", "✓ step done: {step}").format(step=step_label),), GOOD
    if kind == EventKind.ASSEMBLY_COMPLETE:
        return (translate("Feedback", "✓ assembly complete"),), GOOD
    if kind == EventKind.POINT_SEEN:
        return (translate("Feedback", "{point} seen: mark it Pass / Fail / Defect").format(point=event.point),), INFO
    if kind == EventKind.POINT_MARKED:
        if d.get("accepted", True):
            verdict = translate("Feedback", str(d.get("verdict")))
            return (f"✓ {event.point}: {verdict}",), GOOD
        why = d.get("reason", "rejected")
        hint = translate("Feedback", " (look at it until it turns blue)") if why == "not seen yet" else ""
        return (translate("Feedback", "✗ {point} not marked: {reason}").format(
            point=event.point, reason=translate("Feedback", why)) + hint,), BAD
    if kind == EventKind.CHECKLIST_COMPLETE:
        return (translate("Feedback", "✓ checklist complete"),), GOOD
    if kind == EventKind.TASK_COMPLETE:
        return (translate("Feedback", "✓ task complete"),), GOOD
    return None


@dataclass
class _Shown:
    until: float
    subject: tuple[str | None, str | None]  # (part, point)
    lines: tuple[str, ...]
    rgba: RGBA


class FeedbackLabels:
    """Collects labels from events and hands out those still showing at a time."""

    def __init__(self, part_name: Callable[[str], str], seconds: float = LABEL_SECONDS) -> None:
        self.part_name = part_name
        self.seconds = seconds
        self._shown: list[_Shown] = []
        self._t = float("-inf")

    def clear(self) -> None:
        self._shown.clear()
        self._t = float("-inf")

    def add(self, events: Iterable[Event], state: EngineState) -> None:
        for event in events:
            if event.t < self._t:  # time went back (a replay seeks): older words are stale
                self.clear()
            self._t = event.t
            said = describe(event, state, self.part_name)
            if said is None:
                continue
            subject = (event.part, event.point)
            # a newer word about the same thing replaces the older one (and STEP_DONE joins
            # the SNAP that caused it)
            same = [s for s in self._shown if s.subject == subject and subject != (None, None)]
            lines = said[0]
            if same and event.kind in (EventKind.STEP_DONE, EventKind.ASSEMBLY_COMPLETE):
                lines = same[-1].lines + lines
                said = (lines, said[1])
            self._shown = [s for s in self._shown if s not in same]
            self._shown.append(_Shown(event.t + self.seconds, subject, lines, said[1]))

    def labels(self, t: float, where: Callable[[str | None, str | None], np.ndarray | None]) -> list[Label]:
        """The labels showing at time ``t``; ``where(part, point)`` gives a subject's world
        position (None: pinned to the task, ``where(None, None)``)."""
        if t < self._t:
            self.clear()
        self._t = t
        self._shown = [s for s in self._shown if s.until >= t]
        out = []
        for s in self._shown:
            pos = where(*s.subject)
            if pos is not None:
                out.append(Label(np.asarray(pos, dtype=np.float64), s.lines, s.rgba))
        return out
