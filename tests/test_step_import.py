"""STEP import against an independent reference: the shared GLB conversions of the same
files (Open CASCADE 7.9's own XCAF -> glTF writer, tests/data/cad/SOURCES.md).

Each STEP file is converted once per run (the session's cache, tests/conftest.py); every
later load in these tests is a cache hit."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from scenes import step_cache
from scenes.loader import load_scene
from scenes.model import Scene, SceneError
from scenes.part_layout import solid_parts
from scenes.step_convert import convert_step, is_converted
from scenes.step_names import is_tag
from scenes.step_quality import QUALITIES, parse_quality
from tests.conftest import AS1, AS1_STEP, CTC02, CTC02_STEP, PM4, PM4_STEP

PAIRS = {"as1": (AS1_STEP, AS1), "pm4": (PM4_STEP, PM4), "ctc02": (CTC02_STEP, CTC02)}


@pytest.fixture(scope="module")
def loaded() -> dict[str, tuple[Scene, Scene]]:
    """name -> (the STEP file as loaded, its shared GLB as loaded)."""
    return {k: (load_scene(step), load_scene(glb)) for k, (step, glb) in PAIRS.items()}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_node_names_and_tree_equal_the_shared_glb(loaded, name):
    ours, ref = loaded[name]
    assert [n.name for n in ours.nodes] == [n.name for n in ref.nodes]
    assert [n.path for n in ours.nodes] == [n.path for n in ref.nodes]
    assert [n.parent for n in ours.nodes] == [n.parent for n in ref.nodes]
    assert not any(is_tag(n.name) or not n.name for n in ours.nodes)


@pytest.mark.parametrize("name", ["as1", "pm4"])
def test_part_count_equals_the_shared_glb(loaded, name):
    ours, ref = loaded[name]
    assert [p.id for p in ours.parts] == [p.id for p in ref.parts]
    assert [p.display_name for p in ours.parts] == [p.display_name for p in ref.parts]
    assert len(ours.parts) == {"as1": 18, "pm4": 32}[name]


def test_ctc02_curves_and_pmi_are_skipped_with_notes(loaded, caplog):
    ours, ref = loaded["ctc02"]
    # the reference keeps a one-segment polyline "part" COMPOUND; we keep its node, not
    # the curve: the parts with surfaces are the same
    assert [p.id for p in ref.parts] == ["nist_ctc_02_asme1/COMPOUND", "nist_ctc_02_asme1/SOLID"]
    assert [p.id for p in ours.parts] == solid_parts(ref) == ["nist_ctc_02_asme1/SOLID"]
    compound = next(n for n in ours.nodes if n.name == "COMPOUND")
    assert compound.mesh is None
    assert all(p.mode == "triangles" for m in ours.meshes for p in m.primitives)
    assert len(ours.notes) == 2
    assert "COMPOUND" in ours.notes[0] and "curves" in ours.notes[0]
    assert re.search(r"PMI not shown \(46 annotations, 7 dimensions, \d+ tolerances, 10 datums\)", ours.notes[1])
    with caplog.at_level("WARNING"):
        load_scene(CTC02_STEP)  # a cache hit says it again
    assert sum("PMI not shown" in r.getMessage() for r in caplog.records) == 1
    assert not load_scene(AS1_STEP).notes


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_bounds_agree_with_the_shared_glb_within_the_tessellation(loaded, name):
    """Whole scene and part by part: vertices lie on the true surfaces, so two meshings
    differ by their deflections (ours 0.1 mm; the reference's is finer, its meshes are)."""
    ours, ref = loaded[name]
    tolerance = 2 * QUALITIES["interactive"].linear_mm / 1000
    np.testing.assert_allclose(ours.bounds, ref.bounds, rtol=0, atol=tolerance)
    ref_parts = {p.id: p for p in ref.parts}
    for part in ours.parts:
        mine = ours.node_bounds(ours.part_nodes(part))
        theirs = ref.node_bounds(ref.part_nodes(ref_parts[part.id]))
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=tolerance, err_msg=part.id)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_colours_are_the_reference_materials(loaded, name):
    ours, ref = loaded[name]
    ref_parts = {p.id: p for p in ref.parts}
    for a in ours.parts:
        b = ref_parts[a.id]
        mine = ours.materials[ours.meshes[ours.nodes[a.node].mesh].primitives[0].material]
        theirs = ref.materials[ref.meshes[ref.nodes[b.node].mesh].primitives[0].material]
        np.testing.assert_allclose(mine.base_color, theirs.base_color, atol=1e-6, err_msg=a.id)


def test_identical_parts_share_one_mesh(loaded):
    as1, ref = loaded["as1"]
    assert len(ref.meshes) == 18  # the reference writes one mesh per instance
    assert len(as1.meshes) == 5  # nut, rod, bolt, l-bracket, plate
    nuts = {as1.nodes[p.node].mesh for p in as1.parts if as1.nodes[p.node].name == "nut"}
    assert len(nuts) == 1
    pm4, _ = loaded["pm4"]
    spheres = [p for p in pm4.parts if pm4.nodes[p.node].name == "Sphere"]
    assert len(spheres) == 18 and len({pm4.nodes[p.node].mesh for p in spheres}) == 1


