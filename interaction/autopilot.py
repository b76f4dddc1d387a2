"""The autopilot: scripted hands that try to complete a scenario through the real engine.

It plays a tidy user at 30 Hz: for each step in precedence order it grabs a fitting
part where it lies (a fist on a surface vertex near the part's centre), lifts it above
everything, carries it over its target, brings it in along the first approach direction
that does not cut through parts already placed (+Y, sideways, from below, then the part's
own axes: swept with the ray test the proposed order is planned with, scenes.disassembly),
holds still and lets go; then it looks at every inspection point until the dwell counts it
seen and marks it.
What happened is whatever the engine says: the autopilot only drives InputFrames and
Commands, so ``xrjig check`` proves a scenario can be completed and recordings of it
replay like any other.

Deterministic: no clock, no randomness; plans read only engine state.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from interaction.commands import Command, MarkPoint
from interaction.engine import Engine
from interaction.events import Event, EventKind
from interaction.frame import Hand, InputFrame
from interaction.params import GrabMode, InteractionParams
from interaction.recording import quantize
from interaction.release import ReleaseOutcome
from interaction.runner import Runner
from scenes.disassembly import SAMPLE_SHARE, WORLD_AXES, Solid, free_direction, make_solid
from scenes.index import SceneIndex
from scenes.model import Scene
from scenes.scenario import Scenario
from scenes.transforms import look_at, matrix_to_pose, pose_to_matrix, transform_points

RATE_HZ = 30.0
#: frames a segment of hand motion may take at most (fast-forward, not realism)
MAX_SEGMENT_FRAMES = 12
#: a smoothed grab gets at most this many frames to catch up before letting go
MAX_SETTLE_FRAMES = 90
#: approach directions tried in turn (from the target outwards): above, sideways away from
#: the tray (which lies on +X), then from below
APPROACHES = WORLD_AXES

#: called after every step: (frame, commands, events)
FrameCallback = Callable[[InputFrame, list[Command], list[Event]], None]


@dataclass
class StepReport:
    id: str
    label: str
    done: bool = False
    frame: int | None = None
    t: float | None = None
    problems: list[str] = field(default_factory=list)
    #: parts the carried part cut through while this step was being done (approach blocked)
    collisions: list[str] = field(default_factory=list)


@dataclass
class AutopilotResult:
    #: the engine as the run left it (state for views, reports)
    engine: Engine
    completed: bool
    frames: int
    duration_s: float
    events: list[Event]
    steps: list[StepReport]
    points_marked: int
    problems: list[str]

    def event_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.events:
            counts[e.kind] = counts.get(e.kind, 0) + 1
        return dict(sorted(counts.items()))


class Autopilot:
    """Generates (frame, commands) pairs, reading the engine between them."""

    def __init__(self, engine: Engine, rate_hz: float = RATE_HZ) -> None:
        self.engine = engine
        self.dt = 1.0 / rate_hz
        self._n = 0
        scene_bounds = engine.scene.bounds
        lo, hi = (scene_bounds if scene_bounds is not None else np.zeros((2, 3)))
        self._diag = max(float(np.linalg.norm(hi - lo)), 1e-3)
        self._grip = np.eye(4)
        self._grip[:3, 3] = (lo + hi) / 2 + np.array([0.0, 0.5 * self._diag, 0.0])
        self.problems: list[str] = []
        #: the step being worked on (collision events are attributed to it)
        self.current_step: str | None = None
        #: (part, rigid frame bytes) -> the part's ray-test solid there (approach planning)
        self._solids: dict[tuple[str, bytes], Solid | None] = {}

    # -- frame helpers --------------------------------------------------------------------
    def _frame(self, grab: float = 0.0, gaze: tuple[np.ndarray, np.ndarray] | None = None) -> InputFrame:
        f = InputFrame(t=self._n * self.dt)
        self._n += 1
        right = f.hands[Hand.RIGHT]
        right.tracked = True
        right.grip = matrix_to_pose(self._grip)
        right.aim = right.grip.copy()
        right.grab = grab
        if gaze is not None:
            f.head = matrix_to_pose(look_at(gaze[0], gaze[0] + gaze[1]))
            f.gaze.origin, f.gaze.direction, f.gaze.confidence = gaze[0], gaze[1], 1.0
        return quantize(f)

    def _move(self, target: np.ndarray, grab: float) -> Iterator[tuple[InputFrame, list[Command]]]:
        """Straight line (position lerp, rotation nlerp) from the current grip to ``target``."""
        start = self._grip.copy()
        a, b = matrix_to_pose(start), matrix_to_pose(target)
        if a[3:] @ b[3:] < 0:
            b[3:] = -b[3:]
        length = float(np.linalg.norm(b[:3] - a[:3]))
        frames = max(2, min(MAX_SEGMENT_FRAMES, math.ceil(length / (self._diag / 15.0))))
        for k in range(1, frames + 1):
            pose = a + (b - a) * (k / frames)
            pose[3:] /= np.linalg.norm(pose[3:])
            self._grip = pose_to_matrix(pose)
            yield self._frame(grab), []

    def _hold(self, frames: int, grab: float) -> Iterator[tuple[InputFrame, list[Command]]]:
        for _ in range(frames):
            yield self._frame(grab), []

    # -- planning ---------------------------------------------------------------------------
    def _next_step(self, done: set[str]) -> str | None:
        for s in self.engine.state.steps.values():
            if s.id not in done and all(r in done for r in s.requires):
                return s.id
        return None

    def _part_for(self, slot: str) -> str | None:
        e = self.engine
        busy = set(e.state.snapped) | {h for h in e.state.held if h is not None}
        if slot not in busy and slot in e.open_slots(slot):
            return slot
        for pid in e.movable:
            if pid not in busy and slot in e.open_slots(pid):
                return pid
        return None

    def _grab_point(self, part: str) -> np.ndarray:
        """World position of the part's vertex nearest its centre (on the surface)."""
        g = self.engine.geometry[part]
        frame = self.engine.rigid_frame(part, self.engine.state.part_poses[part])
        k = int(np.argmin(np.linalg.norm(g.vertices - g.centre, axis=1)))
        return transform_points(frame, g.vertices[k : k + 1])[0]

    def _top(self) -> float:
        idx = self.engine.index
        return max(float(idx.part_world_bounds(p.id)[1, 1]) for p in self.engine.scene.parts)

    def _solid(self, part: str, frame: np.ndarray) -> Solid | None:
        key = (part, frame.tobytes())
        if key not in self._solids:
            g = self.engine.geometry[part]
            self._solids[key] = (
                make_solid(transform_points(frame, g.vertices), g.faces, self.engine.collision.tolerance_m,
                           SAMPLE_SHARE * self._diag)
                if g.triangle_count else None
            )
        return self._solids[key]

    def _approach(self, part: str, target: np.ndarray, reach: float) -> np.ndarray:
        """First direction along which the part slides out of its target freely: swept to
        infinity through the parts already placed (scenes.disassembly's ray test: the world
        axes in APPROACHES order, then the part's own axes); when every one is blocked, the
        first along which the collision test finds nothing at a few probes, else +Y."""
        e = self.engine
        frame = e.rigid_frame(part, target)
        moving = self._solid(part, frame)
        if moving is not None:
            placed = [p for p in (*e._fixed, *e.state.snapped) if p != part]
            solids = (self._solid(p, e.rigid_frame(p, e.state.part_poses[p])) for p in placed)
            d = free_direction(moving, [s for s in solids if s is not None], e.collision.tolerance_m)
            if d is not None:
                return d
        unplaced = {p.id for p in e.scene.parts} - set(e.state.snapped) - set(e._fixed)
        for d in APPROACHES:
            free = True
            for s in np.linspace(0.05, 1.0, 8):
                probe = frame.copy()
                probe[:3, 3] += d * s * reach
                if e.collision.colliding_at(part, probe, ignore=frozenset(unplaced)):
                    free = False
                    break
            if free:
                return d
        return APPROACHES[0]

    # -- the script ---------------------------------------------------------------------------
    def frames(self) -> Iterator[tuple[InputFrame, list[Command]]]:
        e = self.engine
        yield from self._hold(2, 0.0)
        done: set[str] = set()
        while (step_id := self._next_step(done)) is not None:
            done.add(step_id)
            self.current_step = step_id
            for slot in e.state.steps[step_id].parts:
                part = self._part_for(slot)
                if part is None:
                    self.problems.append(f"step {step_id}: no free part for slot {slot}")
                    continue
                yield from self._place(part, slot)
        self.current_step = None
        yield from self._inspect()
        yield from self._hold(2, 0.0)

    def _place(self, part: str, slot: str) -> Iterator[tuple[InputFrame, list[Command]]]:
        e = self.engine
        grab_at = self._grab_point(part)
        geom = e.geometry[part]
        world_verts = transform_points(e.rigid_frame(part, e.state.part_poses[part]), geom.vertices)
        radius = float(np.linalg.norm(world_verts - grab_at, axis=1).max()) if len(world_verts) else 0.0
        margin = 0.05 * self._diag
        safe_y = self._top() + margin + radius
        here = self._grip.copy()
        here[:3, 3] = [here[0, 3], max(here[1, 3], safe_y), here[2, 3]]
        yield from self._move(here, 0.0)
        above = np.eye(4)
        above[:3, 3] = [grab_at[0], safe_y, grab_at[2]]
        yield from self._move(above, 0.0)
        at = np.eye(4)
        at[:3, 3] = grab_at
        yield from self._move(at, 0.0)
        yield from self._hold(2, 1.0)
        offset = np.linalg.inv(self._grip) @ e.state.part_poses[part]
        target = e.target_world(part, slot)
        grip_target = target @ np.linalg.inv(offset)
        lift = self._grip.copy()
        lift[1, 3] = safe_y
        yield from self._move(lift, 1.0)
        bounds = e.scene.bounds
        reach = float(np.linalg.norm(bounds[1] - bounds[0])) + 2 * radius if bounds is not None else radius
        d = self._approach(part, target, reach)
        entry = grip_target.copy()
        entry[:3, 3] += d * reach
        if bounds is not None and self._below(entry[:3, 3], bounds, radius):
            # from below: go down beside the assembly first
            side = entry.copy()
            side[0, 3] = bounds[0, 0] - radius - margin  # the tray lies on the +X side
            for y in (max(side[1, 3], safe_y), entry[1, 3]):
                side[1, 3] = y
                yield from self._move(side, 1.0)
        else:
            start = entry.copy()
            start[1, 3] = max(start[1, 3], safe_y)
            yield from self._move(start, 1.0)
        yield from self._move(entry, 1.0)
        yield from self._move(grip_target, 1.0)
        yield from self._hold(2, 1.0)
        if e.params.grab_mode is GrabMode.SMOOTHED:  # wait for the filtered part to arrive
            close = 0.1 * e.slots[slot].position_tol_m
            for _ in range(MAX_SETTLE_FRAMES):
                if np.linalg.norm(e.state.part_poses[part][:3, 3] - target[:3, 3]) <= close:
                    break
                yield self._frame(1.0), []
        yield from self._hold(2, 0.0)
        back = self._grip.copy()
        back[1, 3] = safe_y
        yield from self._move(back, 0.0)

    @staticmethod
    def _below(entry: np.ndarray, bounds: np.ndarray, radius: float) -> bool:
        """Is the entry point under the assembly (not clear of its footprint, not above
        it), so that coming straight down to it would cut through the assembly?"""
        gap = np.maximum(np.maximum(bounds[0, [0, 2]] - entry[[0, 2]], entry[[0, 2]] - bounds[1, [0, 2]]), 0.0)
        clear_beside = float(np.linalg.norm(gap)) > radius
        return not clear_beside and entry[1] - radius <= bounds[1, 1]

    def _inspect(self) -> Iterator[tuple[InputFrame, list[Command]]]:
        e = self.engine
        radius = e.params.inspection_radius_mm / 1000.0
        dwell_frames = math.ceil(e.params.dwell_time_s / self.dt) + 3
        for point in list(e.state.points.values()):
            view = self._viewpoint(point.position, point.normal, radius)
            if view is None:
                self.problems.append(f"inspection point {point.id}: no clear line of sight found")
                continue
            origin, direction = view
            for _ in range(dwell_frames):
                yield self._frame(0.0, gaze=(origin, direction)), []
            yield self._frame(0.0), [MarkPoint(point.id, "pass", "autopilot")]

    def _viewpoint(self, p: np.ndarray, n: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray] | None:
        """An eye position from which the gaze ray's first hit lands on the point."""
        distance = float(np.clip(0.25 * self._diag, 0.05, 1.5))
        side = np.cross(n, [0.0, 1.0, 0.0])
        if np.linalg.norm(side) < 1e-6:
            side = np.cross(n, [1.0, 0.0, 0.0])
        side /= np.linalg.norm(side)
        up = np.cross(side, n)
        for tilt in (n, n + 0.5 * up, n - 0.5 * up, n + 0.5 * side, n - 0.5 * side, n + up, n - up, n + side, n - side):
            direction = tilt / np.linalg.norm(tilt)
            for dist in (distance, distance / 4):
                origin = p + direction * dist
                hit = self.engine.index.ray(origin, -direction)
                if hit is not None and float(np.linalg.norm(hit.point - p)) <= 0.5 * radius:
                    return origin, -direction
        return None


