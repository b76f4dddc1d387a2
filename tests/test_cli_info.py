"""``xrjig info`` through the real CLI dispatcher (and once as a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh

from app.cli import main
from tests.conftest import AS1, PINS, VALIDATOR_CASES


def test_info_text_lists_tree_parts_and_size(capsys):
    assert main(["info", str(AS1)]) == 0
    out = capsys.readouterr().out
    assert "nodes: 28  parts: 18  triangles: 5,584" in out
    assert "size: 200.0 x 84.0 x 150.0 mm" in out
    assert out.count("part 'nut #") == 8
    assert "    rod-assembly" in out  # nested one level under as1


def test_info_json_matches_trimesh(capsys):
    assert main(["info", str(PINS), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    ts = trimesh.load(str(PINS), force="scene")
    np.testing.assert_allclose(info["bounds_m"], ts.bounds, atol=1e-6)
    assert info["triangles"] == sum(len(g.faces) for g in ts.dump())
    assert len(info["parts"]) == len(ts.graph.nodes_geometry)
    assert info["suggested_unit"] == "mm"
    assert len({n["path"] for n in info["nodes"]}) == len(info["nodes"])


def test_info_unit_option_scales(capsys):
    assert main(["info", str(PINS), "--json", "--unit", "mm"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["unit"] == "mm" and info["unit_scale"] == 0.001
    np.testing.assert_allclose(info["size_mm"], [254.0, 254.0, 25.4], atol=1e-3)
    assert info["suggested_unit"] is None


@pytest.mark.parametrize(
    "bad", ["glb/invalid_magic.glb", "json/invalid_syntax.gltf", "node/node_loop.gltf"]
)
def test_info_bad_file_is_one_line_and_exit_1(capsys, bad):
    path = VALIDATOR_CASES / bad
    assert main(["info", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0]


def test_info_as_a_subprocess():
    root = Path(__file__).resolve().parents[1]
    ok = subprocess.run(
        [sys.executable, "-m", "app", "info", str(AS1), "--json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert len(json.loads(ok.stdout)["parts"]) == 18
    bad = subprocess.run(
        [sys.executable, "-m", "app", "info", str(root / "missing.glb")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert (
        bad.stderr.count("\n") == 1
        and "no such file" in bad.stderr
        and "Traceback" not in bad.stderr
    )
