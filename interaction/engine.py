"""The interaction engine: InputFrames (+ Commands) in, Events and EngineState out.

Pure Python + NumPy over the scene's spatial index: no Qt, no GL, no clock, no random
numbers. Time comes only from frame timestamps, so the same scenario, parameters, frames
and commands give the same events, byte for byte — what replay, what-if re-simulation
and headless checks rely on.

Per step, in a fixed order: commands; each hand (LEFT then RIGHT: triggers and ray
hover here, then the hand verbs ``HAND_VERBS``: carry/release/snap, measure pick, grab,
poke); then the frame verbs ``FRAME_VERBS``: collisions of held parts, gaze (dwell
select), inspection dwell; then task completion and magnet zones. The verbs live in
``interaction.verbs``, one module each; this order is what makes the event order, so
it is kept here, in one place, and changing it changes recordings.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

import numpy as np

from interaction import shared_parts
from interaction.assembly import AssemblyTask
from interaction.collision import CollisionWorld, exact_bvh, inset_bvh
from interaction.commands import (
    Command,
    MarkPoint,
    MarkTargeted,
    MeasureClear,
    MeasureStart,
    MoveCursor,
    Reset,
    SetRequires,
    SharedHold,
    SharedLeft,
    SharedMark,
    SharedMeasure,
    SharedPlace,
    SharedPose,
    UndoMark,
    VoiceHeard,
)
from interaction.events import Event, EventKind
from interaction.frame import Hand, HandInput, InputFrame
from interaction.hands import HandState
from interaction.inspection import InspectionTask
from interaction.params import InteractionParams
from interaction.part_geometry import PartGeometry, scene_geometry
from interaction.release import ReleaseOutcome, ReleasePreview
from interaction.snap import Slot, make_slot
from interaction.state import EngineState, MagnetZone, MeasurementState
from interaction.symmetry import symmetry_rotations
from interaction.verbs import measure
from interaction.verbs.base import HAND_NAMES, FrameVerb, HandTurn, HandVerb
from interaction.verbs.collide import Collisions
from interaction.verbs.dwell import PointDwell
from interaction.verbs.gaze import GAZE_MIN_CONFIDENCE, GazeSelect
from interaction.verbs.grab import Carry, Grab, judge_release
from interaction.verbs.poke import Poke
from scenes.index import SceneIndex
from scenes.model import Scene
from scenes.part_layout import solid_parts
from scenes.scenario import Scenario
from scenes.transforms import pose_to_matrix

# HAND_NAMES and GAZE_MIN_CONFIDENCE moved to the verbs; views and app import them from here
__all__ = ["FRAME_VERBS", "GAZE_MIN_CONFIDENCE", "HAND_NAMES", "HAND_VERBS", "PREPARABLE", "Engine", "Structure"]


class Structure(str, Enum):
    """What ``Engine.prepare`` can build ahead of need (values are the names the warm-up
    logs and tests use)."""

    #: a movable part's collision surfaces (inset and exact), needed at its grab
    COLLISION = "collision"
    #: its own ray BVH and proximity search, once it lies somewhere new
    PROXIMITY = "proximity"
    #: the exact surfaces of a part that stays put, when a carried part first comes near
    SURFACE = "surface"
    #: a movable part's symmetries, at an in-position release
    SYMMETRY = "symmetry"

    def __str__(self) -> str:
        return self.value


#: the structures in the order a run needs them
PREPARABLE = tuple(Structure)


#: the hand verbs in the order they act on each hand (each engine makes its own, as they
#: keep per-run state): a carrying hand neither measures nor grabs; while measuring, a
#: pinch picks a point instead of grabbing; a poke can happen whatever else the hand does
HAND_VERBS: tuple[type[HandVerb], ...] = (Carry, measure.MeasurePick, Grab, Poke)
#: the frame verbs in their order: collisions see where both hands left their parts; the
#: gaze ray is cast before the inspection dwell counts it
FRAME_VERBS: tuple[type[FrameVerb], ...] = (Collisions, GazeSelect, PointDwell)


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
        self.inv_authored = {pid: np.linalg.inv(g.authored) for pid, g in self.geometry.items()}
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
        self.hand_verbs: tuple[HandVerb, ...] = tuple(v() for v in HAND_VERBS)
        self.frame_verbs: tuple[FrameVerb, ...] = tuple(v() for v in FRAME_VERBS)
        self._frame = -1
        self._t_prev: float | None = None
        self._reset_poses()
        self.assembly = AssemblyTask(scenario, self.state)
        self.inspection = InspectionTask(scene, scenario, self.state)
        self._clear_progress()

    # -- setup / reset ----------------------------------------------------------------------
    def _reset_poses(self) -> None:
        for pid, m in self._start.items():
            self.set_pose(pid, m)

    def _clear_progress(self) -> None:
        #: per hand (LEFT, RIGHT): triggers, hover, what it holds and how
        self.hand_states = [HandState.fresh(), HandState.fresh()]
        #: slot -> the part that filled it
        self.filled: dict[str, str] = {}
        #: part -> (its pose bytes, what it collided with there): see ``colliding_with``
        self._last_collision: dict[str, tuple[bytes, list[str]]] = {}
        for verb in (*self.hand_verbs, *self.frame_verbs):
            verb.reset()
        s = self.state
        s.hovered, s.held, s.ray_hits = [None, None], [None, None], [None, None]
        s.gaze_hit = s.gaze_part = s.gaze_selected = None
        s.snapped.clear()
        s.others_hold.clear()
        s.others_measurements.clear()
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
            self.set_pose(pid, m)

    def set_pose(self, part_id: str, world: np.ndarray, jumped: bool = False) -> None:
        """Move a part (state, spatial index and collision world together). ``jumped``:
        it moved other than by being carried (a snap), so cached collision answers of
        resting held parts are stale."""
        self.state.part_poses[part_id] = world
        self.index.set_part_pose(part_id, world)
        self.collision.set_frame(part_id, world.dot(self._to_frame[part_id]))
        if jumped:
            self._last_collision.clear()

    @property
    def start_poses(self) -> dict[str, np.ndarray]:
        """Part id -> (4, 4) world matrix the part starts the task at (read-only)."""
        return self._start

    def target_world(self, part_id: str, slot_id: str) -> np.ndarray:
        """(4, 4) world matrix ``part_id`` takes when it snaps into ``slot_id``."""
        return self.slots[slot_id].target @ self._from_frame[part_id]

    def rigid_frame(self, part_id: str, world: np.ndarray) -> np.ndarray:
        """The part's collision/snap frame for a part world matrix."""
        return world @ self._to_frame[part_id]

    def open_slots(self, part_id: str) -> list[str]:
        """Unfilled slots ``part_id`` may snap into (its own and its identical twins')."""
        return [s for s in self._class[self.geometry[part_id].fingerprint] if s not in self.filled]

    def not_grabbable(self) -> tuple[str, ...]:
        """Parts no hand may take now: fixed, snapped, in a hand already, or held by
        another participant of a shared session."""
        held = tuple(x.held for x in self.hand_states if x.held is not None)
        return self._fixed + tuple(self.state.snapped) + held + tuple(self.state.others_hold)

    def grabbable_now(self) -> set[str]:
        """Movable parts a hand may take now (the ray grab's candidates)."""
        return self._movable_set - set(self.not_grabbable())

    def symmetries(self, part: str) -> np.ndarray:
        """The part's self-symmetric turns, to within 2 % of its size or its position
        tolerance, whichever is tighter (a turn a user cannot see is no error)."""
        g = self.geometry[part]
        extent = float(np.ptp(g.vertices, axis=0).max()) if len(g.vertices) else 0.0
        return symmetry_rotations(g, min(self.slots[part].position_tol_m, 0.02 * extent))

    def colliding_with(self, part: str) -> list[str]:
        """Collision query, skipped while the part has not moved (a resting hand)."""
        key = self.state.part_poses[part].tobytes()
        cached = self._last_collision.get(part)
        if cached is None or cached[0] != key:
            cached = self._last_collision[part] = (key, self.collision.colliding_with(part))
        return cached[1]

    # -- structures built on first use --------------------------------------------------------
    def preparation_plan(self) -> list[tuple[str, Structure]]:
        """(part, structure) for ``prepare``, soonest needed first (``PREPARABLE``'s order),
        and within each structure the parts of the first steps first."""
        in_steps = [p for s in self.scenario.steps for p in s.parts if p in self._movable_set]
        movable = list(dict.fromkeys(in_steps + self.movable))
        fixed = [p for p in self._fixed if self.geometry[p].triangle_count]
        return [
            (p, what) for what in PREPARABLE for p in (fixed if what is Structure.SURFACE else movable)
        ]

    def prepare(self, part_id: str, structure: Structure | str) -> None:
        """Build now what the step would build on first use (see ``PREPARABLE``).

        Safe to call from another thread while ``step`` runs: it only fills the shared
        caches (collision.inset_bvh and exact_bvh, symmetry_rotations, the index's ray BVH
        and proximity search), each entry a pure function of geometry and build-time
        parameters published by one assignment, so events are the same whoever builds it
        first (and a step that finds it missing builds it itself, as without preparation).
        Engine state is not touched.
        """
        try:
            what = Structure(structure)
        except ValueError:
            known = ", ".join(s.value for s in PREPARABLE)
            raise ValueError(f"unknown structure {structure!r} (one of {known})") from None
        g = self.geometry[part_id]
        if what is Structure.COLLISION:
            if g.triangle_count:
                inset_bvh(g, self.collision.tolerance_m)
                exact_bvh(g)
        elif what is Structure.SURFACE:
            if g.triangle_count:
                exact_bvh(g)
        elif what is Structure.PROXIMITY:
            self.index.prepare_part(part_id)
        else:
            self.symmetries(part_id)

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
            moved = moved or self.hand_states[h].held is not None
        if moved and self.inspection.has_points:
            self.inspection.update_positions()
        for verb in self.frame_verbs:
            events += verb.step(self, frame, n, t)
        events += self._task_complete(n, t)
        self._update_magnet_zones()
        self.state.frame, self.state.t = n, t
        return events

    # -- commands ---------------------------------------------------------------------------
    def _command(self, command: Command, n: int, t: float) -> list[Event]:
        if isinstance(command, MarkPoint):
            return self.inspection.mark(command, n, t)
        if isinstance(command, MeasureStart):
            return measure.start(self.state, n, t)
        if isinstance(command, MeasureClear):
            return measure.clear(self.state, n, t)
        if isinstance(command, Reset):
            self._reset_poses()
            self._clear_progress()
            return [Event(n, t, EventKind.RESET)]
        if isinstance(command, SetRequires):
            return self.assembly.set_requires(command.step, command.requires, n, t)
        if isinstance(command, MarkTargeted):
            return self.inspection.mark_targeted(command, n, t)
        if isinstance(command, MoveCursor):
            return self.inspection.move_cursor(command.delta, n, t)
        if isinstance(command, UndoMark):
            return self.inspection.undo(n, t)
        if isinstance(command, SharedMark):
            return self.inspection.mark_shared(command, n, t)
        if isinstance(command, SharedPose):
            return shared_parts.pose(self, command, n, t)
        if isinstance(command, SharedHold):
            return shared_parts.hold(self, command, n, t)
        if isinstance(command, SharedPlace):
            return shared_parts.place(self, command, n, t)
        if isinstance(command, SharedLeft):
            return shared_parts.left(self, command, n, t)
        if isinstance(command, SharedMeasure):
            return shared_parts.measure(self, command, n, t)
        if isinstance(command, VoiceHeard):
            return [Event(n, t, EventKind.VOICE_COMMAND, data={
                "phrase": command.phrase, "command": command.command,
                "confidence": round(float(command.confidence), 3), "audio_t": round(float(command.audio_t), 3)})]
        raise TypeError(f"not a command: {command!r}")

    # -- hands ------------------------------------------------------------------------------
    def _hand(self, h: Hand, hand: HandInput, dt: float, n: int, t: float) -> list[Event]:
        """Triggers and the aim ray (what every hand verb reads), hover, then the verbs."""
        hs, p = self.hand_states[h], self.params
        events: list[Event] = []
        if not hand.tracked:
            turn = HandTurn(h, HAND_NAMES[h], hand, hs, dt, n, t, False, False, None, None)
            for verb in self.hand_verbs:
                events += verb.lost(self, turn)
            events += self._hover(h, None, n, t)
            self.state.ray_hits[h] = None
            self.hand_states[h] = HandState.fresh()
            return events
        pinched = hs.pinch.update(hand.pinch, p.press_threshold, p.release_threshold)
        grabbed = hs.grab.update(hand.grab, p.press_threshold, p.release_threshold)
        hit = aim = None
        if hs.held is None:  # a hand that carries a part points at nothing (no hover noise)
            aim = pose_to_matrix(hand.aim)
            held_now = [x.held for x in self.hand_states if x.held is not None]
            hit = self.index.ray_point(aim[:3, 3], -aim[:3, 2], p.ray_max_length_m, exclude=held_now)
        self.state.ray_hits[h] = None if hit is None else hit.point
        events += self._hover(h, None if hit is None else hit.part, n, t)
        turn = HandTurn(h, HAND_NAMES[h], hand, hs, dt, n, t, pinched, grabbed, aim, hit)
        for verb in self.hand_verbs:
            events += verb.step(self, turn)
        return events

    def _hover(self, h: Hand, part: str | None, n: int, t: float) -> list[Event]:
        hs = self.hand_states[h]
        if part == hs.hovered:
            return []
        events = []
        if hs.hovered is not None:
            events.append(Event(n, t, EventKind.HOVER_END, hand=HAND_NAMES[h], part=hs.hovered))
        if part is not None:
            events.append(Event(n, t, EventKind.HOVER_START, hand=HAND_NAMES[h], part=part))
        hs.hovered = self.state.hovered[h] = part
        return events

    def release_preview(self, hand: Hand) -> ReleasePreview | None:
        """What letting go of ``hand``'s part now would do (None when it holds nothing):
        the same judgement ``step`` makes at a release, read-only, so the view can show a
        snap before it happens. Events and state are untouched."""
        part = self.hand_states[hand].held
        if part is None:
            return None
        judged = judge_release(self, part, snap=True)
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

    # -- completion ----------------------------------------------------------------------------
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
        key = (tuple(self.state.held), len(self.filled), self.params.magnet_radius_mm)
        if key == self._zones_key:
            return
        self._zones_key = key
        zones = []
        radius = self.params.magnet_radius_mm / 1000.0
        for part in self.state.held:
            if part is None:
                continue
            for slot_id in self.open_slots(part):
                slot = self.slots[slot_id]
                zones.append(MagnetZone(part, slot_id, self.target_world(part, slot_id), slot.centre, radius,
                                        slot.position_tol_m))
        self.state.magnet_zones = zones
