"""The interaction engine on real CAD (AS1: 18 parts, 8 identical nuts), driven by
scripted InputFrames. Figures are checked against values computed here independently
(offsets we applied, trimesh geometry), not read back from the engine's own helpers."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml

from interaction.commands import MarkPoint, MeasureStart, Reset
from interaction.engine import Engine
from interaction.events import Event, EventKind
from interaction.frame import JOINT_COUNT, Hand, InputFrame, Joint
from interaction.params import GrabMode, InteractionParams
from interaction.recording import quantize
from scenes.scenario import load_scenario
from scenes.transforms import look_at, matrix_to_pose, pose_to_matrix, quat_from_axis_angle
from tests.conftest import AS1

PLATE = "as1/plate"
ROD = "as1/rod-assembly/rod"
NUT_A = "as1/rod-assembly/nut[0]"
NUT_B = "as1/rod-assembly/nut[1]"
BOLT = "as1/l-bracket-assembly[0]/nut-bolt-assembly[0]/bolt"
DT = 1.0 / 90.0

#: the engine steps on canonical frames (interaction.recording.quantize): hand positions on a
#: 0.01 mm grid, orientations to 1/32767, so the errors it reports are exact to about that
INPUT_GRID_MM = 0.01


def write_scenario(tmp_path: Path, **body) -> Path:
    body = {"model": os.path.relpath(AS1, tmp_path), **body}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


class Driver:
    """Steps an engine at 90 Hz with one right hand (grip = aim), optional gaze/joints."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.t = 0.0
        self.grip = np.eye(4)
        self.grip[:3, 3] = [0.0, 0.5, 0.5]
        self.events: list[Event] = []

    def step(self, grab=0.0, pinch=0.0, gaze=None, aim=None, joints=None, tracked=True, commands=()):
        f = InputFrame(t=self.t)
        h = f.hands[Hand.RIGHT]
        h.tracked = tracked
        h.grip = matrix_to_pose(self.grip)
        h.aim = matrix_to_pose(aim) if aim is not None else h.grip.copy()
        h.grab, h.pinch, h.joints = grab, pinch, joints
        if gaze is not None:
            f.gaze.origin, f.gaze.direction, f.gaze.confidence = gaze[0], gaze[1], 1.0
        self.t += DT
        out = self.engine.step(quantize(f), list(commands))
        self.events += out
        return out

    def move(self, target: np.ndarray, grab: float, frames: int = 6) -> list[Event]:
        a, b = matrix_to_pose(self.grip), matrix_to_pose(target)
        out = []
        for k in range(1, frames + 1):
            pose = a + (b - a) * k / frames
            self.grip = pose_to_matrix(pose)
            out += self.step(grab=grab)
        return out

    def carry(self, part: str, part_target: np.ndarray, release: bool = True) -> list[Event]:
        """Grab ``part`` on its surface, bring its node to ``part_target``, let go."""
        e = self.engine
        g = e.geometry[part]
        frame = e.rigid_frame(part, e.state.part_poses[part])
        v = g.vertices[np.argmin(np.linalg.norm(g.vertices - g.centre, axis=1))]
        at = np.eye(4)
        at[:3, 3] = frame[:3, :3] @ v + frame[:3, 3]
        self.move(at, 0.0)
        out = self.step(grab=1.0) + self.step(grab=1.0)
        assert e.state.held[Hand.RIGHT] == part, out
        offset = np.linalg.inv(self.grip) @ e.state.part_poses[part]
        out += self.move(part_target @ np.linalg.inv(offset), 1.0)
        return out + self.step(grab=0.0 if release else 1.0)


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events if not e.kind.startswith("HOVER")]


def authored(engine: Engine, part: str) -> np.ndarray:
    return engine.scene.world_matrix(engine.scene.part(part).node)


def shifted(m: np.ndarray, dx=0.0, dy=0.0, dz=0.0) -> np.ndarray:
    out = m.copy()
    out[:3, 3] += [dx, dy, dz]
    return out


def make_engine(tmp_path, scene, params=None, **body) -> Engine:
    """An engine on a scenario file; free assembly (no steps) unless steps are given."""
    body.setdefault("steps", [])
    scenario = load_scenario(write_scenario(tmp_path, **body), scene=scene)
    return Engine(scene, scenario, params or InteractionParams())


