"""Scenario files: round trips, line-numbered validation errors, the auto scenario's
order rule and layouts."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml

from scenes.auto_scenario import auto_scenario, propose_order
from scenes.model import Mesh, Node, Primitive, Scene, SceneError
from scenes.part_layout import layout_parts
from scenes.scenario import load_scenario, save_scenario
from tests.conftest import AS1, PM4

PLATE = "as1/plate"
ROD = "as1/rod-assembly/rod"
NUT = "as1/rod-assembly/nut[0]"


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _model(tmp_path: Path) -> str:
    return os.path.relpath(AS1, tmp_path)


def test_full_scenario_round_trips_through_save(tmp_path):
    body = {
        "model": _model(tmp_path),
        "units": "m",
        "parts": [PLATE, ROD, NUT],
        "targets": {ROD: {"position": [0.0, 0.06, -0.075], "rotation": [0, 0, 0, 1]}},
        "layout": "exploded",
        "start_poses": {NUT: {"position": [0.3, 0.0, 0.1], "rotation": [0, 0.7071067811865476, 0, 0.7071067811865476]}},
        "tolerances": {"position_mm": 4, "angle_deg": 7.5, "magnet_mm": 25},
        "part_tolerances": {NUT: {"position_mm": 1}},
        "strict_order": True,
        "steps": [{"id": "base", "parts": [PLATE], "label": "Plate down"},
                  {"id": "rest", "parts": [ROD, NUT], "requires": ["base"], "label": "Rod and nut"}],
        "inspection_points": [{"id": "p1", "node": PLATE, "point": [0.09, 0.02, -0.14], "normal": [0, 2, 0],
                               "instruction": "look for scratches"}],
        "variants": {"loose": {"snap_position_mm": 15}, "smooth": {"grab_mode": "smoothed"}},
        "default_variant": "loose",
    }
    src = _write(tmp_path / "a.yaml", yaml.safe_dump(body, sort_keys=False))
    first = load_scenario(src)
    assert first.model == AS1.resolve()
    assert first.inspection_points[0].normal.tolist() == [0.0, 1.0, 0.0]  # normalised
    (tmp_path / "sub").mkdir()
    out = tmp_path / "sub" / "b.yaml"
    save_scenario(first, out)
    assert yaml.safe_load(out.read_text())["model"] == os.path.relpath(AS1, tmp_path / "sub")
    second = load_scenario(out, scene=first.scene)
    assert second.to_dict(relative_to=tmp_path) == first.to_dict(relative_to=tmp_path)
    for pid, m in first.start_matrices(first.scene).items():
        np.testing.assert_allclose(second.start_matrices(second.scene)[pid], m, atol=1e-12)
    # the explicit target moved the rod 5 mm up in y from its authored 0.055 (node origin)
    np.testing.assert_allclose(second.target_matrix(second.scene, ROD)[:3, 3], [0.0, 0.06, -0.075])


def test_auto_scenario_round_trips(tmp_path):
    auto = load_scenario(AS1)
    assert auto.path is None and auto.targets is None and len(auto.steps) == 18
    save_scenario(auto, tmp_path / "auto.yaml")
    again = load_scenario(tmp_path / "auto.yaml")
    assert again.to_dict(relative_to=tmp_path) == auto.to_dict(relative_to=tmp_path)


BASE = "model: {model}\n"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("steps:\n  - id: a\n    parts: [as1/plate]\n  - id: b\n    parts: [as1/rod-assembly/rod]\n"
     "    requires: [a, x]\n", 7, "field 'steps[1].requires[1]': unknown step 'x'"),
    ("steps:\n  - id: a\n    parts: [as1/plate]\n    requires: [b]\n  - id: b\n    parts: [as1/rod-assembly/rod]\n"
     "    requires: [a]\n", 5, "steps require each other in a cycle: a -> b -> a"),
    ("steps:\n  - id: a\n    parts: [as1/plate]\n  - id: a\n    parts: [as1/rod-assembly/rod]\n", 5,
     "field 'steps[1].id': duplicate step id 'a'"),
    ("steps:\n  - id: a\n    parts: [as1/nope]\n", 4, "field 'steps[0].parts[0]': unknown or fixed part 'as1/nope'"),
    ("parts: [as1/plate]\nsteps:\n  - id: a\n    parts: [as1/rod-assembly/rod]\n", 5, "unknown or fixed part"),
    ("units: furlong\n", 2, "field 'units': unknown unit 'furlong'"),
    ("colour: red\n", 2, "field 'colour': unknown field"),
    ("inspection_points:\n  - id: p\n    node: as1/nothing\n    point: [0, 0, 0]\n", 4,
     "field 'inspection_points[0].node': unknown node 'as1/nothing'"),
    ("inspection_points:\n  - id: p\n    node: as1/plate\n    point: [0, 0]\n", 5, "expected 3 numbers, got 2"),
    ("tolerances:\n  position_mm: -2\n", 3, "field 'tolerances.position_mm': must be > 0"),
    ("tolerances:\n  position_mm: wide\n", 3, "expected a number, got str"),
    ("layout: heap\n", 2, "unknown layout 'heap'"),
    ("default_variant: fast\n", 2, "unknown variant 'fast'"),
    ("strict_order: sometimes\n", 2, "expected true or false"),
    ("targets:\n  as1/plate:\n    position: [0, 0, 0]\n    rotation: [0, 0, 0, 0]\n", 5,
     "a rotation quaternion cannot be zero"),
    ("steps: [\n", 3, "not valid YAML"),
    ("a: &x [1]\nb: *x\n", 3, "YAML aliases"),
])
def test_validation_errors_name_file_line_and_field(tmp_path, text, line, message):
    path = _write(tmp_path / "bad.yaml", BASE.format(model=_model(tmp_path)) + text)
    with pytest.raises(SceneError) as err:
        load_scenario(path)
    assert str(err.value).startswith(f"{path}: ")
    assert f"line {line}:" in str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize(("text", "message"), [
    ("", "must be a YAML mapping"),
    ("- a\n- b\n", "must be a YAML mapping"),
    ("units: m\n", "missing field 'model'"),
    ("model: ../missing/model.glb\n", "does not exist"),
])
def test_whole_file_errors(tmp_path, text, message):
    path = _write(tmp_path / "bad.yaml", text)
    with pytest.raises(SceneError, match=message):
        load_scenario(path)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(SceneError, match="no such file"):
        load_scenario(tmp_path / "none.yaml")
    blob = tmp_path / "blob.yaml"
    blob.write_bytes(b"\xff\xfe\x00model")
    with pytest.raises(SceneError):
        load_scenario(blob)


# -- the auto scenario ----------------------------------------------------------------------
def _box_scene(boxes: dict[str, tuple[list[float], list[float]]]) -> Scene:
    nodes, meshes = [], []
    for i, (name, (lo, hi)) in enumerate(boxes.items()):
        box = trimesh.creation.box(bounds=[lo, hi])
        meshes.append(Mesh(name, [Primitive(box.vertices.astype(np.float32), box.faces.astype(np.uint32))]))
        nodes.append(Node(index=i, name=name, path=name, local=np.eye(4), mesh=i))
    return Scene("boxes.glb", nodes, meshes, [])


def test_proposed_order_waits_for_touching_parts_and_is_a_valid_order():
    """A stack (base, housing on it, lid on that) and a spare part on its own: the order
    comes from taking the stack apart (scenes/disassembly.py, checked in detail in
    tests/test_disassembly.py); here the scenario it makes: touching parts wait for each
    other in the order proposed, the lone part waits for nothing, and every step comes
    after the steps it requires."""
    scene = _box_scene({
        "a_lid": ([0, 1.0, 0], [1, 1.1, 1]),        # rests on the housing's top
        "housing": ([0, 0.2, 0], [1, 1.0, 1]),      # rests on the base
        "base": ([-1, 0, -1], [2, 0.2, 2]),         # the largest, on the ground
        "spare": ([3, 0, 3], [3.2, 0.1, 3.2]),      # alone on the ground
    })
    order = propose_order(scene, [p.id for p in scene.parts])
    names = [pid for pid, _ in order]
    requires = dict(order)
    assert sorted(names) == ["a_lid", "base", "housing", "spare"]
    position = {n: i for i, n in enumerate(names)}
    for part, needs in order:
        assert all(position[r] < position[part] for r in needs)
    # the lid and the housing touch, and so do the housing and the base: one waits for the other
    for a, b in (("a_lid", "housing"), ("housing", "base")):
        first, then = sorted((a, b), key=position.__getitem__)
        assert first in requires[then]
    assert requires["spare"] == []
    scenario = auto_scenario(scene, "boxes.glb")
    step_of = {s.parts[0]: s.id for s in scenario.steps}
    for step in scenario.steps:
        assert step.requires == [step_of[r] for r in requires[step.parts[0]]]


def test_tray_layout_is_beside_on_the_ground_and_non_overlapping():
    scenario = load_scenario(PM4)
    scene = scenario.scene
    start = scenario.start_matrices(scene)
    lo_all, hi_all = scene.bounds
    boxes = []
    for pid in scenario.parts:
        part = scene.part(pid)
        local = scene.node_bounds(scene.part_nodes(part))
        shift = start[pid][:3, 3] - scene.world_matrix(part.node)[:3, 3]
        np.testing.assert_allclose(start[pid][:3, :3], scene.world_matrix(part.node)[:3, :3])  # authored orientation
        boxes.append(local + shift)
    boxes = np.array(boxes)
    assert np.all(boxes[:, 0, 0] > hi_all[0])  # beside the assembly
    np.testing.assert_allclose(boxes[:, 0, 1], lo_all[1], atol=1e-9)  # on its ground
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            overlap = np.all(boxes[i, 0] < boxes[j, 1]) and np.all(boxes[j, 0] < boxes[i, 1])
            assert not overlap, (scenario.parts[i], scenario.parts[j])


def test_exploded_layout_moves_every_part_away_from_the_centre():
    scene = load_scenario(AS1).scene
    ids = [p.id for p in scene.parts]
    centre = scene.bounds.mean(axis=0)
    out = layout_parts(scene, ids, "exploded")
    for pid in ids:
        before = np.linalg.norm(scene.world_matrix(scene.part(pid).node)[:3, 3] - centre)
        assert np.linalg.norm(out[pid][:3, 3] - centre) > before


def test_missing_steps_are_proposed_but_an_empty_list_means_none(tmp_path):
    base = f"model: {_model(tmp_path)}\nparts: [{PLATE}, {ROD}]\n"
    proposed = load_scenario(_write(tmp_path / "a.yaml", base))
    assert [s.parts for s in proposed.steps] == [[PLATE], [ROD]]
    none = load_scenario(_write(tmp_path / "b.yaml", base + "steps: []\n"), scene=proposed.scene)
    assert none.steps == []


def test_saving_an_edited_scenario_keeps_its_comments_and_spelling(tmp_path):
    """The bundled sample has the designer's comments; an edit (steps reordered, one
    step's precedence changed, a tolerance) saved back keeps every comment, moves the
    comment inside a step with that step, and leaves unchanged numbers as written."""
    import dataclasses
    import shutil

    from scenes.samples import SAMPLE_SCENARIO

    folder = tmp_path / "s"
    folder.mkdir()
    text = SAMPLE_SCENARIO.read_text(encoding="utf-8")
    text = text.replace("- id: step3\n", "- id: step3  # the second bracket: same shape\n")
    path = folder / "task.yaml"
    path.write_text(text, encoding="utf-8")
    shutil.copy(SAMPLE_SCENARIO.parent / "bug21802_as1-oc-214.glb", folder)
    scenario = load_scenario(path)
    steps = scenario.steps
    steps[1], steps[2] = steps[2], steps[1]
    steps[4] = dataclasses.replace(steps[4], requires=["step1"])
    scenario.tolerances["magnet_mm"] = 40.0
    save_scenario(scenario, path)
    saved = path.read_text(encoding="utf-8")
    comments = [line.strip() for line in text.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(c in saved for c in comments)
    assert "- id: step3  # the second bracket: same shape" in saved
    assert saved.index("id: step3") < saved.index("id: step2")
    assert "magnet_mm: 40.0" in saved and "position_mm: 5.0" in saved
    again = load_scenario(path)
    assert [s.id for s in again.steps] == [s.id for s in steps]
    assert again.steps[4].requires == ["step1"] and again.tolerances["magnet_mm"] == 40.0
    assert again.inspection_points[0].instruction == scenario.inspection_points[0].instruction
    np.testing.assert_allclose(again.inspection_points[2].point, scenario.inspection_points[2].point)
