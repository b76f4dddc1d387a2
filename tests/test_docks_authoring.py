"""Authoring: inspection points placed from real ray hits on AS1, undo / redo, save / reload."""

from __future__ import annotations

import numpy as np

from scenes.index import SceneIndex
from scenes.scenario import load_scenario
from scenes.scenario_document import ScenarioDocument, inspection_point_from_hit
from tests.conftest import AS1


def _hit_from_above(scene, index):
    lo, hi = scene.bounds
    centre = (lo + hi) / 2
    hit = index.ray(centre + np.array([0.0, 1.0, 0.0]), np.array([0.0, -1.0, 0.0]))
    assert hit is not None
    return hit


def test_point_from_hit_is_stored_in_the_node_frame(as1, as1_index):
    scene, index = as1, as1_index
    hit = _hit_from_above(scene, index)
    point = inspection_point_from_hit(scene, hit, [])
    assert point.id == "P1" and point.node == scene.nodes[hit.node].path
    world = scene.world_matrix(hit.node)
    np.testing.assert_allclose(world[:3, :3] @ point.point + world[:3, 3], hit.point, atol=1e-9)
    n_world = np.linalg.inv(world[:3, :3]).T @ point.normal
    np.testing.assert_allclose(n_world / np.linalg.norm(n_world), hit.normal, atol=1e-9)


def test_point_on_a_moved_part_follows_the_part(as1):
    scene = as1
    index = SceneIndex(scene)
    part = scene.parts[0]
    moved = scene.world_matrix(part.node).copy()
    moved[:3, 3] += [0.5, 0.0, 0.0]
    index.set_part_pose(part.id, moved)
    lo, hi = index.part_world_bounds(part.id)
    c = (lo + hi) / 2
    hit = index.ray(c + [0, 1.0, 0], np.array([0.0, -1.0, 0.0]))
    assert hit is not None and hit.node in scene.part_nodes(part)
    point = inspection_point_from_hit(scene, hit, [], {part.id: moved})
    # in the authored pose the point sits 0.5 m back along -X of the clicked world point
    authored = scene.world_matrix(hit.node)
    np.testing.assert_allclose(
        authored[:3, :3] @ point.point + authored[:3, 3], hit.point - [0.5, 0, 0], atol=1e-9
    )


def test_undo_redo_of_authoring_edits_and_save_round_trip(qtbot, as1, as1_index, tmp_path):
    scene, index = as1, as1_index
    scenario = load_scenario(AS1, scene=scene)
    editor = ScenarioDocument(scenario)
    changes = []
    editor.changed.connect(changes.append)
    hit = _hit_from_above(scene, index)
    p1 = inspection_point_from_hit(scene, hit, scenario.inspection_points)
    editor.add_inspection_point(p1)
    p2 = inspection_point_from_hit(scene, hit, scenario.inspection_points)
    editor.add_inspection_point(p2)
    assert [p.id for p in scenario.inspection_points] == ["P1", "P2"]
    first, second = scenario.steps[0].id, scenario.steps[1].id
    editor.move_step(0, 2)
    assert scenario.steps[2].id == first and scenario.steps[0].id == second
    editor.set_tolerance("position_mm", 12.0)
    editor.set_variant("loose", {"snap_position_mm": 15.0})
    assert changes == ["points", "points", "steps", "tolerances", "variants"]

    stack = editor.stack
    stack.undo()  # variant
    stack.undo()  # tolerance
    assert scenario.tolerances == {} and scenario.variants == {}
    stack.undo()  # step move
    assert scenario.steps[0].id == first
    stack.undo()
    assert [p.id for p in scenario.inspection_points] == ["P1"]
    stack.redo()
    stack.redo()
    assert [p.id for p in scenario.inspection_points] == ["P1", "P2"] and scenario.steps[
        2
    ].id == first
    editor.remove_inspection_point("P1")
    assert [p.id for p in scenario.inspection_points] == ["P2"]
    stack.undo()
    assert [p.id for p in scenario.inspection_points] == ["P1", "P2"]

    path = tmp_path / "as1.scenario.yaml"
    editor.save(path)
    assert stack.is_clean()
    again = load_scenario(path)
    assert [p.id for p in again.inspection_points] == ["P1", "P2"]
    np.testing.assert_allclose(again.inspection_points[0].point, p1.point)
    assert again.inspection_points[0].node == p1.node
    assert [s.id for s in again.steps] == [s.id for s in scenario.steps]
