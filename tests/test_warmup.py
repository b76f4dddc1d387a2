"""The background warm-up (app/session/warmup.py, Engine.prepare): after it, a run builds nothing
on first use; events are the same with and without it; it follows engine rebuilds and
stops with its session."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QSettings

import interaction.collision
import interaction.symmetry
import scenes.index
from app.session.session import Session
from app.session.warmup import WarmUp
from devices.desktop import DesktopDevice
from interaction.autopilot import run_autopilot
from interaction.engine import Engine
from interaction.events import EventKind
from interaction.frame import Hand, InputFrame
from interaction.params import GrabMode, scenario_params
from interaction.recording import quantize
from interaction.symmetry import symmetry_rotations
from scenes.loader import load_scene
from scenes.scenario import load_scenario
from scenes.transforms import matrix_to_pose
from tests.conftest import AS1


def _fresh():
    """A newly loaded AS1 (its own PartGeometry: nothing cached by other tests)."""
    scene = load_scene(AS1)
    scenario = load_scenario(AS1, scene=scene)
    return scene, scenario, scenario_params(scenario)


@pytest.fixture
def builds(monkeypatch):
    """Counts of every first-use build: inset surfaces, FCL BVHs (inset and exact), symmetry
    searches, proximity searches, a part's own Embree BVH."""
    counts = {"inset": 0, "fcl": 0, "symmetry": 0, "proximity": 0, "embree": 0}

    def counting(key, fn):
        def wrapper(*args, **kwargs):
            counts[key] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(interaction.collision, "inset_triangles",
                        counting("inset", interaction.collision.inset_triangles))
    monkeypatch.setattr(interaction.symmetry, "_find", counting("symmetry", interaction.symmetry._find))
    monkeypatch.setattr(interaction.collision, "bvh_model", counting("fcl", interaction.collision.bvh_model))
    monkeypatch.setattr(scenes.index, "_NearSearch", counting("proximity", scenes.index._NearSearch))
    monkeypatch.setattr(scenes.index, "GroupedBVH", counting("embree", scenes.index.GroupedBVH))
    return counts


def _events(result):
    return [e.to_json() for e in result.events]


def _turned_placement(engine: Engine, part: str) -> list[InputFrame]:
    """The right hand grabs ``part`` where it lies and lets go of it at its target turned by
    one of its symmetries: a release in position but out of angle (a symmetry search)."""
    g = engine.geometry[part]
    start = engine.rigid_frame(part, engine.state.part_poses[part])
    grip0 = np.eye(4)
    grip0[:3, 3] = start[:3, :3] @ g.vertices[0] + start[:3, 3]  # on the surface
    offset = np.linalg.inv(grip0) @ engine.state.part_poses[part]
    target = engine.slots[part].target
    turned = target.copy()
    turned[:3, :3] = target[:3, :3] @ engine.symmetries(part)[1]
    turned[:3, 3] += target[:3, :3] @ g.centre - turned[:3, :3] @ g.centre  # same centre
    grip1 = engine.target_world(part, part) @ np.linalg.inv(engine.slots[part].target) @ turned
    grip1 = grip1 @ np.linalg.inv(offset)
    frames = []
    for k, (grip, grab) in enumerate([(grip0, 0.0), (grip0, 1.0), (grip1, 1.0), (grip1, 0.0)]):
        f = InputFrame(t=k / 90.0)
        hand = f.hands[Hand.RIGHT]
        hand.tracked, hand.grab, hand.grip = True, grab, matrix_to_pose(grip)
        hand.aim = hand.grip
        frames.append(quantize(f))
    return frames


def _placement_events(scene, scenario, params, index=None) -> list[str]:
    engine = Engine(scene, scenario, params.replace(grab_mode=GrabMode.KINEMATIC), index)
    part = scenario.steps[0].parts[0]
    events = [e for f in _turned_placement(engine, part) for e in engine.step(f)]
    assert [e.kind for e in events if e.kind in (EventKind.GRAB, EventKind.SNAP)] == ["GRAB", "SNAP"]
    snap = next(e for e in events if e.kind == EventKind.SNAP)
    assert snap.data["angle_error_deg"] < 1.0  # the symmetry counted
    return [e.to_json() for e in events]


