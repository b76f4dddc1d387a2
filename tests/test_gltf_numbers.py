"""Numbers of any size in a model file: a 400-digit integer, 2**64 where an index or a count
belongs, 1e308 or 1e400 in a transform, NaN, a bool, a string, null, an array where a number
belongs -- in glTF JSON (.gltf and .glb alike) and in OBJ / STL / PLY text and headers.
Each file loads, or gives one SceneError naming the file (and, for glTF, the JSON path);
``xrjig info`` and ``xrjig render`` print that one line and exit 1, never a traceback.

The files are BoxTextured with one value edited. Edits are written as raw JSON literals
(``1e400``, a 401-digit integer), because ``json.dumps`` cannot spell those.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.commands.info import _summary
from scenes.loader import load_scene
from scenes.model import Scene, SceneError
from scenes.transforms import MAX_COORDINATE
from tests.conftest import BOX_GLTF

ROOT = Path(__file__).resolve().parents[1]
#: stands in for the edited value until the raw literal replaces it
SENTINEL = "@@hostile@@"
#: raw JSON literals that are no usable number: past every range, not finite, not numbers
HUGE = ["1" + "0" * 400, str(2**64), str(-(2**64)), "1e308", "-1e308", "1e400", "-1e400"]
NOT_NUMBERS = ["NaN", "Infinity", "true", "null", '"1"', "[]", "{}"]
#: indexes, counts, offsets and enums of BoxTextured (node 1 is the mesh node, node 0 its
#: parent with a matrix; accessor 2 is POSITION, bufferView 1 holds it)
INTEGER_PATHS = [
    ("scene",),
    ("scenes", 0, "nodes", 0),
    ("nodes", 0, "children", 0),
    ("nodes", 1, "mesh"),
    ("meshes", 0, "primitives", 0, "indices"),
    ("meshes", 0, "primitives", 0, "attributes", "POSITION"),
    ("meshes", 0, "primitives", 0, "material"),
    ("meshes", 0, "primitives", 0, "mode"),
    ("accessors", 2, "count"),
    ("accessors", 2, "byteOffset"),
    ("accessors", 2, "bufferView"),
    ("accessors", 2, "componentType"),
    ("bufferViews", 1, "buffer"),
    ("bufferViews", 1, "byteOffset"),
    ("bufferViews", 1, "byteLength"),
    ("bufferViews", 1, "byteStride"),
    ("buffers", 0, "byteLength"),
    ("textures", 0, "source"),
    ("textures", 0, "sampler"),
    ("samplers", 0, "wrapS"),
    ("materials", 0, "pbrMetallicRoughness", "baseColorTexture", "index"),
    ("materials", 0, "pbrMetallicRoughness", "baseColorTexture", "texCoord"),
]
INTEGER_VALUES = [*HUGE, "-1", "1.5", "2147483648", *NOT_NUMBERS]
#: (JSON path of a transform, the path the error names)
TRANSFORM_PATHS = [
    (("nodes", 0, "matrix", 0), "nodes[0].matrix"),
    (("nodes", 0, "matrix", 13), "nodes[0].matrix"),
    (("nodes", 1, "translation"), "nodes[1].translation"),
    (("nodes", 1, "rotation"), "nodes[1].rotation"),
    (("nodes", 1, "scale"), "nodes[1].scale"),
]


# -- building hostile files ---------------------------------------------------------------
def _set(doc: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


def _box_doc(container: str) -> dict[str, Any]:
    """BoxTextured's JSON; a GLB's buffer 0 is its BIN chunk, so it loses its uri."""
    doc = json.loads(BOX_GLTF.read_text())
    if container == "glb":
        del doc["buffers"][0]["uri"]
    return doc


def _write(folder: Path, text: str, container: str) -> Path:
    """The JSON ``text`` as model.gltf or model.glb next to BoxTextured's buffer and image."""
    for name in ("BoxTextured0.bin", "CesiumLogoFlat.png"):
        shutil.copy(BOX_GLTF.parent / name, folder / name)
    path = folder / f"model.{container}"
    if container == "gltf":
        path.write_text(text)
        return path
    data = text.encode() + b" " * (-len(text.encode()) % 4)
    binary = (BOX_GLTF.parent / "BoxTextured0.bin").read_bytes()
    body = struct.pack("<II", len(data), 0x4E4F534A) + data
    body += struct.pack("<II", len(binary), 0x004E4942) + binary
    path.write_bytes(struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body)
    return path


