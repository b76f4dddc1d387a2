"""Inspection dwell: a point counts as seen after the gaze or a free aim ray stayed on it.

The rays are those the engine and ``gaze.GazeSelect`` cast earlier in the step (a hand
that carries a part casts none); the per-point timers live in ``InspectionTask``, which
the task reset clears.
"""

from __future__ import annotations

from interaction.events import Event
from interaction.frame import InputFrame
from interaction.verbs.base import VerbContext


class PointDwell:
    """POINT_SEEN for each inspection point dwelt on long enough."""

    def reset(self) -> None:
        pass

    def step(self, ctx: VerbContext, frame: InputFrame, n: int, t: float) -> list[Event]:
        inspection = ctx.inspection
        if not inspection.has_points:
            return []
        s = ctx.state
        hits = [p for p, hs in zip(s.ray_hits, ctx.hand_states, strict=True) if p is not None and hs.held is None]
        if s.gaze_hit is not None:
            hits.append(s.gaze_hit)
        p = ctx.params
        return inspection.dwell(hits, p.inspection_radius_mm / 1000.0, p.dwell_time_s, n, t)
