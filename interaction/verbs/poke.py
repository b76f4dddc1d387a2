"""Poke: the index fingertip presses an inspection point's marker like a button.

A press is reported once (POKE) and confirms a seen, unmarked point as "pass"; the
marker must then be left (the tip rises above half its depth) before it can be pressed
again, so a finger resting on it does not repeat.
"""

from __future__ import annotations

import numpy as np

from interaction.commands import MarkPoint, Verdict
from interaction.events import Event, EventKind
from interaction.frame import Joint
from interaction.verbs.base import HandTurn, VerbContext

#: the note of marks made by a poke (as opposed to a panel button or the autopilot)
POKE_NOTE = "poke"


class Poke:
    """Runs for every tracked hand with joints, whatever the hand also did this frame
    (it never claims the turn nor respects a claim: a carrying hand can poke)."""

    def reset(self) -> None:
        pass

    def lost(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        return []

    def step(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        joints = turn.input.joints
        if joints is None or not ctx.inspection.has_points:
            return []
        tip = np.asarray(joints[Joint.INDEX_TIP, :3], dtype=np.float64)
        hs, p = turn.state, ctx.params
        point, height = ctx.inspection.poke_target(tip, p.poke_radius_mm / 1000.0, p.poke_depth_mm / 1000.0)
        if hs.poking is not None:
            if height > p.poke_depth_mm / 2000.0:
                hs.poking = None
            return []
        if point is None:
            return []
        hs.poking = point
        n, t, name = turn.n, turn.t, turn.name
        events = [Event(n, t, EventKind.POKE, hand=name, point=point)]
        if ctx.state.points[point].verdict is None:
            events += ctx.inspection.mark(MarkPoint(point, Verdict.PASS, POKE_NOTE), n, t, hand=name)
        return events
