"""Parts in a shared session: what the others do with them, applied to this engine.

Each participant's engine steps its own input only; another participant's grab, carry and
release arrive as commands (``SharedHold``, ``SharedPose``, ``SharedPlace``,
``SharedLeft``) applied at the frame they arrive and recorded with it, so every
participant's recording replays bit for bit. The rules that make everyone converge:

* a part held elsewhere cannot be grabbed here (``EngineState.others_hold``);
* a ``SharedHold`` wins over a hand here that holds the same part: the session (which
  breaks the tie of two simultaneous grabs by name) only sends it when the other had the
  part first, so this hand lets go (RELEASE, reason ``taken``);
* a snap elsewhere wins everywhere: the slot fills here too, even out of a hand here;
* a drop elsewhere does not take a part out of a hand here (that hold is the newer);
* a pose is taken only from the participant who holds the part here, and only rigid
  (a hostile peer cannot scale or shear a part).

Measurements are shared the same way (``SharedMeasure``): the others' last measurement
each, drawn in their colour, changing nothing of the task.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from interaction.commands import SharedHold, SharedLeft, SharedMeasure, SharedPlace, SharedPose
from interaction.events import Event, EventKind
from interaction.frame import Hand
from interaction.release import ReleaseReason
from interaction.verbs.base import VerbContext, r4
from interaction.verbs.grab import fill_slot, release

#: how far a received pose's rotation may be from orthonormal, and from the origin (m)
RIGID_TOLERANCE = 1e-3
MAX_REACH_M = 1e4


def rigid_pose(ctx: VerbContext, part: str, values: tuple[float, ...]) -> np.ndarray | None:
    """``values`` as the part's world matrix if it only turns and moves the part as
    authored (its authored scale kept), else None."""
    world = np.asarray(values, dtype=np.float64).reshape(4, 4)
    if not np.allclose(world[3], (0.0, 0.0, 0.0, 1.0)) or np.abs(world[:3, 3]).max() > MAX_REACH_M:
        return None
    authored = ctx.geometry[part].authored[:3, :3]
    try:
        turn = world[:3, :3] @ np.linalg.inv(authored)
    except np.linalg.LinAlgError:
        return None
    if np.abs(turn.T @ turn - np.eye(3)).max() > RIGID_TOLERANCE or np.linalg.det(turn) <= 0:
        return None
    return world


def _event(kind: str, part: str, by: str, n: int, t: float, **data: object) -> Event:
    return Event(n, t, kind, part=part, data={"by": by, **data})


def _refused(kind: str, part: str, by: str, reason: str, n: int, t: float) -> list[Event]:
    return [_event(kind, part, by, n, t, accepted=False, reason=reason)]


def _let_go_here(ctx: VerbContext, part: str, by: str, n: int, t: float) -> list[Event]:
    """A hand here that holds ``part`` lets go of it where it is (RELEASE, reason taken)."""
    events: list[Event] = []
    for h in (Hand.LEFT, Hand.RIGHT):
        if ctx.hand_states[h].held == part:
            released = release(ctx, h, n, t, snap=False, reason=ReleaseReason.TAKEN)
            events += [replace(e, data={**e.data, "taken_by": by}) if e.kind == EventKind.RELEASE else e
                       for e in released]
    return events


def held_here(ctx: VerbContext, part: str) -> bool:
    return any(hs.held == part for hs in ctx.hand_states)


def hold(ctx: VerbContext, c: SharedHold, n: int, t: float) -> list[Event]:
    """Participant ``c.by`` took ``c.part``."""
    if c.part not in ctx.slots:
        return _refused(EventKind.SHARED_HOLD, c.part, c.by, "not a movable part here", n, t)
    if c.part in ctx.state.snapped:
        return _refused(EventKind.SHARED_HOLD, c.part, c.by, "snapped here", n, t)
    events = _let_go_here(ctx, c.part, c.by, n, t)
    ctx.state.others_hold[c.part] = c.by
    return events + [_event(EventKind.SHARED_HOLD, c.part, c.by, n, t, accepted=True)]


def pose(ctx: VerbContext, c: SharedPose, n: int, t: float) -> list[Event]:
    """Where ``c.by`` carries the part now (no event: it comes many times a second)."""
    if ctx.state.others_hold.get(c.part) == c.by:
        world = rigid_pose(ctx, c.part, c.pose)
        if world is not None:
            ctx.set_pose(c.part, world, jumped=True)
    return []


def place(ctx: VerbContext, c: SharedPlace, n: int, t: float) -> list[Event]:
    """``c.by`` let go of ``c.part``: snapped into ``c.slot``, or dropped at ``c.pose``."""
    part, by = c.part, c.by
    if part not in ctx.slots:
        return _refused(EventKind.SHARED_PLACE, part, by, "not a movable part here", n, t)
    world = rigid_pose(ctx, part, c.pose)
    if world is None:
        return _refused(EventKind.SHARED_PLACE, part, by, "not a rigid pose", n, t)
    if c.slot and ctx.state.snapped.get(part) == c.slot:
        ctx.state.others_hold.pop(part, None)  # told again (a late joiner's catch-up)
        return []
    if part in ctx.state.snapped:
        return _refused(EventKind.SHARED_PLACE, part, by, "snapped here", n, t)
    if c.slot:
        if c.slot not in ctx.open_slots(part):
            return _refused(EventKind.SHARED_PLACE, part, by, f"slot {c.slot} is not free here", n, t)
        events = _let_go_here(ctx, part, by, n, t)
        ctx.state.others_hold.pop(part, None)
        events.append(_event(EventKind.SHARED_PLACE, part, by, n, t, accepted=True, outcome="snap", slot=c.slot))
        filled = fill_slot(ctx, None, part, c.slot, {"slot": c.slot}, n, t)
        return events + [replace(e, data={**e.data, "by": by}) for e in filled]
    holder = ctx.state.others_hold.get(part, by)
    if held_here(ctx, part) or holder != by:
        return _refused(EventKind.SHARED_PLACE, part, by, "held here" if held_here(ctx, part) else f"held by {holder}",
                        n, t)
    ctx.state.others_hold.pop(part, None)
    ctx.set_pose(part, world, jumped=True)
    return [_event(EventKind.SHARED_PLACE, part, by, n, t, accepted=True, outcome="drop")]


def left(ctx: VerbContext, c: SharedLeft, n: int, t: float) -> list[Event]:
    """``c.by`` left: the parts they held are free where they were last seen."""
    parts = sorted(p for p, who in ctx.state.others_hold.items() if who == c.by)
    for part in parts:
        del ctx.state.others_hold[part]
    return [_event(EventKind.SHARED_PLACE, part, c.by, n, t, accepted=True, outcome="left") for part in parts]


def measure(ctx: VerbContext, c: SharedMeasure, n: int, t: float) -> list[Event]:
    """``c.by`` measured between two points (shown here with their distance), or cleared."""
    if not c.points:
        had = ctx.state.others_measurements.pop(c.by, None)
        return [] if had is None else [Event(n, t, EventKind.MEASURE_CLEAR, data={"by": c.by, "had_points": 2})]
    a, b = np.asarray(c.points[:3]), np.asarray(c.points[3:])
    if max(np.abs(a).max(), np.abs(b).max()) > MAX_REACH_M:
        return []
    ctx.state.others_measurements[c.by] = [a, b]
    return [Event(n, t, EventKind.MEASUREMENT, data={"by": c.by, "distance_mm": r4(np.linalg.norm(b - a) * 1000.0)})]