def test_snap_inside_tolerance_reports_errors_and_places_exactly(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    d = Driver(e)
    out = d.carry(ROD, shifted(authored(e, ROD), dx=0.003))
    assert kinds(out)[-2:] == [EventKind.RELEASE, EventKind.SNAP]
    snap = out[-1]
    assert snap.part == ROD and snap.data["slot"] == ROD
    assert snap.data["position_error_mm"] == pytest.approx(3.0, abs=INPUT_GRID_MM)
    assert snap.data["angle_error_deg"] == pytest.approx(0.0, abs=1e-3)
    np.testing.assert_allclose(e.state.part_poses[ROD], authored(e, ROD), atol=1e-12)
    assert e.state.snapped == {ROD: ROD}


def test_release_in_magnet_zone_but_out_of_tolerance(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    d = Driver(e)
    released = shifted(authored(e, ROD), dy=0.012)
    out = d.carry(ROD, released)
    assert kinds(out)[-2:] == [EventKind.RELEASE, EventKind.RELEASE_OUT_OF_TOLERANCE]
    assert out[-1].data["position_error_mm"] == pytest.approx(12.0, abs=INPUT_GRID_MM)
    assert out[-1].data["position_tolerance_mm"] == 5.0
    np.testing.assert_allclose(e.state.part_poses[ROD], released, atol=INPUT_GRID_MM / 1000)  # metres
    assert ROD not in e.state.snapped
    # a rotation about the part's own centre: position fine, angle 20 deg > 10 deg tolerance
    bounds = as1.node_bounds([as1.part(ROD).node])
    centre = bounds.mean(axis=0)
    turn = np.eye(4)
    turn[:3, :3] = pose_to_matrix(np.r_[0, 0, 0, quat_from_axis_angle([0, 1, 0], np.radians(20))])[:3, :3]
    about_centre = shifted(np.eye(4), *centre) @ turn @ shifted(np.eye(4), *-centre)
    out = d.carry(ROD, about_centre @ authored(e, ROD))
    assert out[-1].kind == EventKind.RELEASE_OUT_OF_TOLERANCE
    assert out[-1].data["angle_error_deg"] == pytest.approx(20.0, abs=1e-3)
    assert out[-1].data["position_error_mm"] == pytest.approx(0.0, abs=INPUT_GRID_MM)


def test_release_far_from_target_is_a_plain_drop(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    out = Driver(e).carry(ROD, shifted(authored(e, ROD), dy=0.1))
    assert kinds(out)[-1] == EventKind.RELEASE and out[-1].data["outcome"] == "drop"


def test_identical_nut_snaps_into_a_twin_slot(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    d = Driver(e)
    out = d.carry(NUT_A, shifted(authored(e, NUT_B), dx=0.001))
    assert out[-1].kind == EventKind.SNAP and out[-1].part == NUT_A and out[-1].data["slot"] == NUT_B
    out = d.carry(NUT_B, authored(e, NUT_A))
    assert out[-1].kind == EventKind.SNAP and out[-1].data["slot"] == NUT_A
    assert e.state.snapped == {NUT_A: NUT_B, NUT_B: NUT_A}


def test_wrong_order_then_steps_complete_the_task(tmp_path, as1):
    steps = [{"id": "base", "parts": [PLATE]}, {"id": "rod", "parts": [ROD], "requires": ["base"]}]
    e = make_engine(tmp_path, as1, parts=[PLATE, ROD], steps=steps)
    d = Driver(e)
    out = d.carry(ROD, authored(e, ROD))
    assert kinds(out)[-2:] == [EventKind.RELEASE, EventKind.WRONG_ORDER]
    assert out[-1].step == "rod" and out[-1].data["unmet"] == ["base"]
    assert ROD not in e.state.snapped and not e.state.steps["rod"].done
    out = d.carry(PLATE, authored(e, PLATE))
    assert kinds(out)[-3:] == [EventKind.RELEASE, EventKind.SNAP, EventKind.STEP_DONE]
    assert e.state.steps["rod"].available
    out = d.carry(ROD, authored(e, ROD))
    assert kinds(out)[-5:] == [EventKind.RELEASE, EventKind.SNAP, EventKind.STEP_DONE,
                               EventKind.ASSEMBLY_COMPLETE, EventKind.TASK_COMPLETE]
    assert e.state.task_complete


def test_strict_order_refuses_to_pick_a_part_of_a_later_step(tmp_path, as1):
    steps = [{"id": "base", "parts": [PLATE]}, {"id": "rod", "parts": [ROD], "requires": ["base"]}]
    e = make_engine(tmp_path, as1, parts=[PLATE, ROD], steps=steps, strict_order=True)
    d = Driver(e)
    start = e.state.part_poses[ROD].copy()
    g = e.geometry[ROD]
    at = np.eye(4)
    at[:3, 3] = e.rigid_frame(ROD, start)[:3, :3] @ g.vertices[0] + e.rigid_frame(ROD, start)[:3, 3]
    d.move(at, 0.0)
    out = d.step(grab=1.0)
    assert [ev.kind for ev in out] == [EventKind.WRONG_PART] and out[0].data["steps"] == ["rod"]
    d.move(shifted(at, dy=0.1), 1.0)
    assert e.state.held == [None, None]
    np.testing.assert_array_equal(e.state.part_poses[ROD], start)


def test_collision_of_a_held_part_starts_and_ends(tmp_path, as1):
    e = make_engine(tmp_path, as1, parts=[BOLT])
    d = Driver(e)
    inside = shifted(authored(e, BOLT), dx=0.008)  # shank pushed 8 mm into the plate
    d.carry(BOLT, inside, release=False)
    others = sorted(b if a == BOLT else a for a, b in e.state.colliding)
    assert PLATE in others
    # independent: trimesh finds bolt surface points more than 0.5 mm inside each of them
    samples, _ = trimesh.sample.sample_surface(trimesh.Trimesh(*_world_mesh(e, BOLT)), 4000, seed=1)
    for other in others:
        mesh = trimesh.Trimesh(*_world_mesh(e, other))
        assert trimesh.proximity.signed_distance(mesh, samples).max() > 0.0005, other
    starts = [ev for ev in d.events if ev.kind == EventKind.COLLISION_START and ev.data["other"] == PLATE]
    assert starts and starts[-1].hand == "right" and starts[-1].part == BOLT
    out = d.move(shifted(d.grip, dx=-0.008), 1.0)  # back into its hole: the hand was never blocked
    ends = [ev for ev in out if ev.kind == EventKind.COLLISION_END]
    assert sorted(ev.data["other"] for ev in ends) == others
    assert e.state.colliding == set()


def test_touching_mated_faces_is_not_a_collision(tmp_path, as1):
    """The nut's top face lies on the plate's bottom face: contact, not a collision —
    unless the tolerance is 0, when touching counts."""
    nut = "as1/l-bracket-assembly[0]/nut-bolt-assembly[0]/nut"
    plate_bottom = as1.node_bounds([as1.part(PLATE).node])[0, 1]
    nut_top = as1.node_bounds([as1.part(nut).node])[1, 1]
    assert nut_top == pytest.approx(plate_bottom, abs=1e-6)
    for tolerance in (0.5, 0.0):
        e = make_engine(tmp_path, as1, InteractionParams(collision_tolerance_mm=tolerance), parts=[nut])
        Driver(e).carry(nut, authored(e, nut), release=False)
        touching = {b if a == nut else a for a, b in e.state.colliding}
        if tolerance:
            assert touching == set()
        else:
            assert PLATE in touching


def _world_mesh(e: Engine, part: str) -> tuple[np.ndarray, np.ndarray]:
    g = e.geometry[part]
    frame = e.rigid_frame(part, e.state.part_poses[part])
    return g.vertices @ frame[:3, :3].T + frame[:3, 3], g.faces


def test_ray_hover_and_ray_grab_move_the_part_with_the_aim(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    d = Driver(e)
    start = e.state.part_poses[PLATE].copy()
    centre = e.index.part_world_bounds(PLATE).mean(axis=0)
    eye = centre + np.array([0.0, 0.4, 0.3])
    aim = look_at(eye, centre)
    out = d.step(aim=aim)
    assert (out[-1].kind, out[-1].part) == (EventKind.HOVER_START, PLATE)
    np.testing.assert_allclose(np.linalg.norm(e.state.ray_hits[Hand.RIGHT] - eye),
                               _trimesh_ray_distance(e, PLATE, eye, centre - eye), atol=1e-5)
    out = d.step(aim=aim, pinch=1.0)
    assert kinds(out) == [EventKind.GRAB] and out[0].data["via"] == "ray"
    moved_aim = shifted(aim, dx=0.05)
    d.step(aim=moved_aim, pinch=1.0)
    np.testing.assert_allclose(e.state.part_poses[PLATE], shifted(start, dx=0.05), atol=1e-9)
    out = d.step(aim=moved_aim, pinch=0.3)  # below the 0.4 release threshold
    assert EventKind.RELEASE in kinds(out)


def _trimesh_ray_distance(e: Engine, part: str, origin: np.ndarray, direction: np.ndarray) -> float:
    mesh = trimesh.Trimesh(*_world_mesh(e, part))
    locations, _, _ = mesh.ray.intersects_location([origin], [direction / np.linalg.norm(direction)])
    return float(np.linalg.norm(locations - origin, axis=1).min())


def test_hysteresis_keeps_the_grab_between_thresholds(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    d = Driver(e)
    d.carry(ROD, shifted(authored(e, ROD), dy=0.2))  # somewhere free
    frame = e.rigid_frame(ROD, e.state.part_poses[ROD])
    at = np.eye(4)
    at[:3, 3] = frame[:3, :3] @ e.geometry[ROD].vertices[0] + frame[:3, 3]
    d.move(at, 0.0)
    assert EventKind.GRAB not in kinds(d.step(grab=0.65))  # below press 0.7
    assert e.state.held[Hand.RIGHT] is None
    d.step(grab=0.75)
    assert e.state.held[Hand.RIGHT] == ROD
    d.step(grab=0.5)  # between release (0.4) and press: still held
    assert e.state.held[Hand.RIGHT] == ROD
    d.step(grab=0.35)
    assert e.state.held[Hand.RIGHT] is None


def test_smoothed_grab_follows_with_the_documented_low_pass(tmp_path, as1):
    params = InteractionParams(grab_mode=GrabMode.SMOOTHED, smoothing=0.3)
    e = make_engine(tmp_path, as1, params)
    d = Driver(e)
    frame = e.rigid_frame(ROD, e.state.part_poses[ROD])
    at = np.eye(4)
    at[:3, 3] = frame[:3, :3] @ e.geometry[ROD].vertices[0] + frame[:3, 3]
    d.move(at, 0.0)
    d.step(grab=1.0)
    before = e.state.part_poses[ROD][:3, 3].copy()
    d.grip = shifted(d.grip, dx=0.1)
    d.step(grab=1.0)
    alpha = 1.0 - (1.0 - 0.3) ** (DT * 90.0)
    np.testing.assert_allclose(e.state.part_poses[ROD][:3, 3], before + [0.1 * alpha, 0, 0], atol=1e-7)
    for _ in range(60):
        d.step(grab=1.0)
    np.testing.assert_allclose(e.state.part_poses[ROD][:3, 3], before + [0.1, 0, 0], atol=1e-6)


def test_tracking_lost_lets_go_without_snapping(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    d = Driver(e)
    frame = e.rigid_frame(ROD, e.state.part_poses[ROD])
    at = np.eye(4)
    at[:3, 3] = frame[:3, :3] @ e.geometry[ROD].vertices[0] + frame[:3, 3]
    d.move(at, 0.0)
    d.step(grab=1.0)
    offset = np.linalg.inv(d.grip) @ e.state.part_poses[ROD]
    d.move(authored(e, ROD) @ np.linalg.inv(offset), 1.0)
    out = d.step(grab=1.0, tracked=False)
    assert kinds(out) == [EventKind.RELEASE] and out[0].data["reason"] == "tracking_lost"
    assert e.state.snapped == {}


def test_reset_puts_parts_back_and_clears_progress(tmp_path, as1):
    e = make_engine(tmp_path, as1)
    start = {k: v.copy() for k, v in e.state.part_poses.items()}
    d = Driver(e)
    d.carry(ROD, authored(e, ROD))
    assert e.state.snapped
    out = d.step(commands=[Reset()])
    assert out[0].kind == EventKind.RESET
    assert e.state.snapped == {} and not any(s.done for s in e.state.steps.values())
    for k, v in start.items():
        np.testing.assert_array_equal(e.state.part_poses[k], v)
        np.testing.assert_array_equal(e.index.part_pose(k), v)


# -- inspection --------------------------------------------------------------------------
def _point_local(scene, node_path: str, world: np.ndarray) -> list[float]:
    node = next(n for n in scene.nodes if n.path == node_path)
    m = np.linalg.inv(scene.world_matrix(node.index))
    return [float(x) for x in m[:3, :3] @ world + m[:3, 3]]


@pytest.fixture
def inspection_engine(tmp_path, as1):
    top = np.array([0.09, 0.02, -0.14])  # on the plate's top face, clear of the brackets
    under = np.array([0.09, 0.0, -0.14])  # the same spot on the bottom face
    points = [
        {"id": "top", "node": PLATE, "point": _point_local(as1, PLATE, top), "normal": [0, 1, 0],
         "instruction": "check the plate surface"},
        {"id": "under", "node": PLATE, "point": _point_local(as1, PLATE, under), "normal": [0, -1, 0]},
    ]
    return make_engine(tmp_path, as1, parts=[], inspection_points=points), top, under


def test_gaze_dwell_counts_a_point_seen_only_after_an_unbroken_dwell(inspection_engine):
    e, top, under = inspection_engine
    d = Driver(e)
    look = (top + [0, 0.3, 0.0], np.array([0.0, -1.0, 0.0]))
    away = (top + [0, 0.3, 0.0], np.array([1.0, -1.0, 0.0]))
    for _ in range(40):  # 0.44 s < 0.6 s
        d.step(gaze=look)
    d.step(gaze=away)  # a break resets the dwell
    assert not e.state.points["top"].seen and e.state.points["top"].dwell == 0.0
    seen_at, times = None, [d.t - DT]
    for k in range(80):
        times.append(d.t)
        out = d.step(gaze=look)
        if any(ev.kind == EventKind.POINT_SEEN for ev in out):
            seen_at = k
            break
    # expected: the first frame whose time is 0.6 s past the first frame of the dwell
    expected = next(k - 1 for k in range(1, len(times)) if times[k] - times[1] >= 0.6)
    assert seen_at == expected and 53 <= seen_at <= 55
    # the bottom point seen from above: the plate is in the way, never seen
    from_above = (under + [0, 0.3, 0.0], np.array([0.0, -1.0, 0.0]))
    for _ in range(120):
        d.step(gaze=from_above)
    assert not e.state.points["under"].seen


def test_marks_poke_and_checklist_completion(inspection_engine):
    e, top, under = inspection_engine
    d = Driver(e)
    out = d.step(commands=[MarkPoint("under", "fail", "scratch")])
    assert out[0].kind == EventKind.POINT_MARKED and out[0].data["accepted"] is False
    # see "under" with the aim ray from below, then mark it
    aim = look_at(under - [0, 0.3, 0], under)
    for _ in range(60):
        d.step(aim=aim)
    assert e.state.points["under"].seen
    out = d.step(commands=[MarkPoint("under", "fail", "scratch")])
    assert out[0].data == {"accepted": True, "verdict": "fail", "note": "scratch"}
    # see "top" by gaze, then poke its marker with the index fingertip
    for _ in range(60):
        d.step(gaze=(top + [0, 0.3, 0], np.array([0.0, -1.0, 0.0])))
    joints = np.zeros((JOINT_COUNT, 8), np.float32)
    joints[:, 6] = 1.0
    joints[Joint.INDEX_TIP, :3] = top + [0, 0.02, 0]  # hovering above the marker
    assert d.step(joints=joints) == []
    joints[Joint.INDEX_TIP, :3] = top + [0.005, -0.001, 0]  # pressed onto the point
    out = d.step(joints=joints)
    assert kinds(out) == [EventKind.POKE, EventKind.POINT_MARKED, EventKind.CHECKLIST_COMPLETE,
                          EventKind.TASK_COMPLETE]
    assert out[2].data == {"pass": 1, "fail": 1, "defect": 0}
    assert d.step(joints=joints) == []  # holding the press does not poke again


def test_gaze_dwell_selects_a_part(tmp_path, as1):
    e = make_engine(tmp_path, as1, parts=[])
    d = Driver(e)
    gaze = (np.array([0.09, 0.4, -0.14]), np.array([0.0, -1.0, 0.0]))
    events, times = [], []
    for _ in range(70):
        times.append(d.t)
        events += d.step(gaze=gaze)
    dwell = [ev for ev in events if ev.kind == EventKind.GAZE_DWELL]
    expected = next(k for k, t in enumerate(times) if t - times[0] >= 0.6)
    assert [(ev.part, ev.frame) for ev in dwell] == [(PLATE, expected)]
    assert expected in (54, 55)
    assert e.state.gaze_selected == PLATE


def test_measurement_distance_and_clearance(tmp_path, as1):
    e = make_engine(tmp_path, as1, parts=[])
    d = Driver(e)
    d.grip = shifted(np.eye(4), 0.5, 0.5, 0.5)  # far from every part: pinches are ray picks
    d.step(commands=[MeasureStart()])
    a_eye, a_to = np.array([0.09, 0.3, -0.14]), np.array([0.09, 0.0, -0.14])
    b_eye, b_to = np.array([0.1, 0.3, -0.075]), np.array([0.1, 0.0, -0.075])
    d.step(aim=look_at(a_eye, a_to))
    d.step(aim=look_at(a_eye, a_to), pinch=1.0)
    d.step(aim=look_at(b_eye, b_to))
    out = d.step(aim=look_at(b_eye, b_to), pinch=1.0)
    m = [ev for ev in out if ev.kind == EventKind.MEASUREMENT][0]
    assert m.data["parts"] == [PLATE, ROD]
    pa = a_eye + [0, -_trimesh_ray_distance(e, PLATE, a_eye, a_to - a_eye), 0]
    pb = b_eye + [0, -_trimesh_ray_distance(e, ROD, b_eye, b_to - b_eye), 0]
    assert m.data["distance_mm"] == pytest.approx(np.linalg.norm(pb - pa) * 1000, abs=1e-3)
    # the rod (y 0.055..0.065) runs above the flat plate top (y 0.02): 35 mm clearance
    assert m.data["clearance_mm"] == pytest.approx(35.0, abs=0.05)
    assert e.state.measurement.clearance_mm == pytest.approx(35.0, abs=0.05)


def test_while_measuring_a_pinch_on_a_part_picks_instead_of_grabbing(tmp_path, as1):
    e = make_engine(tmp_path, as1)  # every part movable, laid out in the tray
    d = Driver(e)
    frame = e.rigid_frame(ROD, e.state.part_poses[ROD])
    d.grip = shifted(np.eye(4), *(frame[:3, :3] @ e.geometry[ROD].vertices[0] + frame[:3, 3]))
    centre = e.index.part_world_bounds(ROD).mean(axis=0)
    aim = look_at(centre + [0, 0.2, 0], centre)
    d.step(aim=aim, commands=[MeasureStart()])
    out = d.step(aim=aim, pinch=1.0)
    assert [ev.kind for ev in out if ev.kind in (EventKind.GRAB, EventKind.MEASURE_POINT)] == [EventKind.MEASURE_POINT]
    assert e.state.held == [None, None]
    out = d.step(aim=aim, grab=1.0)  # a fist still grabs
    assert [ev.kind for ev in out] == [EventKind.GRAB]


def test_rebuilt_engines_share_part_geometry_and_bvhs(tmp_path, as1):
    """Tolerance and scenario edits rebuild the engine: the expensive per-part data is
    computed once per scene and shared."""
    from interaction.collision import exact_bvh, inset_bvh

    a = make_engine(tmp_path, as1)
    b = make_engine(tmp_path, as1, InteractionParams(collision_tolerance_mm=1.0))
    assert a.geometry is b.geometry
    g = a.geometry[ROD]
    assert exact_bvh(g) is exact_bvh(g)
    assert inset_bvh(g, 0.001) is inset_bvh(g, 0.001) and inset_bvh(g, 0.001) is not inset_bvh(g, 0.0005)


def test_a_turn_that_maps_the_shape_onto_itself_still_snaps(tmp_path, as1):
    """The rod is round: turned 37 degrees about its own axis it looks the same, so the
    release snaps; the plate turned 37 degrees about the same kind of axis does not."""
    e = make_engine(tmp_path, as1)
    d = Driver(e)
    for part, snaps in ((ROD, True), (PLATE, False)):
        target = authored(e, part)
        t_lo, t_hi = as1.node_bounds([as1.part(part).node])
        centre = (t_lo + t_hi) / 2
        long_axis = np.eye(3)[int(np.argmax(t_hi - t_lo))]
        turn = np.eye(4)
        turn[:3, :3] = pose_to_matrix(np.r_[0, 0, 0, quat_from_axis_angle(long_axis, np.radians(37))])[:3, :3]
        about = shifted(np.eye(4), *centre) @ turn @ shifted(np.eye(4), *-centre)
        if snaps:  # first a near miss: the figures say "12 mm off", not "37 degrees off"
            out = d.carry(part, shifted(about @ target, dy=0.012))
            assert out[-1].kind == EventKind.RELEASE_OUT_OF_TOLERANCE
            assert out[-1].data["position_error_mm"] == pytest.approx(12.0, abs=INPUT_GRID_MM)
            assert out[-1].data["angle_error_deg"] < 3.0
        out = d.carry(part, about @ target)
        if snaps:
            assert out[-1].kind == EventKind.SNAP and out[-1].data["angle_error_deg"] < 3.0
            np.testing.assert_allclose(e.state.part_poses[part], target, atol=1e-12)
        else:
            assert out[-1].kind == EventKind.RELEASE_OUT_OF_TOLERANCE
            assert out[-1].data["angle_error_deg"] == pytest.approx(37.0, abs=1e-3)


@pytest.mark.parametrize("shape", ["box", "cylinder"])
def test_collision_threshold_is_the_penetration_depth(shape):
    """Two trimesh solids side by side: touching or overlapping by 0.4 mm is contact,
    0.6 mm is a collision, at a 0.5 mm tolerance (and the answer is symmetric)."""
    from interaction.collision import CollisionWorld
    from interaction.part_geometry import PartGeometry

    mesh = trimesh.creation.box((0.1, 0.1, 0.1)) if shape == "box" else trimesh.creation.cylinder(0.05, 0.1)
    geom = {k: PartGeometry(k, np.eye(4), np.eye(4), mesh.vertices.astype(float), mesh.faces.astype(np.int32),
                            np.zeros(3), "x") for k in ("a", "b")}
    world = CollisionWorld(geom, 0.0005)
    for overlap_mm, expected in ((-0.1, False), (0.0, False), (0.4, False), (0.6, True), (5.0, True)):
        world.set_frame("b", shifted(np.eye(4), dx=0.1 - overlap_mm / 1000.0))
        assert bool(world.colliding_with("b")) is expected, overlap_mm
        assert bool(world.colliding_with("a")) is expected, overlap_mm


def test_collision_surfaces_are_built_only_for_parts_whose_boxes_meet(monkeypatch):
    """FCL BVHs cost ~4 s per million triangles: a collision world builds none up front,
    then only those of the moving part and the neighbours its box reaches; moving a part
    after its surfaces exist still moves them (clearance follows)."""
    import interaction.collision
    from interaction.collision import CollisionWorld
    from interaction.part_geometry import PartGeometry

    built = []
    real = interaction.collision.bvh_model
    monkeypatch.setattr(interaction.collision, "bvh_model", lambda v, f: (built.append(len(f)), real(v, f))[1])
    boxes = {k: trimesh.creation.box((0.1, 0.1, 0.1)).subdivide_to_size(0.1 / (1 + i)) for i, k in enumerate("abc")}
    geom = {k: PartGeometry(k, np.eye(4), np.eye(4), m.vertices.astype(float), m.faces.astype(np.int32),
                            np.zeros(3), k) for k, m in boxes.items()}
    world = CollisionWorld(geom, 0.0005)
    for k, dx in zip("abc", (0.0, 0.095, 1.0), strict=True):
        world.set_frame(k, shifted(np.eye(4), dx=dx))
    assert built == []
    assert world.colliding_with("a") == ["b"]
    assert sorted(built) == sorted([len(boxes["a"].faces), len(boxes["b"].faces)])  # a's inset, b's exact
    assert world.clearance("a", "c") == pytest.approx(0.9, abs=1e-6)  # a's and c's exact
    assert len(built) == 4
    world.set_frame("c", shifted(np.eye(4), dx=0.5))
    assert world.clearance("a", "c") == pytest.approx(0.4, abs=1e-6)
    world.set_frame("a", shifted(np.eye(4), dx=-0.2))
    assert world.colliding_with("a") == [] and world.clearance("a", "c") == pytest.approx(0.6, abs=1e-6)
    assert len(built) == 4


@pytest.mark.parametrize(
    ("dy", "turn_deg", "outcome", "event"),
    [
        (0.003, 0.0, "snap", EventKind.SNAP),
        (0.012, 0.0, "out_of_tolerance", EventKind.RELEASE_OUT_OF_TOLERANCE),
        (0.0, 20.0, "out_of_tolerance", EventKind.RELEASE_OUT_OF_TOLERANCE),
        (0.1, 0.0, "drop", EventKind.RELEASE),
    ],
)
def test_the_release_preview_says_what_letting_go_then_does(tmp_path, as1, dy, turn_deg, outcome, event):
    """The view's snap preview comes from the engine's own release rule: held anywhere,
    the preview's outcome and figures are those of the release that follows, and asking
    for it changes nothing (the events of a run with previews are those of one without)."""
    runs = []
    for ask in (True, False):
        e = make_engine(tmp_path, as1)
        d = Driver(e)
        turn = np.eye(4)
        turn[:3, :3] = pose_to_matrix(np.r_[0, 0, 0, quat_from_axis_angle([0, 1, 0], np.radians(turn_deg))])[:3, :3]
        centre = as1.node_bounds([as1.part(ROD).node]).mean(axis=0)
        about_centre = shifted(np.eye(4), *centre) @ turn @ shifted(np.eye(4), *-centre)
        target = shifted(about_centre @ authored(e, ROD), dy=dy)
        d.carry(ROD, target, release=False)
        preview = e.release_preview(Hand.RIGHT) if ask else None
        assert e.release_preview(Hand.LEFT) is None
        out = d.step(grab=0.0)
        runs.append([x.to_json() for x in d.events])
        if not ask:
            continue
        assert preview is not None and preview.part == ROD and preview.outcome.value == outcome
        release = next(x for x in out if x.kind == EventKind.RELEASE)
        assert release.data["outcome"] == outcome
        assert out[-1].kind == event
        if outcome == "drop":
            assert preview.position_error_mm == pytest.approx(100.0, abs=1e-3)
            continue
        assert preview.position_error_mm == pytest.approx(out[-1].data["position_error_mm"], abs=1e-3)
        assert preview.angle_error_deg == pytest.approx(out[-1].data["angle_error_deg"], abs=1e-3)
        assert preview.position_error_mm == pytest.approx(dy * 1000.0, abs=0.5)
        if outcome == "snap":
            np.testing.assert_allclose(preview.target, authored(e, ROD), atol=1e-9)
    assert runs[0] == runs[1]


def test_set_requires_changes_precedence_keeps_progress_and_refuses_cycles(tmp_path, as1):
    from interaction.commands import SetRequires, command_from_dict, command_to_dict

    steps = [{"id": "base", "parts": [PLATE]}, {"id": "rod", "parts": [ROD], "requires": ["base"]},
             {"id": "nut", "parts": [NUT_A], "requires": ["rod"]}]
    e = make_engine(tmp_path, as1, parts=[PLATE, ROD, NUT_A], steps=steps)
    d = Driver(e)
    d.carry(PLATE, authored(e, PLATE))
    assert e.state.steps["base"].done and not e.state.steps["nut"].available
    out = d.step(commands=[SetRequires("nut", ("base",))])
    assert [(x.kind, x.step, x.data) for x in out if x.kind == EventKind.PRECEDENCE_CHANGED] == [
        (EventKind.PRECEDENCE_CHANGED, "nut", {"requires": ["base"], "accepted": True})]
    assert e.state.steps["nut"].available and e.state.steps["base"].done and PLATE in e.state.snapped
    # a cycle (base waits for nut, which waits for base) is refused and changes nothing
    out = d.step(commands=[SetRequires("base", ("nut",))])
    refused = [x for x in out if x.kind == EventKind.PRECEDENCE_CHANGED]
    assert refused[0].data["accepted"] is False and "each other" in refused[0].data["reason"]
    assert e.state.steps["base"].requires == []
    # a task reset keeps the designer's precedence
    d.step(commands=[Reset()])
    assert e.state.steps["nut"].requires == ["base"] and not e.state.steps["base"].done
    # the command round-trips through a recording's JSON
    c = SetRequires("nut", ("base", "rod"))
    assert command_from_dict(command_to_dict(c)) == c