def test_instance_names_are_kept_beside_product_names(loaded):
    as1, _ = loaded["as1"]
    instances = [(n.name, n.instance) for n in as1.nodes]
    assert instances[:5] == [("as1", ""), ("rod-assembly", "rod-assembly_1"), ("nut", "nut_1"),
                             ("nut", "nut_2"), ("rod", "rod_1")]
    pm4, _ = loaded["pm4"]
    assert ("Sphere", "-> Sphere 17") in [(n.name, n.instance) for n in pm4.nodes]


def _variant(tmp_path: Path, name: str, edit) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(edit(AS1_STEP.read_bytes()))
    return path


def test_unnamed_instances_get_product_names(tmp_path):
    """With every usage's name and id blanked, Open CASCADE names instances by product."""
    blank = _variant(tmp_path, "unnamed.stp", lambda b: re.sub(
        rb"NEXT_ASSEMBLY_USAGE_OCCURRENCE\('\d+','[^']*'", b"NEXT_ASSEMBLY_USAGE_OCCURRENCE('',''", b))
    scene = load_scene(blank, quality="10,60")
    assert [n.name for n in scene.nodes] == [n.name for n in load_scene(AS1).nodes]
    assert all(n.instance == "" for n in scene.nodes)


_MM = b"( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT(.MILLI.,.METRE.) )"
_INCH_DEFS = (b"#90001 = LENGTH_MEASURE_WITH_UNIT(LENGTH_MEASURE(25.4),#90003);\n"
              b"#90002 = DIMENSIONAL_EXPONENTS(1.,0.,0.,0.,0.,0.,0.);\n"
              b"#90003 = ( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT(.MILLI.,.METRE.) );\nENDSEC;\nEND-ISO")


def test_units_from_the_file_come_out_in_metres(tmp_path):
    """AS1 declared in inches, then in metres: 25.4 and 1000 times the millimetre size."""
    inch = _variant(tmp_path, "inch.stp", lambda b: b.replace(
        _MM, b"( CONVERSION_BASED_UNIT('INCH',#90001) LENGTH_UNIT() NAMED_UNIT(#90002) )")
        .replace(b"ENDSEC;\nEND-ISO", _INCH_DEFS))
    metre = _variant(tmp_path, "metre.stp", lambda b: b.replace(_MM, b"( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT($,.METRE.) )"))
    coarse = "10,60"  # bounds come from planar faces: exact at any quality
    scenes = {k: load_scene(p, quality=coarse) for k, p in (("mm", AS1_STEP), ("in", inch), ("m", metre))}
    size = {k: np.ptp(s.bounds, axis=0) for k, s in scenes.items()}
    np.testing.assert_allclose(size["mm"], [0.200, 0.084, 0.150], atol=1e-5)
    np.testing.assert_allclose(size["in"], 25.4 * size["mm"], rtol=1e-5)
    np.testing.assert_allclose(size["m"], 1000 * size["mm"], rtol=1e-5)
    assert {k: s.unit_scale for k, s in scenes.items()} == {"mm": 0.001, "in": 0.0254, "m": 1.0}
    # a file that says inches but holds millimetres: the person says so, the size is right
    fixed = load_scene(inch, quality=coarse, unit_scale=0.001)
    np.testing.assert_allclose(np.ptp(fixed.bounds, axis=0), size["mm"], rtol=1e-5)
    assert fixed.unit_scale == 0.001


def test_a_second_open_is_a_cache_hit_and_quality_makes_its_own_entry(loaded):
    stages: list[str] = []
    again = convert_step(PM4_STEP, progress=lambda p: stages.append(p.stage))
    assert again.cached and stages == ["hashing", "cached"]
    assert again.glb.parent == step_cache.cache_dir()
    fine = convert_step(AS1_STEP, quality="fine")
    coarse = load_scene(AS1_STEP)
    assert not fine.cached and fine.glb != convert_step(AS1_STEP).glb
    assert load_scene(AS1_STEP, quality="fine").triangle_count > 1.5 * coarse.triangle_count
    assert load_scene(AS1_STEP, quality=parse_quality("0.02,10")).triangle_count == \
        load_scene(AS1_STEP, quality="fine").triangle_count  # equal numbers, one entry


def test_cache_key_follows_content_and_quality(tmp_path):
    a = tmp_path / "a.stp"
    a.write_bytes(b"ISO-10303-21;one")
    digest = step_cache.content_hash(a)
    keys = {step_cache.entry_key(digest, QUALITIES["interactive"]),
            step_cache.entry_key(digest, QUALITIES["fine"]),
            step_cache.entry_key(step_cache.content_hash(AS1_STEP), QUALITIES["interactive"])}
    assert len(keys) == 3
    assert step_cache.entry_key(digest, parse_quality("0.1,20")) == step_cache.entry_key(digest, QUALITIES["interactive"])


