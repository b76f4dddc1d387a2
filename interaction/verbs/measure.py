"""Measure: while the measuring tool is on, two pinches on surfaces give a distance.

The tool is switched on and off by commands (``start`` / ``clear``, which the engine
routes here); while it is on, a pinch without a fist picks the aim ray's hit instead of
grabbing, and every second point yields a MEASUREMENT (with the clearance between the
two parts when they differ). A third pick starts a new pair.
"""

from __future__ import annotations

import numpy as np

from interaction.events import Event, EventKind
from interaction.state import EngineState, MeasurementState
from interaction.verbs.base import HandTurn, VerbContext, r4
from scenes.index import RayPoint


def start(state: EngineState, n: int, t: float) -> list[Event]:
    """The MeasureStart command: the tool on, no points yet."""
    state.measurement = MeasurementState(active=True)
    return [Event(n, t, EventKind.MEASURE_START)]


def clear(state: EngineState, n: int, t: float) -> list[Event]:
    """The MeasureClear command: the tool off, its points forgotten."""
    had = len(state.measurement.points)
    state.measurement = MeasurementState()
    return [Event(n, t, EventKind.MEASURE_CLEAR, data={"had_points": had})]


class MeasurePick:
    """A pinch (not a fist) picks a surface point while measuring; claims the turn, so
    that pinch grabs nothing — even when the ray hits nothing."""

    def reset(self) -> None:
        pass

    def lost(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        return []

    def step(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        if turn.claimed or not (turn.pinched and not turn.grabbed and ctx.state.measurement.active):
            return []
        turn.claimed = True
        return pick(ctx, turn.name, turn.hit, turn.n, turn.t)


def pick(ctx: VerbContext, hand: str, hit: RayPoint | None, n: int, t: float) -> list[Event]:
    """Add ``hit`` to the measurement: MEASURE_POINT, and MEASUREMENT on the second."""
    if hit is None:
        return []
    s = ctx.state
    m = s.measurement
    if len(m.points) == 2:
        s.measurement = m = MeasurementState(active=True)
    m.points.append(hit.point.copy())
    m.parts.append(hit.part)
    events = [Event(n, t, EventKind.MEASURE_POINT, hand=hand, part=hit.part,
                    data={"point": [r4(x) for x in hit.point], "index": len(m.points) - 1})]
    if len(m.points) == 2:
        m.distance_mm = float(np.linalg.norm(m.points[1] - m.points[0])) * 1000.0
        a, b = m.parts
        if a is not None and b is not None and a != b:
            m.clearance_mm = ctx.collision.clearance(a, b) * 1000.0
        data = {"distance_mm": r4(m.distance_mm), "parts": [a, b]}
        if m.clearance_mm is not None:
            data["clearance_mm"] = r4(m.clearance_mm)
        events.append(Event(n, t, EventKind.MEASUREMENT, hand=hand, data=data))
    return events
