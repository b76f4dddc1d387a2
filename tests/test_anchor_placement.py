"""Placing the desktop-AR marker on the model, without Qt: the marker's frame on a face
(its top edge by the documented rule), the anchor kept in the clicked node's frame, and
the scenario document's undoable ``set_anchor`` seen through the Workspace."""

from __future__ import annotations

import numpy as np
import pytest

from app.model.workspace import Workspace
from scenes.ray_hits import RayHit
from scenes.scenario import load_scenario, save_scenario
from scenes.scenario_anchor import marker_frame
from scenes.scenario_document import anchor_from_hit
from scenes.transforms import pose_to_matrix, quat_from_axis_angle
from tests.conftest import AS1


@pytest.mark.parametrize(("normal", "up"), [
    ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0)),    # a wall facing the front: top edge up
    ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),    # a wall facing right
    ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),   # level, face up: top edge to the back
    ((0.0, -1.0, 0.0), (0.0, 0.0, -1.0)),  # level, face down
    ((0.0, 0.8, 0.6), (0.0, 0.6, -0.8)),   # a slope (37 deg from level): up projected on it
])
def test_the_marker_frame_faces_out_and_its_top_edge_follows_the_rule(normal, up):
    m = marker_frame(np.array([0.1, 0.2, 0.3]), np.array(normal) * 3.0)
    np.testing.assert_allclose(m[:3, 2], normal, atol=1e-12)
    np.testing.assert_allclose(m[:3, 1], up, atol=1e-12)
    np.testing.assert_allclose(m[:3, :3] @ m[:3, :3].T, np.eye(3), atol=1e-12)
    assert np.linalg.det(m[:3, :3]) == pytest.approx(1.0)
    np.testing.assert_allclose(m[:3, 3], [0.1, 0.2, 0.3])


def test_an_anchor_from_a_hit_on_a_moved_part_stays_on_that_part(as1):
    """Clicked on the rod where the task has moved it: stored in the rod's frame, so at the
    authored pose it is on the rod at the same spot, facing the same way relative to it."""
    rod = next(p for p in as1.parts if p.id == "as1/rod-assembly/rod")
    authored = as1.world_matrix(rod.node)
    moved = pose_to_matrix(np.r_[0.3, 0.05, -0.1, quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), 0.7)])
    moved[:3, :3] = moved[:3, :3] @ (authored[:3, :3] / np.linalg.norm(authored[:3, :3], axis=0))
    local_point, local_normal = np.array([0.01, 0.02, 0.0]), np.array([0.0, 1.0, 0.0])
    hit = RayHit(rod.node, rod.id, moved[:3, :3] @ local_point + moved[:3, 3], moved[:3, :3] @ local_normal, 0.4)
    anchor = anchor_from_hit(as1, hit, 0.05, 3, "DICT_4X4_50", {rod.id: moved})
    assert (anchor.node, anchor.marker_id, anchor.size_m, anchor.dictionary) == (
        "as1/rod-assembly/rod", 3, 0.05, "DICT_4X4_50")
    at_authored = anchor.model_from_target(as1)
    rigid = authored.copy()
    rigid[:3, :3] /= np.linalg.norm(rigid[:3, :3], axis=0)
    np.testing.assert_allclose(at_authored[:3, 3], rigid[:3, :3] @ local_point + rigid[:3, 3], atol=1e-9)
    np.testing.assert_allclose(at_authored[:3, 2], rigid[:3, :3] @ local_normal, atol=1e-9)


def test_set_anchor_is_one_undoable_edit_the_workspace_reports_and_a_save_keeps(tmp_path):
    path = tmp_path / "bench.yaml"
    path.write_text(f"# kept\nmodel: {AS1}\nparts: []\n", encoding="utf-8")
    scenario = load_scenario(path)
    workspace = Workspace()
    workspace.open_task(scenario.scene, scenario)
    kinds: list[str] = []
    workspace.document_changed.connect(kinds.append)
    scene = scenario.scene
    plate = next(n for n in scene.nodes if n.path == "as1/plate")
    hit = RayHit(plate.index, "as1/plate", np.array([0.05, 0.01, 0.02]), np.array([0.0, 1.0, 0.0]), 0.3)
    anchor = anchor_from_hit(scene, hit, 0.06, 23)
    document = workspace.document
    document.set_anchor(anchor)
    assert scenario.anchor is anchor and workspace.unsaved and document.stack.undo_text == "Place the AR marker"
    document.stack.undo()
    assert scenario.anchor is None
    document.stack.redo()
    assert scenario.anchor is anchor and kinds == ["anchor"] * 3
    document.set_anchor(anchor)  # the same one again: no edit
    assert kinds == ["anchor"] * 3
    document.save(path)
    again = load_scenario(path).anchor
    assert path.read_text(encoding="utf-8").startswith("# kept\n")
    assert (again.marker_id, again.size_m, again.node) == (23, 0.06, "as1/plate")
    np.testing.assert_allclose(again.model_from_target(scene), anchor.model_from_target(scene), atol=1e-9)
    document.set_anchor(None)
    save_scenario(scenario, path)
    assert load_scenario(path).anchor is None and "anchor" not in path.read_text(encoding="utf-8")