def _edited(
    folder: Path, edits: dict[tuple, str], container: str = "gltf", structured: dict | None = None
) -> Path:
    """BoxTextured with each path in ``edits`` set to a raw JSON literal; ``structured``
    edits (plain values) are applied first, so a literal may land inside one."""
    doc = _box_doc(container)
    for path, value in (structured or {}).items():
        _set(doc, path, value)
    for k, path in enumerate(edits):
        _set(doc, path, f"{SENTINEL}{k}")
    text = json.dumps(doc)
    for k, literal in enumerate(edits.values()):
        text = text.replace(json.dumps(f"{SENTINEL}{k}"), literal)
    return _write(folder, text, container)


# -- what every outcome must be -----------------------------------------------------------
def _outcome(path: Path, **kwargs: Any) -> Scene | SceneError:
    """Load ``path``: a usable Scene, or one short SceneError line naming the file. NumPy's
    overflow warnings count as failures: on the command line each is another stderr line."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            scene = load_scene(path, **kwargs)
        except SceneError as err:
            message = str(err)
            assert message.startswith(str(path)) and "\n" not in message, message
            assert len(message) < 400, message
            return err
        _assert_usable(scene)
    return scene


def _assert_usable(scene: Scene) -> None:
    """What the app does next with a loaded scene works: world matrices are finite and every
    part's inverts (engine, index, renderer), the bounds stay in range, info summarises it."""
    world = scene.world_matrices
    assert np.all(np.isfinite(world))
    for part in scene.parts:
        assert np.all(np.isfinite(np.linalg.inv(world[part.node])))
    if scene.bounds is not None:
        assert np.abs(scene.bounds).max() <= MAX_COORDINATE
    json.dumps(_summary(scene, None))


def _refused(path: Path, *needles: str, **kwargs: Any) -> str:
    result = _outcome(path, **kwargs)
    assert isinstance(result, SceneError), f"{path.name} loaded"
    for needle in needles:
        assert needle in str(result), str(result)
    return str(result)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_one_line(run: subprocess.CompletedProcess, path: Path) -> None:
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and str(path) in lines[0], run.stderr


# -- the unedited file, both containers ---------------------------------------------------
@pytest.mark.parametrize("container", ["gltf", "glb"])
def test_unedited_box_loads_from_both_containers(tmp_path, container):
    scene = _outcome(_edited(tmp_path, {}, container))
    assert isinstance(scene, Scene) and scene.triangle_count == 12


# -- integers where glTF expects an index, a count, an offset or an enum --------------------
@pytest.mark.parametrize("container", ["gltf", "glb"])
@pytest.mark.parametrize("literal", INTEGER_VALUES)
@pytest.mark.parametrize("path", INTEGER_PATHS, ids=lambda p: ".".join(map(str, p)))
def test_any_value_where_an_integer_belongs_loads_or_is_one_line(
    tmp_path, path, literal, container
):
    _outcome(_edited(tmp_path, {path: literal}, container))


@pytest.mark.parametrize(
    "path",
    [("accessors", 2, "count"), ("bufferViews", 1, "byteOffset"), ("nodes", 1, "mesh"),
     ("scenes", 0, "nodes", 0), ("nodes", 0, "children", 0), ("accessors", 2, "bufferView")],
    ids=lambda p: ".".join(map(str, p)),
)  # fmt: skip
@pytest.mark.parametrize("literal", ["1" + "0" * 400, str(2**64), "-1"])
def test_out_of_range_indexes_and_sizes_are_refused(tmp_path, path, literal):
    message = _refused(_edited(tmp_path, {path: literal}))
    assert "0" * 30 not in message  # a 401-digit integer is described, not printed


