"""``xrjig check``: validates, runs the autopilot headlessly, exit 0 only on completion."""

from __future__ import annotations

import json
import os

import numpy as np
import yaml

from app.cli import main
from tests.conftest import AS1, NESTED, PINS

PLATE = "as1/plate"


def test_check_auto_scenario_of_a_model_completes(capsys):
    assert main(["check", str(PINS)]) == 0
    out = capsys.readouterr().out
    assert "auto scenario of" in out and "result: COMPLETED" in out
    assert out.count("done at frame") == 7


def test_check_json_report(capsys):
    assert main(["check", str(NESTED), "--json", "--set", "snap_position_mm=2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["completed"] is True and report["auto"] is True
    assert report["params"]["snap_position_mm"] == 2.0
    assert report["event_counts"]["SNAP"] == 1 and report["events"] >= 4
    assert [s["done"] for s in report["steps"]] == [True]


def _plate_point(scene_world: list[float]) -> list[float]:
    from scenes.loader import load_scene

    scene = load_scene(AS1)
    node = next(n for n in scene.nodes if n.path == PLATE)
    m = np.linalg.inv(scene.world_matrix(node.index))
    return [float(x) for x in m[:3, :3] @ np.array(scene_world) + m[:3, 3]]


def test_check_scenario_with_inspection_and_variant(tmp_path, capsys):
    body = {
        "model": os.path.relpath(AS1, tmp_path),
        "parts": [PLATE],
        "steps": [{"id": "plate", "parts": [PLATE], "label": "Plate"}],
        "inspection_points": [{"id": "top", "node": PLATE, "point": _plate_point([0.09, 0.02, -0.14]),
                               "normal": [0, 1, 0]}],
        "variants": {"slow": {"dwell_time_s": 1.5}},
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(body))
    assert main(["check", str(path), "--json", "--variant", "slow"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["variant"] == "slow" and report["params"]["dwell_time_s"] == 1.5
    assert report["points"] == [{"id": "top", "seen": True, "verdict": "pass"}]
    assert report["event_counts"]["TASK_COMPLETE"] == 1


def test_check_fails_when_a_point_cannot_be_seen(tmp_path, capsys):
    """A point in the middle of the plate's material: every gaze ray stops on the
    surface 10 mm away, outside a 2 mm inspection radius: the task cannot complete."""
    body = {
        "model": os.path.relpath(AS1, tmp_path),
        "parts": [],
        "inspection_points": [{"id": "buried", "node": PLATE, "point": _plate_point([0.09, 0.01, -0.14])}],
        "variants": {"strict": {"inspection_radius_mm": 2}},
        "default_variant": "strict",
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(body))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "NOT COMPLETED" in out and "no clear line of sight" in out


def test_bad_files_are_one_stderr_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"model: {os.path.relpath(AS1, tmp_path)}\nsteps:\n  - id: a\n    parts: [x]\n")
    assert main(["check", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("xrjig: ") and "line 4" in err[0] and str(bad) in err[0]
    assert main(["check", str(tmp_path / "missing.glb")]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert main(["check", str(NESTED), "--set", "bogus=1"]) == 1
    assert "unknown interaction parameter 'bogus'" in capsys.readouterr().err


def test_check_attributes_collisions_on_the_way_in_to_steps(capsys):
    assert main(["check", str(AS1), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    per_step = sum(len(s["collisions"]) for s in report["steps"])
    assert per_step == report["event_counts"].get("COLLISION_START", 0)
    assert all(s["done"] for s in report["steps"]) and len(report["steps"]) == 18


def test_check_auto_scenario_of_as1_has_a_free_way_in_for_every_part(capsys):
    """The proposed order of AS1 (plate, brackets, bolts, rod, nuts) lets the autopilot
    bring every part in without cutting through one already placed."""
    assert main(["check", str(AS1)]) == 0
    out = capsys.readouterr().out
    assert "result: COMPLETED" in out
    assert "cut through" not in out and "no free approach" not in out
    assert main(["check", str(AS1), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [s["collisions"] for s in report["steps"]] == [[]] * 18
    assert "COLLISION_START" not in report["event_counts"]