def test_cache_is_bounded_least_recently_used_first(tmp_path, monkeypatch):
    monkeypatch.setenv("XRJIG_STEP_CACHE", str(tmp_path / "c"))
    folder = step_cache.cache_dir()
    folder.mkdir()
    for k, age in enumerate((300, 200, 100)):
        entry = folder / f"e{k}.glb"
        entry.write_bytes(b"x" * 1000)
        t = 1_700_000_000 - age
        os.utime(entry, (t, t))
    assert step_cache.lookup("e0") is not None  # a hit makes e0 the most recent
    step_cache.prune(limit=2000)
    assert sorted(p.name for p in folder.glob("*.glb")) == ["e0.glb", "e2.glb"]
    assert step_cache.clear() == (2, 2000)
    assert not list(folder.glob("*.glb"))


def test_cache_folder_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("XRJIG_STEP_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert step_cache.cache_dir() == tmp_path / "xrjig" / "step"


def test_convert_command_writes_a_glb_with_names_and_axes(tmp_path, capsys):
    out = tmp_path / "as1.glb"
    assert main(["convert", str(AS1_STEP), str(out)]) == 0
    line = capsys.readouterr().out
    assert "28 nodes, 18 parts" in line and "5 meshes" in line and "quality interactive" in line
    scene = load_scene(out)
    assert [n.name for n in scene.nodes] == [n.name for n in load_scene(AS1).nodes]
    assert scene.axis_hints and scene.tessellation_m == pytest.approx(1e-4)
    doc = json.loads(out.read_bytes()[20:20 + int.from_bytes(out.read_bytes()[12:16], "little")])
    assert doc["nodes"][2]["extras"]["xrjig"]["instance"] == "nut_1"


def test_convert_clear_cache_in_a_real_process(tmp_path):
    env = {**os.environ, "XRJIG_STEP_CACHE": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-m", "app", "convert", "--clear-cache"], capture_output=True,
                         text=True, env=env, cwd=Path(__file__).parents[1], timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("removed 0 cached conversions")


@pytest.mark.parametrize(("text", "numbers"), [("interactive", (0.1, 20.0)), ("FINE", (0.02, 10.0)),
                                               ("0.05,15", (0.05, 15.0))])
def test_quality_parses(text, numbers):
    q = parse_quality(text)
    assert (q.linear_mm, q.angular_deg) == numbers


@pytest.mark.parametrize("text", ["coarse", "0.05", "0,15", "0.05,90", "nan,10", "1e9,10"])
def test_quality_refuses_with_one_sentence(text, capsys):
    with pytest.raises(ValueError, match="quality"):
        parse_quality(text)
    with pytest.raises(SystemExit) as exit_:  # argparse refuses: one line, exit code 1
        main(["convert", str(AS1_STEP), "x.glb", "--quality", text])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and err.count("\n") == 1 and "--quality" in err


def test_is_converted_says_whether_opening_waits(tmp_path):
    copy = tmp_path / "copy.step"
    copy.write_bytes(AS1_STEP.read_bytes() + b"\n")  # new content: not converted yet
    assert not is_converted(copy)
    load_scene(copy)
    assert is_converted(copy) and not is_converted(copy, "fine")
    assert not is_converted(tmp_path / "missing.step")


def test_an_unusable_cache_folder_is_one_scene_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XRJIG_STEP_CACHE", str(blocker / "step"))
    with pytest.raises(SceneError, match="cannot use the conversion cache"):
        load_scene(AS1_STEP)


def test_malformed_xrjig_extras_are_ignored_not_fatal(tmp_path):
    """The extras are hints: wrong types, lengths and values load as no hints."""
    from scenes.gltf_write import scene_to_glb

    scene = load_scene(AS1)
    junk_axes = {"xrjig": {"cylinder_axes": [{"direction": [1e308, 0, 0]}, {"direction": "up"},
                                             {"direction": [0, 0]}, {"direction": [True, 0, 0]}, 7]}}
    glb = scene_to_glb(
        scene,
        asset_extras={"xrjig": {"notes": [1, None, "two\nlines" * 200], "source": {"unit_m": -1, "linear_mm": "x"}}},
        node_extras=[{"xrjig": {"instance": 5}}] + [{"xrjig": "x"}] * (len(scene.nodes) - 1),
        mesh_extras=[junk_axes] * len(scene.meshes),
    )
    path = tmp_path / "junk.glb"
    path.write_bytes(glb)
    loaded = load_scene(path)
    assert loaded.axis_hints == {} and loaded.unit_scale == 1.0 and loaded.tessellation_m == 0.0
    assert all(n.instance == "" for n in loaded.nodes)
    assert len(loaded.notes) == 1 and "\n" not in loaded.notes[0] and len(loaded.notes[0]) <= 500
