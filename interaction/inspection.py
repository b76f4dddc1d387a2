"""The inspection checklist: points are seen by dwelling on them, then marked.

A point counts as SEEN only after the gaze, or an aim ray, stayed on it without a break
for the dwell time — a glance passing over it does not count. "On it" means the ray's
first hit lands within the inspection radius of the point, so occluded points cannot be
seen through other parts. Verdicts come as MarkPoint commands or by poking the point's
marker with the index fingertip (a poke confirms "pass" on a seen point).

Points ride on their node: when the part carrying the node moves, the point moves.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from interaction.commands import MarkPoint, MarkTargeted, SharedMark, Verdict
from interaction.events import Event, EventKind
from interaction.state import EngineState, PointState
from scenes.model import Scene
from scenes.scenario import Scenario


class MarkRefusal(str, Enum):
    """Why a mark was refused; POINT_MARKED events carry the value in ``data.reason``
    (views compare it to explain the refusal, so it stays the same string)."""

    UNKNOWN_POINT = "unknown point"
    NOT_SEEN = "not seen yet"
    NO_TARGET = "no point under the gaze or ray"
    NOTHING_TO_UNDO = "nothing to undo"


class InspectionTask:
    def __init__(self, scene: Scene, scenario: Scenario, state: EngineState) -> None:
        self.state = state
        self._points = scenario.inspection_points
        owner = {n: p.id for p in scene.parts for n in scene.part_nodes(p)}
        by_path = {n.path: n.index for n in scene.nodes}
        self._owner: list[str | None] = []
        self._local: list[np.ndarray] = []  # (4, 4) node frame relative to its part (or world)
        for point in self._points:
            node = by_path[point.node]
            part_id = owner.get(node)
            world = scene.world_matrix(node)
            if part_id is not None:
                world = np.linalg.inv(scene.world_matrix(scene.part(part_id).node)) @ world
            self._owner.append(part_id)
            self._local.append(world)
        self.reset()

    def reset(self) -> None:
        self.state.points = {
            p.id: PointState(p.id, p.instruction, np.zeros(3), np.array([0.0, 1.0, 0.0])) for p in self._points
        }
        self.state.checklist_complete = False
        self.state.cursor = self._points[0].id if self._points else None
        self._since: dict[str, float] = {}
        #: accepted marks, newest last: (point, its verdict and note before the mark)
        self._marks: list[tuple[str, str | None, str]] = []
        self.update_positions()

    @property
    def has_points(self) -> bool:
        return bool(self._points)

    def update_positions(self) -> None:
        poses = self.state.part_poses
        for point, owner, local in zip(self._points, self._owner, self._local, strict=True):
            m = local if owner is None else poses[owner] @ local
            s = self.state.points[point.id]
            s.position = m[:3, :3] @ point.point + m[:3, 3]
            n = np.linalg.solve(m[:3, :3].T, point.normal)  # normals take the inverse transpose
            s.normal = n / np.linalg.norm(n)

    def dwell(self, hits: list[np.ndarray], radius_m: float, dwell_s: float, frame: int, t: float) -> list[Event]:
        """Advance dwell timers with this frame's ray hit points; POINT_SEEN events.

        The dwell is the frame time elapsed since the first frame of an unbroken run on
        the point (differences of timestamps, so no float drift from summing steps)."""
        events = []
        for s in self.state.points.values():
            on = any(float(np.linalg.norm(h - s.position)) <= radius_m for h in hits)
            if not on:
                s.dwell = 0.0
                self._since.pop(s.id, None)
                continue
            s.dwell = t - self._since.setdefault(s.id, t)
            if not s.seen and s.dwell >= dwell_s:
                s.seen = True
                events.append(Event(frame, t, EventKind.POINT_SEEN, point=s.id, data={"dwell_s": round(s.dwell, 6)}))
        return events

    def mark(self, command: MarkPoint, frame: int, t: float, hand: str | None = None) -> list[Event]:
        s = self.state.points.get(command.point)
        if s is None:
            return [Event(frame, t, EventKind.POINT_MARKED, point=command.point,
                          data={"accepted": False, "reason": MarkRefusal.UNKNOWN_POINT.value})]
        if not s.seen:
            return [Event(frame, t, EventKind.POINT_MARKED, hand=hand, point=s.id,
                          data={"accepted": False, "reason": MarkRefusal.NOT_SEEN.value,
                                "verdict": command.verdict.value})]
        self._marks.append((s.id, s.verdict, s.note))
        s.verdict = command.verdict.value
        s.note = command.note
        events = [Event(frame, t, EventKind.POINT_MARKED, hand=hand, point=s.id,
                        data={"accepted": True, "verdict": s.verdict, "note": s.note})]
        return events + self._checklist_done(frame, t)

    def _checklist_done(self, frame: int, t: float) -> list[Event]:
        """CHECKLIST_COMPLETE once every point has a verdict (told once)."""
        if self.state.checklist_complete or not all(p.verdict for p in self.state.points.values()):
            return []
        self.state.checklist_complete = True
        verdicts = [p.verdict for p in self.state.points.values()]
        return [Event(frame, t, EventKind.CHECKLIST_COMPLETE, data={v.value: verdicts.count(v.value) for v in Verdict})]

    def mark_shared(self, command: SharedMark, frame: int, t: float) -> list[Event]:
        """A shared session's verdict from participant ``command.by``: taken as given (it
        saw the point), said with ``by`` so it is not shared back."""
        s = self.state.points.get(command.point)
        if s is None:
            return [Event(frame, t, EventKind.POINT_MARKED, point=command.point, data={
                "accepted": False, "reason": MarkRefusal.UNKNOWN_POINT.value, "by": command.by})]
        self._marks.append((s.id, s.verdict, s.note))
        s.verdict, s.note = command.verdict.value, command.note
        events = [Event(frame, t, EventKind.POINT_MARKED, point=s.id, data={
            "accepted": True, "verdict": s.verdict, "note": s.note, "by": command.by})]
        return events + self._checklist_done(frame, t)

    def targeted(self) -> str | None:
        """The point the gaze or an aim ray is on now (the one on longest; the checklist's
        order breaks a tie), else None. Read before this step's dwell: the previous frame's
        rays, which is what the person saw when they spoke."""
        on = [(since, i, p.id) for i, p in enumerate(self._points) if (since := self._since.get(p.id)) is not None]
        return min(on)[2] if on else None

    def mark_targeted(self, command: MarkTargeted, frame: int, t: float) -> list[Event]:
        """MarkTargeted: the point under the gaze or ray, else the cursor's point."""
        point = self.targeted() or self.state.cursor
        if point is None:
            return [Event(frame, t, EventKind.POINT_MARKED, data={
                "accepted": False, "reason": MarkRefusal.NO_TARGET.value, "verdict": command.verdict.value})]
        return self.mark(MarkPoint(point, command.verdict, command.note), frame, t)

    def move_cursor(self, delta: int, frame: int, t: float) -> list[Event]:
        """Move the cursor ``delta`` points along the checklist (clamped at its ends)."""
        ids = [p.id for p in self._points]
        if not ids:
            return []
        here = ids.index(self.state.cursor) if self.state.cursor in ids else 0
        there = min(max(here + int(delta), 0), len(ids) - 1)
        self.state.cursor = ids[there]
        return [Event(frame, t, EventKind.CURSOR_MOVED, point=ids[there], data={"moved": there - here})]

    def undo(self, frame: int, t: float) -> list[Event]:
        """Take back the newest accepted verdict (POINT_UNMARKED), or say there is none."""
        if not self._marks:
            return [Event(frame, t, EventKind.POINT_UNMARKED, data={
                "accepted": False, "reason": MarkRefusal.NOTHING_TO_UNDO.value})]
        point, verdict, note = self._marks.pop()
        s = self.state.points[point]
        undone = s.verdict
        s.verdict, s.note = verdict, note
        if verdict is None:
            self.state.checklist_complete = False
        return [Event(frame, t, EventKind.POINT_UNMARKED, point=point, data={
            "accepted": True, "undone": undone, "verdict": verdict})]

    def poke_target(self, tip: np.ndarray, radius_m: float, depth_m: float) -> tuple[str | None, float]:
        """The marker the fingertip is pressing (or None) and the tip's height above the
        nearest marker's point along its normal. Markers are buttons standing ``depth_m``
        proud of the surface; pressing one fully brings the tip down to the point."""
        best, best_height = None, float("inf")
        for s in self.state.points.values():
            d = tip - s.position
            height = float(d @ s.normal)
            lateral = float(np.linalg.norm(d - height * s.normal))
            if lateral <= radius_m and -depth_m <= height < best_height:
                best, best_height = s.id, height
        return (best if best_height <= 0.0 else None), best_height
