"""Gaze dwell: looking at a part without a break for the dwell time selects it.

The gaze ray is cast every frame (when the eye tracker is confident enough); its hit is
also what the inspection dwell (``dwell.PointDwell``) counts, so this verb runs first.
The dwell is the difference of frame timestamps since the gaze came onto the part, so it
does not drift with the frame rate.
"""

from __future__ import annotations

from interaction.events import Event, EventKind
from interaction.frame import InputFrame
from interaction.verbs.base import VerbContext, r4

#: gaze below this confidence is ignored (no gaze this frame)
GAZE_MIN_CONFIDENCE = 0.5


class GazeSelect:
    """GAZE_DWELL once per unbroken look at a part that lasts the dwell time."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._part: str | None = None
        self._since = 0.0
        self._dwell = 0.0

    def step(self, ctx: VerbContext, frame: InputFrame, n: int, t: float) -> list[Event]:
        g, s = frame.gaze, ctx.state
        hit = None
        if g.confidence >= GAZE_MIN_CONFIDENCE:
            hit = ctx.index.ray_point(g.origin, g.direction, ctx.params.ray_max_length_m)
        s.gaze_hit = None if hit is None else hit.point
        part = None if hit is None else hit.part
        s.gaze_part = part
        if part != self._part:
            self._part, self._since, self._dwell = part, t, 0.0
        if part is None:
            return []
        before = self._dwell
        self._dwell = t - self._since
        if before < ctx.params.dwell_time_s <= self._dwell:
            s.gaze_selected = part
            return [Event(n, t, EventKind.GAZE_DWELL, part=part, data={"dwell_s": r4(self._dwell)})]
        return []
