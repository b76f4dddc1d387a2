"""The ``anchor:`` block of a scenario (desk AR registration), read with the scenario's own
field reader: what it accepts, what it refuses (naming the field), and where it puts the
marker on the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from scenes.model import SceneError
from scenes.scenario import _Reader
from scenes.scenario_anchor import MARKER_DICTIONARIES, check_anchor, read_anchor
from scenes.scenario_model import Scenario
from scenes.transforms import pose_to_matrix


def _read(text: str):
    reader = _Reader(Scenario(model=Path("model.glb"), path=Path("task.yaml"), lines={}))
    return read_anchor(reader, yaml.safe_load(text))


def test_a_marker_anchor():
    a = _read("{marker: 23, size_mm: 50, pose: {position: [0.1, 0, 0.05], rotation: [0, 0, 0, 2]}}")
    assert (a.marker_id, a.size_m, a.dictionary, a.board, a.node, a.lost_after_s) == (23, 0.05, "DICT_6X6_250", None, None, 0.25)
    np.testing.assert_allclose(a.pose, [0.1, 0, 0.05, 0, 0, 0, 1])
    text = yaml.safe_dump(a.to_dict())
    assert "marker: 23" in text and _read(text).to_dict() == a.to_dict()


def test_a_board_anchor_on_a_node(as1):
    node = as1.nodes[3]
    a = _read(f"{{board: 'charuco:5x7:40:20:apriltag_36h11', node: '{node.path}', pose: {{}}, lost_after_s: 0.5}}")
    assert a.board == "charuco:5x7:40:20:apriltag_36h11" and a.marker_id is None and a.lost_after_s == 0.5
    check_anchor(a, as1, lambda key, message: SceneError("task.yaml", f"{key}: {message}"))
    world = as1.world_matrix(node.index)
    rigid = a.model_from_target(as1)
    np.testing.assert_allclose(rigid[:3, 3], world[:3, 3])
    np.testing.assert_allclose(rigid[:3, :3] @ rigid[:3, :3].T, np.eye(3), atol=1e-9)  # the node's scale left out
    with pytest.raises(SceneError, match="anchor.node: unknown node 'nope'"):
        check_anchor(_read("{board: 'grid:2x2:40:10:DICT_4X4_50', node: nope, pose: {}}"), as1,
                     lambda key, message: SceneError("task.yaml", f"{key}: {message}"))
    assert np.array_equal(_read("{marker: 1, size_mm: 9, pose: {}}").model_from_target(as1), pose_to_matrix(np.r_[0, 0, 0, 0, 0, 0, 1.0]))


@pytest.mark.parametrize(("text", "problem"), [
    ("[1, 2]", "field 'anchor': expected a mapping"),
    ("{marker: 1, size_mm: 5, pose: {}, colour: red}", "field 'anchor.colour': unknown field"),
    ("{size_mm: 5, pose: {}}", "either a 'marker'"),
    ("{marker: 1, board: 'grid:2x2:1:1:DICT_4X4_50', pose: {}}", "either a 'marker'"),
    ("{marker: 1, size_mm: 5}", "an anchor needs 'pose'"),
    ("{marker: -1, size_mm: 5, pose: {}}", "field 'anchor.marker': expected a marker id"),
    ("{marker: true, size_mm: 5, pose: {}}", "field 'anchor.marker': expected a marker id"),
    ("{marker: 1, pose: {}}", "needs 'size_mm'"),
    ("{marker: 1, size_mm: 0, pose: {}}", "field 'anchor.size_mm': must be > 0"),
    ("{marker: 1, size_mm: 5, dictionary: DICT_9X9, pose: {}}", "unknown marker dictionary 'DICT_9X9'"),
    ("{marker: 1, size_mm: 5, pose: {rotation: [0, 0, 0, 0]}}", "cannot be zero"),
    ("{board: 'chessboard:9x6', pose: {}}", "field 'anchor.board': expected charuco"),
    ("{board: 'grid:2x2:40:10:DICT_4X4_50', size_mm: 4, pose: {}}", "carries its own sizes"),
])
def test_bad_anchors_name_the_field(text, problem):
    with pytest.raises(SceneError, match=problem) as err:
        _read(text)
    assert str(err.value).startswith("task.yaml: ")


def test_the_dictionary_list_is_opencvs():
    from devices.camera.markers import dictionary_names

    assert sorted(MARKER_DICTIONARIES) == dictionary_names()


def test_the_anchor_builds_its_tracker():
    from devices.camera.boards import BoardSpec
    from devices.camera.intrinsics import CameraIntrinsics
    from devices.camera.marker_tracking import MarkerTarget, tracker_for_anchor

    camera = CameraIntrinsics.from_fov(640, 480, 60.0)
    marker = tracker_for_anchor(_read("{marker: 7, size_mm: 40, dictionary: apriltag_36h11, pose: {}, lost_after_s: 1}"), camera)
    assert marker.target == MarkerTarget(7, 0.04, "DICT_APRILTAG_36h11")
    assert marker.dictionary == "DICT_APRILTAG_36h11" and marker.filter.smoothing.lost_after_s == 1.0
    board = tracker_for_anchor(_read("{board: 'charuco:5x7:40:20:DICT_6X6_250', pose: {}}"), camera)
    assert isinstance(board.target, BoardSpec) and board.target.square_m == 0.04
    with pytest.raises(ValueError, match="needs 64 markers, DICT_4X4_50 has 50"):
        tracker_for_anchor(_read("{board: 'grid:8x8:10:2:DICT_4X4_50', pose: {}}"), camera)


# -- the anchor in scenario files ----------------------------------------------------------


def _scenario_file(folder: Path, anchor: str) -> Path:
    import os

    from tests.conftest import AS1

    path = folder / "task.yaml"
    path.write_text(f"# AR task\nmodel: {os.path.relpath(AS1, folder)}\nparts: [as1/plate]\n{anchor}"
                    "variants: {loose: {snap_position_mm: 15}}\n", encoding="utf-8")
    return path


ANCHOR_BLOCK = ("anchor:\n"
                "  marker: 23        # printed at 60 mm\n"
                "  size_mm: 60\n"
                "  node: as1/plate   # on the plate's frame\n"
                "  pose: {position: [0.09, 0.0, 0.06], rotation: [-0.7071068, 0, 0, 0.7071068]}\n")


def test_a_scenario_loads_checks_and_saves_its_anchor(tmp_path, as1):
    """Read from the file, checked against the model, kept through a save that keeps the
    file's comments and spelling, and round-tripped by a fresh write as well."""
    from scenes.scenario import load_scenario, save_scenario

    path = _scenario_file(tmp_path, ANCHOR_BLOCK)
    scenario = load_scenario(path, scene=as1)
    a = scenario.anchor
    assert a is not None and (a.marker_id, a.size_m, a.node) == (23, 0.06, "as1/plate")
    np.testing.assert_allclose(a.pose[:3], [0.09, 0.0, 0.06])
    save_scenario(scenario, path)
    saved = path.read_text(encoding="utf-8")
    assert "marker: 23        # printed at 60 mm" in saved and "size_mm: 60\n" in saved
    assert "node: as1/plate   # on the plate's frame" in saved and "# AR task" in saved
    again = load_scenario(path, scene=as1)
    assert again.anchor is not None and again.anchor.to_dict() == a.to_dict()
    fresh = tmp_path / "fresh.yaml"
    scenario.path = None  # not from a file: written fresh
    save_scenario(scenario, fresh)
    assert load_scenario(fresh, scene=as1).anchor.to_dict() == a.to_dict()
    assert load_scenario(_scenario_file(tmp_path, ""), scene=as1).anchor is None


@pytest.mark.parametrize(("block", "problem"), [
    (ANCHOR_BLOCK.replace("as1/plate", "as1/nothing"), "line 7: field 'anchor.node': unknown node 'as1/nothing'"),
    (ANCHOR_BLOCK.replace("size_mm: 60", "size_mm: -6"), "line 6: field 'anchor.size_mm': must be > 0"),
    ("anchor: 23\n", "line 4: field 'anchor': expected a mapping"),
])
def test_a_bad_anchor_in_a_scenario_names_line_and_field(tmp_path, as1, block, problem):
    from scenes.scenario import load_scenario

    with pytest.raises(SceneError, match=problem):
        load_scenario(_scenario_file(tmp_path, block), scene=as1)