def test_an_integer_past_pythons_digit_limit_is_one_line(tmp_path):
    """Python 3.11+ refuses to parse integers over 4300 digits (a ValueError from json)."""
    _refused(_edited(tmp_path, {("nodes", 1, "mesh"): "9" * 5000}), "not valid glTF JSON")


# -- transforms: finite, bounded numbers --------------------------------------------------
@pytest.mark.parametrize("container", ["gltf", "glb"])
@pytest.mark.parametrize("literal", [*HUGE, *NOT_NUMBERS[:5], "-10000001"])
@pytest.mark.parametrize(
    ("path", "where"), TRANSFORM_PATHS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_bad_transform_numbers_name_their_json_path(tmp_path, path, where, literal, container):
    structured = {}
    if path[-1] in ("translation", "rotation", "scale"):  # edit one element of a valid array
        structured = {path: [0.0, 0.0, 0.0, 1.0] if path[-1] == "rotation" else [1.0, 1.0, 1.0]}
        path = (*path, 0)
    _refused(_edited(tmp_path, {path: literal}, container, structured), where)


@pytest.mark.parametrize("value", ['"x"', "null", "{}", "[1, 2]", "true", "1"])
@pytest.mark.parametrize("field", ["matrix", "translation", "rotation", "scale"])
def test_transforms_that_are_not_arrays_of_numbers(tmp_path, field, value):
    _refused(_edited(tmp_path, {("nodes", 1, field): value}), f"nodes[1].{field}: not ")


def test_a_matrix_whose_last_row_is_not_affine_is_refused(tmp_path):
    """matrix[15] = 0 leaves an invertible 3x3 but a singular 4x4 (the app inverts 4x4s)."""
    _refused(_edited(tmp_path, {("nodes", 0, "matrix", 15): "0"}), "nodes[0].matrix", "last row")


# -- transforms composed down the tree ---------------------------------------------------------
def _chain(depth: int, spec: dict[str, Any]) -> dict[tuple, Any]:
    """Structured edits: node 0 gets ``depth`` ancestors, each with the TRS ``spec``."""
    doc = _box_doc("gltf")
    nodes = doc["nodes"] + [dict(spec, children=[2 + k + 1 if k + 1 < depth else 0])
                            for k in range(depth)]  # fmt: skip
    return {("nodes",): nodes, ("scenes", 0, "nodes"): [2]}


@pytest.mark.parametrize(
    ("depth", "spec", "needle"),
    [
        (60, {"scale": [1e7, 1e7, 1e7]}, "multiply past the float range"),
        (3, {"scale": [1e7, 1.0, 1.0]}, "geometry reaches"),
        (2, {"translation": [1e7, 0.0, 0.0]}, "placed 2e+07 m from the origin"),
        (1, {"scale": [0.0, 1.0, 1.0]}, "cannot be inverted"),
        (2, {"scale": [1e-200, 1e-200, 1e-200]}, "cannot be inverted"),
    ],
    ids=["overflow", "too-far-geometry", "too-far-node", "zero-scale", "underflow"],
)
def test_composed_transforms_are_checked_once_per_scene(tmp_path, depth, spec, needle):
    _refused(_edited(tmp_path, {}, structured=_chain(depth, spec)), needle, "node '")


def test_a_zero_scaled_mesh_node_is_refused(tmp_path):
    _refused(_edited(tmp_path, {}, structured={("nodes", 1, "scale"): [0, 0, 0]}), "node '")


def test_unit_scale_counts_towards_the_range(tmp_path):
    """1e5 file units at 1000 m each is 1e8 m: past the range only with the unit applied."""
    path = _edited(tmp_path, {}, structured={("nodes", 1, "translation"): [1e5, 0, 0]})
    assert isinstance(_outcome(path), Scene)
    _refused(path, "from the origin", unit_scale=1000.0)


# -- material and texture numbers: clamped or refused, never a crash ---------------------------
@pytest.mark.parametrize("literal", HUGE + NOT_NUMBERS)
@pytest.mark.parametrize(
    "path",
    [
        ("materials", 0, "pbrMetallicRoughness", "metallicFactor"),
        ("materials", 0, "pbrMetallicRoughness", "roughnessFactor"),
        ("materials", 0, "pbrMetallicRoughness", "baseColorFactor", 0),
        ("materials", 0, "pbrMetallicRoughness", "baseColorTexture", "extensions",
         "KHR_texture_transform", "rotation"),
        ("materials", 0, "pbrMetallicRoughness", "baseColorTexture", "extensions",
         "KHR_texture_transform", "scale", 0),
    ],
    ids=lambda p: ".".join(map(str, p[3:])),
)  # fmt: skip
def test_material_numbers_load_or_are_one_line(tmp_path, path, literal):
    pbr = ("materials", 0, "pbrMetallicRoughness")
    structured = {
        (*pbr, "baseColorFactor"): [1.0, 1.0, 1.0, 1.0],
        (*pbr, "baseColorTexture", "extensions"): {
            "KHR_texture_transform": {"rotation": 0.0, "scale": [1.0, 1.0]}
        },
    }
    result = _outcome(_edited(tmp_path, {path: literal}, structured=structured))
    if isinstance(result, Scene):
        material = result.materials[0]
        assert all(0.0 <= c <= 1.0 for c in material.base_color)
        assert 0.0 <= material.metallic <= 1.0 and 0.0 <= material.roughness <= 1.0
        uvs = result.meshes[0].primitives[0].uvs
        assert uvs is None or np.all(np.isfinite(uvs))


# -- any value at any place ------------------------------------------------------------------
def _leaf_paths(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaf_paths(v, (*path, k))] or [path]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaf_paths(v, (*path, i))] or [path]
    return [path]