def run_autopilot(
    scene: Scene,
    scenario: Scenario,
    params: InteractionParams | None = None,
    on_frame: FrameCallback | None = None,
    *,
    index: SceneIndex | None = None,
    rate_hz: float = RATE_HZ,
    on_start: Callable[[Engine], None] | None = None,
) -> AutopilotResult:
    """Run the autopilot through a fresh Engine to the end of its script.

    ``on_frame`` sees every step's frame, commands and events (recording hooks in here);
    ``on_start`` the engine before the first step (a shared session reads its state).
    """
    runner = Runner.build(scene, scenario, params, index)
    engine = runner.engine
    if on_start is not None:
        on_start(engine)
    pilot = Autopilot(engine, rate_hz)
    if not engine.state.steps and not engine.state.points:
        pilot.problems.append("the scenario has no steps and no inspection points: nothing to complete")
    events: list[Event] = []
    reports = {s.id: StepReport(s.id, s.label) for s in engine.state.steps.values()}
    frames = 0
    last_t = 0.0
    for frame, commands in pilot.frames():
        out = runner.step(frame, commands)
        frames += 1
        last_t = frame.t
        events += out
        if on_frame is not None:
            on_frame(frame, commands, out)
        for ev in out:
            if ev.kind == EventKind.STEP_DONE and ev.step in reports:
                reports[ev.step].done, reports[ev.step].frame, reports[ev.step].t = True, ev.frame, ev.t
            elif ev.kind in (EventKind.WRONG_ORDER, EventKind.RELEASE_OUT_OF_TOLERANCE, EventKind.WRONG_PART):
                step = ev.step or engine.assembly.step_of_slot.get(ev.part or "")
                text = f"{ev.kind} {ev.part}" + (f" {ev.data}" if ev.data else "")
                (reports[step].problems if step in reports else pilot.problems).append(text)
            elif ev.kind == EventKind.COLLISION_START and pilot.current_step in reports:
                reports[pilot.current_step].collisions.append(str(ev.data.get("other")))
            elif ev.kind == EventKind.RELEASE and ev.data.get("outcome") == ReleaseOutcome.DROP.value:
                pilot.problems.append(f"part {ev.part} dropped outside every target at frame {ev.frame}")
    marked = sum(1 for p in engine.state.points.values() if p.verdict)
    return AutopilotResult(
        engine=engine,
        completed=engine.state.task_complete,
        frames=frames,
        duration_s=last_t,
        events=events,
        steps=list(reports.values()),
        points_marked=marked,
        problems=pilot.problems,
    )
