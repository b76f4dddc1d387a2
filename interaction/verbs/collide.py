"""Collisions of carried parts: the consequence of carrying, checked after both hands moved.

Each interpenetrating pair is reported once when it starts and once when it ends, in the
name of the hand (and part) that first brought it about; the answers themselves come
from ``VerbContext.colliding_with``, which skips the query while a part rests.
"""

from __future__ import annotations

from interaction.events import Event, EventKind
from interaction.frame import InputFrame
from interaction.verbs.base import HAND_NAMES, VerbContext


class Collisions:
    """COLLISION_START / COLLISION_END of held parts; ``state.colliding`` is the pairs now."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        #: sorted pair -> (hand, part) it is reported for
        self._owner: dict[tuple[str, str], tuple[str, str]] = {}

    def step(self, ctx: VerbContext, frame: InputFrame, n: int, t: float) -> list[Event]:
        current: dict[tuple[str, str], tuple[str, str]] = {}
        if ctx.params.collision_check:
            for h, hs in enumerate(ctx.hand_states):
                if hs.held is None:
                    continue
                for other in ctx.colliding_with(hs.held):
                    pair = (min(hs.held, other), max(hs.held, other))
                    current.setdefault(pair, (HAND_NAMES[h], hs.held))
        events = []
        for pair, (hand, part) in self._owner.items():
            if pair not in current:
                other = pair[1] if pair[0] == part else pair[0]
                events.append(Event(n, t, EventKind.COLLISION_END, hand=hand, part=part, data={"other": other}))
        for pair, (hand, part) in current.items():
            if pair not in self._owner:
                other = pair[1] if pair[0] == part else pair[0]
                events.append(Event(n, t, EventKind.COLLISION_START, hand=hand, part=part, data={"other": other}))
        self._owner = current
        ctx.state.colliding = set(current)
        return events