BOX_PATHS = _leaf_paths(_box_doc("gltf"))
LITERALS = st.one_of(
    st.sampled_from(HUGE + NOT_NUMBERS + ["0", "-0.0", "1e-320", "4294967296"]),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.dictionaries(st.sampled_from(BOX_PATHS), LITERALS, min_size=1, max_size=3),
    container=st.sampled_from(["gltf", "glb"]),
)
def test_any_number_anywhere_loads_or_is_one_line(tmp_path, edits, container):
    if container == "glb":
        edits = {p: v for p, v in edits.items() if p[:2] != ("buffers", 0)} or {("scene",): "0"}
    _outcome(_edited(tmp_path, edits, container))


# -- OBJ, STL, PLY ------------------------------------------------------------------------------
TRIANGLE_OBJ = "v 0 0 0\nv {x} 0 0\nv 0 1 0\nvt 0 0\nvt {u} 0\nvt 0 1\nf 1/1 2/2 3/{face}\n"
PLY_HEADER = "ply\nformat ascii 1.0\nelement vertex {n}\nproperty {kind} x\nproperty {kind} y\n" \
             "property {kind} z\nelement face {faces}\nproperty list uchar int vertex_indices\n" \
             "end_header\n"  # fmt: skip


def _obj(x: str = "1", u: str = "1", face: str = "3") -> str:
    return TRIANGLE_OBJ.format(x=x, u=u, face=face)


def _ply(x: str = "1", n: str = "3", faces: str = "1", kind: str = "float", last: str = "2") -> str:
    header = PLY_HEADER.format(n=n, faces=faces, kind=kind)
    return header + f"0 0 0\n{x} 0 0\n0 1 0\n3 0 1 {last}\n"


def _stl_ascii(x: str) -> str:
    return (f"solid s\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex {x} 0 0\n"
            "vertex 0 1 0\nendloop\nendfacet\nendsolid s\n")  # fmt: skip


def _stl_binary(x: float, count: int = 1) -> bytes:
    facet = struct.pack("<12fH", 0, 0, 1, 0, 0, 0, x, 0, 0, 0, 1, 0, 0)
    return b"\0" * 80 + struct.pack("<I", count) + facet


