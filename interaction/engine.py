"""The interaction engine: InputFrames (+ Commands) in, Events and EngineState out.

Pure Python + NumPy over the scene's spatial index: no Qt, no GL, no clock, no random
numbers. Time comes only from frame timestamps, so the same scenario, parameters, frames
and commands give the same events, byte for byte — what replay, what-if re-simulation
and headless checks rely on.

Per step, in a fixed order: commands; each hand (LEFT then RIGHT: ray hover, grab,
held-part motion, release/snap, poke); collisions of held parts; gaze (hover, dwell
select); inspection dwell; task completion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interaction.assembly import AssemblyTask
from interaction.collision import CollisionWorld, exact_bvh, inset_bvh
from interaction.commands import Command, MarkPoint, MeasureClear, MeasureStart, Reset, SetRequires
from interaction.events import Event, EventKind
from interaction.frame import Hand, HandInput, InputFrame, Joint
from interaction.hands import HandState, smoothed_delta
from interaction.inspection import InspectionTask
from interaction.params import GrabMode, InteractionParams
from interaction.part_geometry import PartGeometry, scene_geometry
from interaction.release import ReleaseOutcome, ReleasePreview
from interaction.snap import Slot, SnapCandidate, candidates, make_slot
from interaction.state import EngineState, MagnetZone, MeasurementState
from interaction.symmetry import symmetry_rotations
from scenes.index import RayPoint, SceneIndex
from scenes.model import Scene
from scenes.part_layout import solid_parts
from scenes.scenario import Scenario
from scenes.transforms import pose_to_matrix

HAND_NAMES = ("left", "right")
#: what ``Engine.prepare`` can build ahead of need, in the order a run needs them: a
#: movable part's collision surfaces (inset and exact) at its grab, its own ray BVH and
#: proximity search once it lies somewhere new, the exact surfaces of the parts that stay
#: put when a carried part first comes near them, its symmetries at an in-position release
PREPARABLE = ("collision", "proximity", "surface", "symmetry")
#: gaze below this confidence is ignored (no gaze this frame)
GAZE_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class _Judgement:
    outcome: ReleaseOutcome
    candidate: SnapCandidate | None


def _r(x: float) -> float:
    """Figures in events: rounded so JSON lines stay short and readable."""
    return round(float(x), 4)


class Engine:
    """One run of a scenario: ``step(frame, commands)`` per input frame, ``state`` for views.

    ``index`` may be shared with a previous engine on the same scene (its part poses are
    reset to this scenario's start); part geometry and collision BVHs are shared between
    engines of one scene, so rebuilding after a tolerance or scenario edit is cheap.
    ``params`` may be replaced between steps; snap and collision tolerances are read at
    construction (they shape the targets and the collision surfaces).
    """

    def __init__(
        self,
        scene: Scene,
        scenario: Scenario,
        params: InteractionParams | None = None,
        index: SceneIndex | None = None,
    ) -> None:
        self.scene = scene
        self.scenario = scenario
        self.params = params or InteractionParams()
        self.index = index if index is not None else SceneIndex(scene)
        self.geometry: dict[str, PartGeometry] = scene_geometry(scene)
        self.movable = list(scenario.parts) if scenario.parts is not None else solid_parts(scene)
        self._movable_set = set(self.movable)
        self._fixed = tuple(p.id for p in scene.parts if p.id not in self._movable_set)
        #: part matrix -> rigid collision frame: frame = world @ _to_frame
        self._to_frame = {
            pid: np.linalg.inv(g.authored) @ g.authored_rigid for pid, g in self.geometry.items()
        }
        self._from_frame = {pid: np.linalg.inv(m) for pid, m in self._to_frame.items()}
        self._inv_authored = {pid: np.linalg.inv(g.authored) for pid, g in self.geometry.items()}
        self._start = scenario.start_matrices(scene)
        self.slots: dict[str, Slot] = {}
        for pid in self.movable:
            tol = scenario.part_tolerances.get(pid, {})
            self.slots[pid] = make_slot(
                self.geometry[pid],
                scenario.target_matrix(scene, pid),
                tol.get("position_mm", self.params.snap_position_mm) / 1000.0,
                tol.get("angle_deg", self.params.snap_angle_deg),
            )
        self._class: dict[str, list[str]] = {}
        for pid in self.movable:
            self._class.setdefault(self.geometry[pid].fingerprint, []).append(pid)
        self.collision = CollisionWorld(self.geometry, self.params.collision_tolerance_mm / 1000.0)
        self.state = EngineState()
        self._frame = -1
        self._t_prev: float | None = None
        self._reset_poses()
        self.assembly = AssemblyTask(scenario, self.state)
        self.inspection = InspectionTask(scene, scenario, self.state)
        self._clear_progress()

    # -- setup / reset ----------------------------------------------------------------------
    def _reset_poses(self) -> None:
        for pid, m in self._start.items():
            self._set_pose(pid, m)

    def _clear_progress(self) -> None:
        self._hands = [HandState.fresh(), HandState.fresh()]
        self._filled: dict[str, str] = {}
        self._collision_owner: dict[tuple[str, str], tuple[str, str]] = {}
        self._last_collision: dict[str, tuple[bytes, list[str]]] = {}
        self._gaze_part: str | None = None
        self._gaze_since = 0.0
        self._gaze_dwell = 0.0
        s = self.state
        s.hovered, s.held, s.ray_hits = [None, None], [None, None], [None, None]
        s.gaze_hit = s.gaze_part = s.gaze_selected = None
        s.snapped.clear()
        s.colliding.clear()
        s.measurement = MeasurementState()
        s.magnet_zones = []
        self._zones_key: tuple = ()
        s.task_complete = False
        self.assembly.reset()
        self.inspection.reset()

    def sync_poses(self) -> None:
        """Push ``state.part_poses`` into the spatial index and collision world, which hold
        the poses of whichever engine last moved them (after restoring a replay snapshot)."""
        for pid, m in self.state.part_poses.items():
            self._set_pose(pid, m)

    def _set_pose(self, part_id: str, world: np.ndarray) -> None:
        self.state.part_poses[part_id] = world
        self.index.set_part_pose(part_id, world)
        self.collision.set_frame(part_id, world.dot(self._to_frame[part_id]))

    def target_world(self, part_id: str, slot_id: str) -> np.ndarray:
        """(4, 4) world matrix ``part_id`` takes when it snaps into ``slot_id``."""
        return self.slots[slot_id].target @ self._from_frame[part_id]

    def rigid_frame(self, part_id: str, world: np.ndarray) -> np.ndarray:
        """The part's collision/snap frame for a part world matrix."""
        return world @ self._to_frame[part_id]

    def open_slots(self, part_id: str) -> list[str]:
        """Unfilled slots ``part_id`` may snap into (its own and its identical twins')."""
        return self._open_slots(part_id)

    # -- structures built on first use --------------------------------------------------------
    def preparation_plan(self) -> list[tuple[str, str]]:
        """(part, structure) for ``prepare``, soonest needed first (``PREPARABLE``'s order),
        and within each structure the parts of the first steps first."""
        in_steps = [p for s in self.scenario.steps for p in s.parts if p in self._movable_set]
        movable = list(dict.fromkeys(in_steps + self.movable))
        fixed = [p for p in self._fixed if self.geometry[p].triangle_count]
        return [
            (p, what) for what in PREPARABLE for p in (fixed if what == "surface" else movable)
        ]

    def prepare(self, part_id: str, structure: str) -> None:
        """Build now what the step would build on first use (see ``PREPARABLE``).

        Safe to call from another thread while ``step`` runs: it only fills the shared
        caches (collision.inset_bvh and exact_bvh, symmetry_rotations, the index's ray BVH
        and proximity search), each entry a pure function of geometry and build-time
        parameters published by one assignment, so events are the same whoever builds it
        first (and a step that finds it missing builds it itself, as without preparation).
        Engine state is not touched.
        """
        g = self.geometry[part_id]
        if structure == "collision":
            if g.triangle_count:
                inset_bvh(g, self.collision.tolerance_m)
                exact_bvh(g)
        elif structure == "surface":
            if g.triangle_count:
                exact_bvh(g)
        elif structure == "proximity":
            self.index.prepare_part(part_id)
        elif structure == "symmetry":
            self._symmetries(part_id)
        else:
            raise ValueError(f"unknown structure {structure!r} (one of {', '.join(PREPARABLE)})")

    # -- the step ---------------------------------------------------------------------------
    def step(self, frame: InputFrame, commands: Sequence[Command] = ()) -> list[Event]:
        self._frame += 1
        n, t = self._frame, float(frame.t)
        dt = 0.0 if self._t_prev is None else max(0.0, t - self._t_prev)
        self._t_prev = t
        events: list[Event] = []
        for command in commands:
            events += self._command(command, n, t)
        moved = False
        for h in (Hand.LEFT, Hand.RIGHT):
            events += self._hand(h, frame.hands[h], dt, n, t)
            moved = moved or self._hands[h].held is not None
        if moved and self.inspection.has_points:
            self.inspection.update_positions()
        events += self._collisions(n, t)
        hits = [p for p, hs in zip(self.state.ray_hits, self._hands, strict=True) if p is not None and hs.held is None]
        events += self._gaze(frame, n, t)
        if self.state.gaze_hit is not None:
            hits.append(self.state.gaze_hit)
        p = self.params
        if self.inspection.has_points:
            events += self.inspection.dwell(hits, p.inspection_radius_mm / 1000.0, p.dwell_time_s, n, t)
        events += self._task_complete(n, t)
        self._update_magnet_zones()
        self.state.frame, self.state.t = n, t
        return events

    # -- commands ---------------------------------------------------------------------------
    def _command(self, command: Command, n: int, t: float) -> list[Event]:
        m = self.state.measurement
        if isinstance(command, MarkPoint):
            return self.inspection.mark(command, n, t)
        if isinstance(command, MeasureStart):
            self.state.measurement = MeasurementState(active=True)
            return [Event(n, t, EventKind.MEASURE_START)]
        if isinstance(command, MeasureClear):
            self.state.measurement = MeasurementState()
            return [Event(n, t, EventKind.MEASURE_CLEAR, data={"had_points": len(m.points)})]
        if isinstance(command, Reset):
            self._reset_poses()
            self._clear_progress()
            return [Event(n, t, EventKind.RESET)]
        if isinstance(command, SetRequires):
            return self.assembly.set_requires(command.step, command.requires, n, t)
        raise TypeError(f"not a command: {command!r}")

    # -- hands ------------------------------------------------------------------------------
    def _hand(self, h: Hand, hand: HandInput, dt: float, n: int, t: float) -> list[Event]:
        hs, p, name = self._hands[h], self.params, HAND_NAMES[h]
        events: list[Event] = []
        if not hand.tracked:
            if hs.held is not None:
                events += self._release(h, n, t, snap=False, reason="tracking_lost")
            events += self._hover(h, None, n, t)
            self.state.ray_hits[h] = None
            self._hands[h] = HandState.fresh()
            return events
        pinched = hs.pinch.update(hand.pinch, p.press_threshold, p.release_threshold)
        grabbed = hs.grab.update(hand.grab, p.press_threshold, p.release_threshold)
        hit = None
        if hs.held is None:  # a hand that carries a part points at nothing (no hover noise)
            aim = pose_to_matrix(hand.aim)
            held_now = [x.held for x in self._hands if x.held is not None]
            hit = self.index.ray_point(aim[:3, 3], -aim[:3, 2], p.ray_max_length_m, exclude=held_now)
        self.state.ray_hits[h] = None if hit is None else hit.point
        events += self._hover(h, None if hit is None else hit.part, n, t)
        if hs.held is not None:
            driver = pose_to_matrix(hand.grip if hs.via == "near" else hand.aim)
            self._follow(hs, driver.dot(hs.offset), dt)  # (4, 4) .dot: @'s BLAS call, less overhead
            if hs.holding_input_released():
                events += self._release(h, n, t, snap=True, reason="let_go")
        elif pinched and not grabbed and self.state.measurement.active:
            events += self._measure_pick(name, hit, n, t)  # while measuring, a pinch picks points
        elif grabbed or pinched:
            grip = pose_to_matrix(hand.grip)
            near = self.index.parts_near(grip[:3, 3], p.near_radius_mm / 1000.0, exclude=self._not_grabbable())
            if near:
                events += self._grab(h, near[0][0], "near", "grab" if grabbed else "pinch", grip, n, t)
            elif pinched and hit is not None and hit.part in self._grabbable_now():
                events += self._grab(h, hit.part, "ray", "pinch", aim, n, t)
        if hand.joints is not None and self.inspection.has_points:
            events += self._poke(h, np.asarray(hand.joints[Joint.INDEX_TIP, :3], dtype=np.float64), n, t)
        return events

    def _not_grabbable(self) -> tuple[str, ...]:
        held = tuple(x.held for x in self._hands if x.held is not None)
        return self._fixed + tuple(self.state.snapped) + held

    def _grabbable_now(self) -> set[str]:
        return self._movable_set - set(self._not_grabbable())

    def _hover(self, h: Hand, part: str | None, n: int, t: float) -> list[Event]:
        hs = self._hands[h]
        if part == hs.hovered:
            return []
        events = []
        if hs.hovered is not None:
            events.append(Event(n, t, EventKind.HOVER_END, hand=HAND_NAMES[h], part=hs.hovered))
        if part is not None:
            events.append(Event(n, t, EventKind.HOVER_START, hand=HAND_NAMES[h], part=part))
        hs.hovered = self.state.hovered[h] = part
        return events

    def _open_slots(self, part: str) -> list[str]:
        return [s for s in self._class[self.geometry[part].fingerprint] if s not in self._filled]

    def _grab(self, h: Hand, part: str, via: str, held_by: str, driver: np.ndarray, n: int, t: float) -> list[Event]:
        name = HAND_NAMES[h]
        if self.scenario.strict_order:
            slots = self._open_slots(part)
            stepped = [s for s in slots if s in self.assembly.step_of_slot]
            if stepped and not any(self.assembly.slot_open(s) for s in stepped):
                steps = sorted({self.assembly.step_of_slot[s] for s in stepped})
                return [Event(n, t, EventKind.WRONG_PART, hand=name, part=part, data={"steps": steps})]
        hs = self._hands[h]
        hs.held, hs.via, hs.held_by = part, via, held_by
        hs.offset = np.linalg.inv(driver) @ self.state.part_poses[part]
        self.state.held[h] = part
        return [Event(n, t, EventKind.GRAB, hand=name, part=part, data={"via": via, "input": held_by})]

    def _follow(self, hs: HandState, target: np.ndarray, dt: float) -> None:
        part = hs.held
        assert part is not None
        if self.params.grab_mode is GrabMode.SMOOTHED:
            authored = self.geometry[part].authored
            inv = self._inv_authored[part]
            current = self.state.part_poses[part] @ inv
            target = smoothed_delta(current, target @ inv, self.params.smoothing, dt) @ authored
        self._set_pose(part, target)

    def _release(self, h: Hand, n: int, t: float, snap: bool, reason: str) -> list[Event]:
        hs, name = self._hands[h], HAND_NAMES[h]
        part = hs.held
        assert part is not None
        hs.held, hs.offset = None, None
        self.state.held[h] = None
        judged = self._judge_release(part, snap)
        outcome, c = judged.outcome, judged.candidate
        events = [Event(n, t, EventKind.RELEASE, hand=name, part=part, data={"outcome": outcome.value, "reason": reason})]
        if outcome is ReleaseOutcome.SNAP:
            assert c is not None
            events += self._snap(name, part, c, n, t)
        elif outcome is ReleaseOutcome.WRONG_ORDER:
            assert c is not None
            events.append(Event(n, t, EventKind.WRONG_ORDER, hand=name, part=part,
                                step=self.assembly.step_of_slot.get(c.slot.id),
                                data={"slot": c.slot.id, "unmet": self.assembly.unmet(c.slot.id)}))
        elif outcome is ReleaseOutcome.OUT_OF_TOLERANCE:
            assert c is not None
            events.append(Event(n, t, EventKind.RELEASE_OUT_OF_TOLERANCE, hand=name, part=part,
                                step=self.assembly.step_of_slot.get(c.slot.id), data=self._figures(c)))
        return events

    def release_preview(self, hand: Hand) -> ReleasePreview | None:
        """What letting go of ``hand``'s part now would do (None when it holds nothing):
        the same judgement ``step`` makes at a release, read-only, so the view can show a
        snap before it happens. Events and state are untouched."""
        part = self._hands[hand].held
        if part is None:
            return None
        judged = self._judge_release(part, snap=True)
        c = judged.candidate
        return ReleasePreview(
            part=part,
            outcome=judged.outcome,
            slot=None if c is None else c.slot.id,
            target=None if c is None else self.target_world(part, c.slot.id),
            position_error_mm=None if c is None else c.position_error_mm,
            angle_error_deg=None if c is None else c.angle_error_deg,
            position_tolerance_mm=None if c is None else c.slot.position_tol_m * 1000.0,
            angle_tolerance_deg=None if c is None else c.slot.angle_tol_deg,
            unmet=[] if c is None or judged.outcome is not ReleaseOutcome.WRONG_ORDER
            else self.assembly.unmet(c.slot.id),
        )

    def _judge_release(self, part: str, snap: bool) -> _Judgement:
        """The release rule: snap into the nearest open slot within tolerance; within
        tolerance of a slot whose step is not open yet: wrong order; inside the magnet
        radius but out of tolerance: out of tolerance; else a drop. The candidate is the
        slot the outcome is about (the nearest one for a drop)."""
        frame = self.state.part_poses[part] @ self._to_frame[part]
        slots = [self.slots[s] for s in self._open_slots(part)] if snap else []
        cands = candidates(frame, self.geometry[part], slots, lambda: self._symmetries(part),
                           self.params.magnet_radius_mm)
        within = [c for c in cands if c.within_tolerance]
        open_ = [c for c in within if self.assembly.slot_open(c.slot.id)]
        if open_:
            return _Judgement(ReleaseOutcome.SNAP, open_[0])
        if within:
            return _Judgement(ReleaseOutcome.WRONG_ORDER, within[0])
        if cands and cands[0].position_error_mm <= self.params.magnet_radius_mm:
            return _Judgement(ReleaseOutcome.OUT_OF_TOLERANCE, cands[0])
        return _Judgement(ReleaseOutcome.DROP, cands[0] if cands else None)

    def _symmetries(self, part: str) -> np.ndarray:
        """The part's self-symmetric turns, to within 2 % of its size or its position
        tolerance, whichever is tighter (a turn a user cannot see is no error)."""
        g = self.geometry[part]
        extent = float(np.ptp(g.vertices, axis=0).max()) if len(g.vertices) else 0.0
        return symmetry_rotations(g, min(self.slots[part].position_tol_m, 0.02 * extent))

    @staticmethod
    def _figures(c: SnapCandidate) -> dict[str, float | str]:
        return {
            "slot": c.slot.id,
            "position_error_mm": _r(c.position_error_mm),
            "angle_error_deg": _r(c.angle_error_deg),
            "position_tolerance_mm": _r(c.slot.position_tol_m * 1000.0),
            "angle_tolerance_deg": _r(c.slot.angle_tol_deg),
        }

    def _snap(self, hand: str, part: str, c: SnapCandidate, n: int, t: float) -> list[Event]:
        self._set_pose(part, self.target_world(part, c.slot.id))
        self._last_collision.clear()  # a part jumped: cached answers of resting hands are stale
        self._filled[c.slot.id] = part
        self.state.snapped[part] = c.slot.id
        step = self.assembly.step_of_slot.get(c.slot.id)
        events = [Event(n, t, EventKind.SNAP, hand=hand, part=part, step=step, data=self._figures(c))]
        return events + self.assembly.fill(c.slot.id, part, n, t)

    def _poke(self, h: Hand, tip: np.ndarray, n: int, t: float) -> list[Event]:
        hs, p = self._hands[h], self.params
        point, height = self.inspection.poke_target(tip, p.poke_radius_mm / 1000.0, p.poke_depth_mm / 1000.0)
        if hs.poking is not None:
            if height > p.poke_depth_mm / 2000.0:
                hs.poking = None
            return []
        if point is None:
            return []
        hs.poking = point
        name = HAND_NAMES[h]
        events = [Event(n, t, EventKind.POKE, hand=name, point=point)]
        if self.state.points[point].verdict is None:
            events += self.inspection.mark(MarkPoint(point, "pass", "poke"), n, t, hand=name)
        return events

    def _measure_pick(self, hand: str, hit: RayPoint | None, n: int, t: float) -> list[Event]:
        if hit is None:
            return []
        m = self.state.measurement
        if len(m.points) == 2:
            self.state.measurement = m = MeasurementState(active=True)
        m.points.append(hit.point.copy())
        m.parts.append(hit.part)
        events = [Event(n, t, EventKind.MEASURE_POINT, hand=hand, part=hit.part,
                        data={"point": [_r(x) for x in hit.point], "index": len(m.points) - 1})]
        if len(m.points) == 2:
            m.distance_mm = float(np.linalg.norm(m.points[1] - m.points[0])) * 1000.0
            a, b = m.parts
            if a is not None and b is not None and a != b:
                m.clearance_mm = self.collision.clearance(a, b) * 1000.0
            data = {"distance_mm": _r(m.distance_mm), "parts": [a, b]}
            if m.clearance_mm is not None:
                data["clearance_mm"] = _r(m.clearance_mm)
            events.append(Event(n, t, EventKind.MEASUREMENT, hand=hand, data=data))
        return events

    # -- collisions, gaze, completion -----------------------------------------------------------
    def _collisions(self, n: int, t: float) -> list[Event]:
        current: dict[tuple[str, str], tuple[str, str]] = {}
        if self.params.collision_check:
            for h, hs in enumerate(self._hands):
                if hs.held is None:
                    continue
                for other in self._colliding_with(hs.held):
                    pair = (min(hs.held, other), max(hs.held, other))
                    current.setdefault(pair, (HAND_NAMES[h], hs.held))
        events = []
        for pair, (hand, part) in self._collision_owner.items():
            if pair not in current:
                other = pair[1] if pair[0] == part else pair[0]
                events.append(Event(n, t, EventKind.COLLISION_END, hand=hand, part=part, data={"other": other}))
        for pair, (hand, part) in current.items():
            if pair not in self._collision_owner:
                other = pair[1] if pair[0] == part else pair[0]
                events.append(Event(n, t, EventKind.COLLISION_START, hand=hand, part=part, data={"other": other}))
        self._collision_owner = current
        self.state.colliding = set(current)
        return events

    def _colliding_with(self, part: str) -> list[str]:
        """Collision query, skipped while the part has not moved (a resting hand)."""
        key = self.state.part_poses[part].tobytes()
        cached = self._last_collision.get(part)
        if cached is None or cached[0] != key:
            cached = self._last_collision[part] = (key, self.collision.colliding_with(part))
        return cached[1]

    def _gaze(self, frame: InputFrame, n: int, t: float) -> list[Event]:
        g, s = frame.gaze, self.state
        hit = None
        if g.confidence >= GAZE_MIN_CONFIDENCE:
            hit = self.index.ray_point(g.origin, g.direction, self.params.ray_max_length_m)
        s.gaze_hit = None if hit is None else hit.point
        part = None if hit is None else hit.part
        s.gaze_part = part
        if part != self._gaze_part:
            self._gaze_part, self._gaze_since, self._gaze_dwell = part, t, 0.0
        if part is None:
            return []
        before = self._gaze_dwell
        self._gaze_dwell = t - self._gaze_since
        if before < self.params.dwell_time_s <= self._gaze_dwell:
            s.gaze_selected = part
            return [Event(n, t, EventKind.GAZE_DWELL, part=part, data={"dwell_s": _r(self._gaze_dwell)})]
        return []

    def _task_complete(self, n: int, t: float) -> list[Event]:
        s = self.state
        has_steps, has_points = self.assembly.has_steps, self.inspection.has_points
        if s.task_complete or not (has_steps or has_points):
            return []
        if (s.assembly_complete or not has_steps) and (s.checklist_complete or not has_points):
            s.task_complete = True
            return [Event(n, t, EventKind.TASK_COMPLETE, data={
                "steps": len(s.steps), "points": len(s.points)})]
        return []

    def _update_magnet_zones(self) -> None:
        """Zones of the free slots each held part could snap into (rebuilt only when what
        is held or what is filled changes: the targets themselves never move)."""
        key = (tuple(self.state.held), len(self._filled), self.params.magnet_radius_mm)
        if key == self._zones_key:
            return
        self._zones_key = key
        zones = []
        radius = self.params.magnet_radius_mm / 1000.0
        for part in self.state.held:
            if part is None:
                continue
            for slot_id in self._open_slots(part):
                slot = self.slots[slot_id]
                zones.append(MagnetZone(part, slot_id, self.target_world(part, slot_id), slot.centre, radius,
                                        slot.position_tol_m))
        self.state.magnet_zones = zones