def test_after_the_warm_up_a_run_builds_nothing_and_says_the_same(builds):
    scene, scenario, params = _fresh()
    cold = run_autopilot(scene, scenario, params)
    assert cold.completed
    # cold runs build on first use (the load built only the all-parts Embree scene)
    assert builds["inset"] and builds["fcl"] > builds["inset"] and builds["proximity"]
    # the all-parts scene, then a part's own BVH once a ray meets it away from where it was
    # loaded (parts that end exactly at their authored pose may never need one)
    assert 1 < builds["embree"] <= 1 + len(cold.engine.movable)
    scene, scenario, params = _fresh()
    cold_turned = _placement_events(scene, scenario, params)

    scene, scenario, params = _fresh()
    engine = Engine(scene, scenario, params)
    warm_up = WarmUp(engine)
    warm_up.start()
    assert warm_up.wait(120)
    warm_up.stop()
    assert not warm_up.running
    for key in builds:
        builds[key] = 0
    warm = run_autopilot(scene, scenario, params, index=engine.index)
    warm_turned = _placement_events(scene, scenario, params, index=engine.index)
    assert builds == {"inset": 0, "fcl": 0, "symmetry": 0, "proximity": 0, "embree": 0}
    assert [e.kind for e in warm.events].count(EventKind.GRAB) == len(engine.movable)
    assert _events(warm) == _events(cold)
    assert warm_turned == cold_turned


def test_the_plan_puts_the_first_steps_parts_first(tmp_path):
    scene = load_scene(AS1)
    bolts = [p.id for p in scene.parts if p.id.endswith("/bolt")]
    path = tmp_path / "bolts.yaml"  # the bolts move; the plate, brackets, rod and nuts stay
    path.write_text(f"model: {AS1.as_posix()}\nparts: {json.dumps(bolts)}\n", encoding="utf-8")
    scenario = load_scenario(path, scene=scene)
    engine = Engine(scene, scenario, scenario_params(scenario))
    plan = engine.preparation_plan()
    first_step = scenario.steps[0].parts
    assert plan[: len(first_step)] == [(p, "collision") for p in first_step]
    order = ("collision", "proximity", "surface", "symmetry")
    assert [what for _, what in plan] == sorted((what for _, what in plan), key=order.index)
    fixed = {p.id for p in scene.parts} - set(engine.movable)
    assert fixed and {p for p, what in plan if what == "surface"} == fixed
    assert len(plan) == 3 * len(engine.movable) + len(fixed)
    with pytest.raises(ValueError, match="unknown structure"):
        engine.prepare(first_step[0], "everything")


def test_a_tolerance_change_retargets_the_warm_up_to_the_rebuilt_engine(qtbot):
    scene, scenario, params = _fresh()
    session = Session(scene, scenario, params, DesktopDevice())
    session.start()
    try:
        session.set_params(params.replace(snap_position_mm=params.snap_position_mm + 1.0))
        engine = session.engine
        assert session.warm_up.wait(120)
        # the rebuilt engine's symmetry searches (a new tolerance) are the ones prepared
        part = engine.movable[0]
        g = engine.geometry[part]
        tol = min(engine.slots[part].position_tol_m, 0.02 * float((g.vertices.max(0) - g.vertices.min(0)).max()))
        assert tol in interaction.symmetry._CACHE[g]
        assert symmetry_rotations(g, tol) is interaction.symmetry._CACHE[g][tol]
    finally:
        session.stop()
    assert not session.warm_up.running


@pytest.mark.gl
def test_a_scene_switch_stops_the_warm_up_thread(qtbot, tmp_path):
    from app.window.controller import attach_interaction
    from tests.conftest import PM4
    from views.main_window import MainWindow

    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    controller = attach_interaction(window)
    assert window.open_file(PM4, remember=False)  # autostart: ticking, warm-up running
    first = controller.session
    assert first.running and first.warm_up.running
    assert window.open_file(AS1, remember=False)
    assert controller.session is not first
    assert not first.running and not first.warm_up.running
    controller.session.stop()
    assert not controller.session.warm_up.running


def test_identical_parts_share_one_build_of_each_structure(builds):
    """AS1's 18 parts are 5 shapes (eight nuts, six bolts, ...): a whole run builds each
    shape's inset and exact collision BVHs and symmetries once, not once per part."""
    scene, scenario, params = _fresh()
    run = run_autopilot(scene, scenario, params)
    assert run.completed
    geometry = run.engine.geometry
    shapes = {geometry[p].fingerprint for p in run.engine.movable}
    assert len(shapes) < len(run.engine.movable)
    assert builds["inset"] == len(shapes)
    assert len(shapes) < builds["fcl"] <= 2 * len(shapes)  # inset + exact (if met), per shape
    assert builds["symmetry"] <= len(shapes)
    nuts = [geometry[p] for p in run.engine.movable if p.endswith("/nut")]
    assert len(nuts) > 1 and len({g.fingerprint for g in nuts}) == 1
    assert len({id(g.shape) for g in nuts}) == 1
    assert len({id(interaction.collision.inset_bvh(g, run.engine.collision.tolerance_m)) for g in nuts}) == 1