MESH_CASES: dict[str, tuple[str, str | bytes, str | None]] = {
    # name: (suffix, content, a needle of the error; None: loads or one line)
    "obj-1e400": (".obj", _obj(x="1e400"), "not a finite number"),
    "obj-nan": (".obj", _obj(x="nan"), "not a finite number"),
    "obj-1e30": (".obj", _obj(x="1e30"), "beyond the limit"),
    "obj-400-digits": (".obj", _obj(x="1" + "0" * 400), "not a finite number"),
    "obj-uv-1e400": (".obj", _obj(u="1e400"), "texture coordinate"),
    "obj-face-10**30": (".obj", _obj(face=str(10**30)), None),
    "obj-face-negative": (".obj", _obj(face="-7"), None),
    "stl-1e400": (".stl", _stl_ascii("1e400"), "not a finite number"),
    "stl-1e30": (".stl", _stl_ascii("1e30"), "beyond the limit"),
    "stl-binary-inf": (".stl", _stl_binary(float("inf")), "not a finite number"),
    "stl-binary-3e38": (".stl", _stl_binary(3e38), "beyond the limit"),
    "stl-binary-count-2**32-1": (".stl", _stl_binary(1.0, 2**32 - 1), None),
    "ply-1e400": (".ply", _ply(x="1e400"), "not a finite number"),
    "ply-double-1e300": (".ply", _ply(x="1e300", kind="double"), "beyond the limit"),
    "ply-vertex-count-10**30": (".ply", _ply(n=str(10**30)), None),
    "ply-face-count-10**30": (".ply", _ply(faces=str(10**30)), None),
    "ply-face-index-10**30": (".ply", _ply(last=str(10**30)), None),
    "ply-binary-count-10**30": (
        ".ply", PLY_HEADER.format(n=10**30, faces=1, kind="float").replace("ascii", "binary_little_endian"), None,
    ),
}  # fmt: skip


def _mesh_file(folder: Path, name: str) -> Path:
    suffix, content, _ = MESH_CASES[name]
    path = folder / f"{name}{suffix}"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", sorted(MESH_CASES))
def test_mesh_file_numbers_load_or_are_one_line(tmp_path, name):
    needle = MESH_CASES[name][2]
    path = _mesh_file(tmp_path, name)
    if needle is None:
        _outcome(path)
    else:
        _refused(path, needle)


# -- through the command line: one line on stderr, exit 1 --------------------------------------
def _cli_cases(folder: Path) -> list[Path]:
    return [
        _edited(folder / "a", {("nodes", 0, "matrix", 0): "1" + "0" * 400}, "glb"),
        _edited(folder / "b", {("accessors", 2, "count"): str(2**64)}),
        _edited(folder / "c", {("nodes", 1, "scale", 0): "1e400"}, structured={("nodes", 1, "scale"): [1, 1, 1]}),
        _edited(folder / "d", {}, "glb", structured=_chain(60, {"scale": [1e7, 1e7, 1e7]})),
        _edited(folder / "e", {}, structured={("nodes", 1, "scale"): [0, 0, 0]}),
        _mesh_file(folder, "obj-1e400"),
        _mesh_file(folder, "stl-binary-3e38"),
        _mesh_file(folder, "ply-double-1e300"),
    ]  # fmt: skip


@pytest.fixture
def cli_cases(tmp_path: Path) -> list[Path]:
    for sub in "abcde":
        (tmp_path / sub).mkdir()
    return _cli_cases(tmp_path)


@pytest.mark.parametrize("k", range(8))
def test_info_prints_one_line_and_exits_1(cli_cases, k):
    path = cli_cases[k]
    _assert_one_line(_cli("info", str(path)), path)


@pytest.mark.parametrize("k", [0, 3, 4, 5])
def test_render_prints_one_line_and_exits_1(cli_cases, tmp_path, k):
    path = cli_cases[k]
    out = tmp_path / "out.png"
    _assert_one_line(_cli("render", str(path), "--out", str(out), "--size", "64x64"), path)
    assert not out.exists()
