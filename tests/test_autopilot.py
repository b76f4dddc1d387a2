"""The autopilot completes the auto scenario of every multi-part model in tests/data,
through the real engine and the real spatial index; final poses are checked against the
authored node transforms as trimesh reads them (an independent glTF reader)."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from interaction.autopilot import run_autopilot
from interaction.engine import Engine
from interaction.events import EventKind
from interaction.params import GrabMode, InteractionParams
from scenes.scenario import load_scenario
from tests.conftest import AS1, BOOLEAN, CTC02, NESTED, PINS, PM4

MODELS = [AS1, PM4, PINS, BOOLEAN, NESTED, CTC02]


def _trimesh_world_bounds(path) -> dict[str, np.ndarray]:
    """Node name -> authored world bounds, read by trimesh's own glTF loader."""
    scene = trimesh.load(path, force="scene")
    out = {}
    for node in scene.graph.nodes_geometry:
        transform, geom = scene.graph[node]
        mesh = scene.geometry[geom]
        if not hasattr(mesh, "faces"):
            continue
        v = trimesh.transform_points(mesh.vertices, transform)
        out.setdefault(node, np.stack([v.min(axis=0), v.max(axis=0)]))
    return out


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.name)
def test_autopilot_completes_auto_scenario(model):
    scenario = load_scenario(model)
    scene = scenario.scene
    result = run_autopilot(scene, scenario)
    assert result.completed, (result.problems, [s for s in result.steps if not s.done])
    counts = result.event_counts()
    assert counts[EventKind.SNAP] == len(scenario.parts)
    assert counts[EventKind.STEP_DONE] == len(scenario.steps)
    assert counts[EventKind.TASK_COMPLETE] == 1
    assert EventKind.RELEASE_OUT_OF_TOLERANCE not in counts
    # every part ended where the file authored it; the start layout was elsewhere
    engine = result.engine
    starts = scenario.start_matrices(scene)
    for pid in scenario.parts:
        part = scene.part(pid)
        slot = engine.state.snapped[pid]
        authored_slot = scene.world_matrix(scene.part(slot).node)
        np.testing.assert_allclose(engine.state.part_poses[pid], authored_slot, atol=1e-9)
        assert np.linalg.norm(starts[pid][:3, 3] - scene.world_matrix(part.node)[:3, 3]) > 1e-6
        if slot == pid:
            assert engine.index.part_world_bounds(pid) is not None


def test_final_bounds_match_trimesh_reader():
    """Independent check on AS1: world bounds of every placed part equal trimesh's."""
    scenario = load_scenario(AS1)
    result = run_autopilot(scenario.scene, scenario)
    assert result.completed
    expected = sorted(tuple(np.round(b, 5).ravel()) for b in _trimesh_world_bounds(AS1).values())
    got = sorted(
        tuple(np.round(result.engine.index.part_world_bounds(pid), 5).ravel()) for pid in scenario.parts
    )
    assert got == expected


def test_autopilot_completes_with_smoothed_grab():
    scenario = load_scenario(PINS)
    params = InteractionParams(grab_mode=GrabMode.SMOOTHED, smoothing=0.2)
    result = run_autopilot(scenario.scene, scenario, params)
    assert result.completed, result.problems


def _overlapping_in_place(scenario) -> set[frozenset[str]]:
    """Pairs of parts the engine's collision test finds interpenetrating with every part
    at its target: overlaps the model has in place (PM4: the rod 0.5 mm into the flange's
    bore, a gland into the lower cover), which no order can avoid."""
    scene = scenario.scene
    engine = Engine(scene, scenario)
    for pid in scenario.parts:
        engine.collision.set_frame(pid, engine.rigid_frame(pid, scenario.target_matrix(scene, pid)))
    return {frozenset((pid, other)) for pid in scenario.parts for other in engine.collision.colliding_with(pid)}


@pytest.mark.parametrize("model", [AS1, PM4], ids=lambda p: p.name)
def test_proposed_order_brings_every_part_in_without_cutting_through(model):
    """The auto scenario's order is a disassembly reversed: every part has a free way in
    past the parts placed before it, so the only collisions left are the overlaps the
    model has in place, each once (when the second of the two arrives): none on AS1."""
    scenario = load_scenario(model)
    result = run_autopilot(scenario.scene, scenario)
    assert result.completed, result.problems
    in_place = _overlapping_in_place(scenario)
    cuts = [(ev.part, ev.data["other"]) for ev in result.events if ev.kind == EventKind.COLLISION_START]
    assert [c for c in cuts if frozenset(c) not in in_place] == []
    assert len(cuts) == len(in_place)
    if model == AS1:
        assert in_place == set()
        assert all(not s.collisions for s in result.steps)
