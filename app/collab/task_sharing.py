"""One participant's side of the shared task: its own events out, the others' in.

The window and the autopilot (``xrjig check --join``) both use it, so both share the same
way. Out: this participant's own events (those without ``by``) become task messages
(app/collab/task_wire.py): a grab a ``hold``, the carried part's pose a ``pose`` at most
``POSE_HZ`` times a second, a release a ``place`` (with the slot it snapped into and the
steps that finished), an accepted verdict a ``verdict``, the task's completion a
``progress``, a measurement (or its clearing) a ``measurement``. A release because
someone else had the part (reason ``taken``) says nothing: the other's hold stands.

In: the others' messages become engine commands (interaction/shared_parts.py). Two people
who grab one part at the same moment each see the other's hold while holding it; the
earlier name in sort order keeps it (both sides decide alike, without a round trip), so
the other's hold is passed to the engine only when it wins. Of several poses of one part
that arrived together only the newest is passed (the engine would move the part through
the older ones within one frame anyway, and each is recorded).

No Qt, no network: the owner sends the bytes and submits the commands.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.collab.task_wire import (
    SharedAction,
    hold_message,
    measurement_message,
    place_message,
    pose_message,
    progress_message,
    state_message,
    verdict_message,
)
from interaction.commands import (
    Command,
    SharedHold,
    SharedLeft,
    SharedMark,
    SharedMeasure,
    SharedPlace,
    SharedPose,
)
from interaction.events import Event, EventKind
from interaction.release import ReleaseReason
from interaction.state import EngineState

#: the most pose messages a second per carried part
POSE_HZ = 30.0


def _measured(state: EngineState) -> list[float]:
    """This participant's measurement: its two points (six numbers), or none."""
    m = state.measurement
    return [float(v) for p in m.points for v in p] if len(m.points) == 2 else []


def _flat(matrix: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(matrix, dtype=np.float64).reshape(16)]


class TaskSharing:
    """Participant ``name``'s translation between its engine and the session."""

    def __init__(self, name: str, pose_hz: float = POSE_HZ) -> None:
        self.name = name
        #: this participant's laser pointer is on (told to late joiners with the state)
        self.pointing = False
        self._pose_interval = 1.0 / pose_hz
        self._pose_sent: dict[str, float] = {}

    # -- out ------------------------------------------------------------------------------
    def outgoing(self, events: Sequence[Event], state: EngineState, now: float) -> list[bytes]:
        """The messages this participant's new ``events`` make (in their order), then the
        poses of the parts its hands carry (``state``: its engine's, read under its lock;
        ``now``: seconds, any monotonic clock)."""
        out: list[bytes] = []
        own = [e for e in events if "by" not in e.data]
        for i, e in enumerate(own):
            if e.kind == EventKind.GRAB and e.part:
                out.append(hold_message(e.part))
                self._pose_sent[e.part] = now
            elif e.kind == EventKind.RELEASE and e.part and e.data.get("reason") != ReleaseReason.TAKEN.value:
                out.append(self._place(e, own[i + 1:], state))
            elif e.kind == EventKind.POINT_MARKED and e.data.get("accepted"):
                out.append(verdict_message(e.point or "", e.data["verdict"], e.data.get("note", "")))
            elif e.kind == EventKind.TASK_COMPLETE:
                out.append(progress_message([s.id for s in state.steps.values() if s.done], True))
            elif e.kind == EventKind.MEASUREMENT:
                out.append(measurement_message(_measured(state)))
            elif e.kind in (EventKind.MEASURE_CLEAR, EventKind.MEASURE_START, EventKind.RESET):
                out.append(measurement_message(()))
        for part in state.held:
            if part is not None and now - self._pose_sent.get(part, -1e9) >= self._pose_interval:
                self._pose_sent[part] = now
                out.append(pose_message(part, _flat(state.part_poses[part])))
        return out

    @staticmethod
    def _place(release: Event, after: Sequence[Event], state: EngineState) -> bytes:
        """A release, with the slot of the snap that follows it in the same frame and the
        steps that snap finished."""
        same = [e for e in after if e.frame == release.frame]
        snap = next((e for e in same if e.kind == EventKind.SNAP and e.part == release.part), None)
        slot = None if snap is None else snap.data.get("slot")
        steps = [e.step for e in same if e.kind == EventKind.STEP_DONE and e.step] if snap is not None else []
        return place_message(release.part or "", _flat(state.part_poses[release.part or ""]), slot, steps)

    def state(self, state: EngineState, start: dict[str, np.ndarray]) -> bytes:
        """This participant's whole task for a late joiner (``start``: the parts' start
        poses; only the parts away from them are told)."""
        verdicts = {p.id: (p.verdict, p.note) for p in state.points.values() if p.verdict}
        held = {p for p in state.held if p is not None}
        parts = {
            part: (_flat(pose), state.snapped.get(part))
            for part, pose in state.part_poses.items()
            if part not in held and part not in state.others_hold and part in start
            and (part in state.snapped or not np.allclose(pose, start[part], atol=1e-6))
        }
        holds = {part: _flat(state.part_poses[part]) for part in held}
        steps = [s.id for s in state.steps.values() if s.done]
        return state_message(verdicts, parts, holds, steps, state.task_complete, self.pointing, _measured(state))

    # -- in -------------------------------------------------------------------------------
    def incoming(self, actions: Sequence[SharedAction], state: EngineState) -> list[Command]:
        """The engine commands the others' ``actions`` (decoded, in arrival order) make,
        given this engine's ``state`` now (only the task's; resets and variants are the
        owner's)."""
        out: list[Command] = []
        newest_pose: dict[str, int] = {}
        for action in actions:
            if isinstance(action, SharedHold):
                holder = self.name if action.part in state.held else state.others_hold.get(action.part)
                if holder is not None and holder != action.by and action.by > holder:
                    continue  # two grabbed it at once: the earlier name keeps it, everywhere
                out.append(action)
            elif isinstance(action, SharedPose):
                if action.part in newest_pose:
                    out[newest_pose[action.part]] = action
                else:
                    newest_pose[action.part] = len(out)
                    out.append(action)
            elif isinstance(action, SharedPlace):
                newest_pose.pop(action.part, None)
                if self._differs(action, state):
                    out.append(action)
            elif isinstance(action, SharedMeasure):
                have = state.others_measurements.get(action.by)
                now = None if have is None else tuple(float(v) for p in have for v in p)
                if (now or ()) != action.points:
                    out.append(action)
            elif isinstance(action, SharedMark):
                point = state.points.get(action.point)
                if point is not None and (point.verdict, point.note) != (action.verdict.value, action.note):
                    out.append(action)
        return out

    @staticmethod
    def _differs(place: SharedPlace, state: EngineState) -> bool:
        """Whether ``place`` would change anything here (a late joiner is told every
        part's place by everyone: most it has already)."""
        if place.slot:
            return state.snapped.get(place.part) != place.slot
        pose = state.part_poses.get(place.part)
        return pose is None or not np.allclose(pose.reshape(16), place.pose, atol=1e-6) \
            or place.part in state.others_hold

    @staticmethod
    def left(name: str, state: EngineState) -> list[Command]:
        """Participant ``name`` left: free what it held here."""
        return [SharedLeft(name)] if name in state.others_hold.values() else []
