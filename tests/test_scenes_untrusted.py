"""Hostile and broken model files: a Scene or one SceneError, never anything else."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from scenes.loader import load_scene
from scenes.model import Scene, SceneError
from scenes.transforms import MAX_COORDINATE
from tests.conftest import AS1, BOX_GLB, BOX_GLTF, DATA, VALIDATOR_CASES

EDGE_CASES = sorted(p for p in VALIDATOR_CASES.rglob("*") if p.suffix in (".glb", ".gltf"))


def load_or_error(path) -> Scene | SceneError:
    try:
        return load_scene(path)
    except SceneError as err:
        return err


def assert_usable_or_one_line_error(path, result: Scene | SceneError) -> None:
    """What any file must give: one SceneError line naming the file, or a Scene the app can
    use (finite geometry within reach of the origin, faces indexing their own vertices,
    materials that exist, part ids that are unique)."""
    if isinstance(result, SceneError):
        assert str(result).startswith(f"{path}: ") and "\n" not in str(result)
        assert result.message.strip()
        return
    assert isinstance(result, Scene) and result.source == Path(path)
    for mesh in result.meshes:
        for prim in mesh.primitives:
            n = len(prim.positions)
            assert prim.positions.shape == (n, 3) and np.isfinite(prim.positions).all()
            assert prim.indices.size == 0 or 0 <= prim.indices.min() <= prim.indices.max() < n
            assert prim.material is None or 0 <= prim.material < len(result.materials)
            for extra in (prim.normals, prim.uvs, prim.colors):
                assert extra is None or (len(extra) == n and np.isfinite(extra).all())
    if result.bounds is not None:
        assert np.isfinite(result.bounds).all() and (result.bounds[0] <= result.bounds[1]).all()
        assert np.abs(result.bounds).max() <= MAX_COORDINATE
    ids = [p.id for p in result.parts]
    assert len(set(ids)) == len(ids) and result.triangle_count >= 0


@pytest.mark.parametrize("path", EDGE_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_validator_edge_cases_load_or_raise_scene_error(path):
    result = load_or_error(path)
    assert_usable_or_one_line_error(path, result)
    if isinstance(result, SceneError):
        # the validator's own report agrees the file is broken
        report = json.loads(path.with_name(path.name + ".report.json").read_text())
        assert report["issues"]["numErrors"] > 0, f"rejected a file the validator accepts: {result}"


def triangle_gltf(tmp_path, name="model.gltf", **overrides) -> os.PathLike:
    """A one-triangle .gltf with its buffer in tri.bin; ``overrides`` patch the JSON."""
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32).tobytes()
    indices = np.array([0, 1, 2, 0], np.uint16).tobytes()  # padded to 4 bytes
    (tmp_path / "tri.bin").write_bytes(positions + indices)
    doc = {
        "asset": {"version": "2.0"},
        "scenes": [{"nodes": [0]}],
        "nodes": [{"name": "tri", "mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "buffers": [{"uri": "tri.bin", "byteLength": 44}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 36},
            {"buffer": 0, "byteOffset": 36, "byteLength": 6},
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3"},
            {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"},
        ],
    }
    for key, value in overrides.items():
        doc[key] = value
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_crafted_triangle_loads(tmp_path):
    scene = load_scene(triangle_gltf(tmp_path))
    assert scene.triangle_count == 1
    np.testing.assert_allclose(scene.bounds, [[0, 0, 0], [1, 1, 0]])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"buffers": [{"uri": "../tri.bin", "byteLength": 44}]}, "outside the model folder"),
        ({"buffers": [{"uri": "sub/../../tri.bin", "byteLength": 44}]}, "outside the model folder"),
        ({"buffers": [{"uri": "/etc/passwd", "byteLength": 44}]}, "only relative paths"),
        ({"buffers": [{"uri": "file:///etc/passwd", "byteLength": 44}]}, "only relative paths"),
        (
            {"buffers": [{"uri": "https://example.com/tri.bin", "byteLength": 44}]},
            "only relative paths",
        ),
        ({"buffers": [{"uri": "missing.bin", "byteLength": 44}]}, "does not exist"),
        ({"buffers": [{"uri": "tri.bin", "byteLength": 10**12}]}, "only 44 exist"),
        (
            {"buffers": [{"uri": "data:application/octet-stream;base64,@@@@", "byteLength": 3}]},
            "corrupt base64",
        ),
        ({"buffers": [{"byteLength": 44}]}, "no GLB binary chunk"),
        (
            {
                "bufferViews": [
                    {"buffer": 0, "byteOffset": 40, "byteLength": 36},
                    {"buffer": 0, "byteLength": 6},
                ]
            },
            "past the end of buffer 0",
        ),
        (
            {
                "accessors": [
                    {"bufferView": 0, "componentType": 5126, "count": 300000000, "type": "VEC3"},
                    {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"},
                ]
            },
            "size limit",
        ),
        (
            {
                "accessors": [
                    {"bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3"},
                    {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"},
                ]
            },
            "accessor overrun",
        ),
        (
            {
                "accessors": [
                    {"componentType": 5126, "count": 10**10, "type": "VEC3"},
                    {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"},
                ]
            },
            "size limit",
        ),
        (
            {"nodes": [{"mesh": 0, "children": [1]}, {"children": [0]}]},
            "root node 0 is also a child",
        ),
        (
            {
                "scenes": [{"nodes": [0]}],
                "nodes": [{"mesh": 0}, {"children": [2]}, {"children": [1]}],
            },
            "cycle",
        ),
        ({"nodes": [{"mesh": 0, "children": [1, 1]}, {}]}, "two parents"),
        ({"nodes": [{"mesh": 7}]}, "mesh 7, which does not exist"),
        ({"nodes": [{"mesh": 0, "rotation": [0, 0, 0, 0]}]}, "zero rotation"),
        ({"asset": {"version": "1.0"}}, "not a glTF 2.0 file"),
        ({"extensionsRequired": ["KHR_draco_mesh_compression"]}, "KHR_draco_mesh_compression"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_crafted_files_give_one_clear_scene_error(tmp_path, overrides, message):
    path = triangle_gltf(tmp_path, **overrides)
    with pytest.raises(SceneError, match=re.escape(message)) as info:
        load_scene(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_sparse_accessor_and_triangle_strip(tmp_path):
    """Sparse substitution moves vertex 2; the strip (mode 5) of 4 indices gives 2 triangles."""
    extra = np.array([2], np.uint16).tobytes() + b"\0\0" + np.array([0, 5, 0], np.float32).tobytes()
    path = triangle_gltf(
        tmp_path,
        buffers=[{"uri": "tri.bin", "byteLength": 60}],
        bufferViews=[
            {"buffer": 0, "byteOffset": 0, "byteLength": 36},
            {"buffer": 0, "byteOffset": 36, "byteLength": 8},
            {"buffer": 0, "byteOffset": 44, "byteLength": 2},
            {"buffer": 0, "byteOffset": 48, "byteLength": 12},
        ],
        accessors=[
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": 3,
                "type": "VEC3",
                "sparse": {
                    "count": 1,
                    "indices": {"bufferView": 2, "componentType": 5123},
                    "values": {"bufferView": 3},
                },
            },
            {"bufferView": 1, "componentType": 5123, "count": 4, "type": "SCALAR"},
        ],
        meshes=[{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1, "mode": 5}]}],
    )
    (tmp_path / "tri.bin").write_bytes((tmp_path / "tri.bin").read_bytes() + extra)
    scene = load_scene(path)
    np.testing.assert_allclose(scene.bounds, [[0, 0, 0], [1, 5, 0]])
    assert scene.triangle_count == 2


def test_index_out_of_range_is_refused(tmp_path):
    triangle_gltf(tmp_path)
    data = bytearray((tmp_path / "tri.bin").read_bytes())
    data[36:38] = struct.pack("<H", 9)
    (tmp_path / "tri.bin").write_bytes(bytes(data))
    with pytest.raises(SceneError, match="index 9 but only 3 vertices"):
        load_scene(tmp_path / "model.gltf")


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    model_dir = tmp_path / "model"
    outside.mkdir()
    model_dir.mkdir()
    triangle_gltf(outside)
    triangle_gltf(model_dir)
    (model_dir / "tri.bin").unlink()
    (model_dir / "tri.bin").symlink_to(outside / "tri.bin")
    with pytest.raises(SceneError, match="outside the model folder"):
        load_scene(model_dir / "model.gltf")


def test_data_uri_buffer_loads(tmp_path):
    triangle_gltf(tmp_path)
    payload = base64.b64encode((tmp_path / "tri.bin").read_bytes()).decode()
    path = triangle_gltf(
        tmp_path,
        name="inline.gltf",
        buffers=[{"uri": f"data:application/octet-stream;base64,{payload}", "byteLength": 44}],
    )
    assert load_scene(path).triangle_count == 1


def test_truncated_real_glb(tmp_path):
    data = AS1.read_bytes()
    for cut in (5, 20, 1000, len(data) // 2, len(data) - 1):
        path = tmp_path / f"cut{cut}.glb"
        path.write_bytes(data[:cut])
        with pytest.raises(SceneError):
            load_scene(path)


def _glb_parts(data: bytes) -> tuple[dict, bytes]:
    json_len = struct.unpack_from("<I", data, 12)[0]
    return json.loads(data[20 : 20 + json_len]), data[20 + json_len :]


def _glb(doc: dict, rest: bytes) -> bytes:
    text = json.dumps(doc).encode()
    text += b" " * (-len(text) % 4)
    body = struct.pack("<II", len(text), 0x4E4F534A) + text + rest
    return struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body


JSON_EDITS = st.sampled_from(
    ["accessors", "bufferViews", "nodes", "meshes", "buffers", "materials", "images"]
)
VALUES = st.one_of(
    st.integers(-(2**40), 2**40),
    st.just(None),
    st.text(max_size=8),
    st.lists(st.integers(-5, 10**9), max_size=17),
    st.floats(allow_nan=True, allow_infinity=True),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_glb_is_scene_or_scene_error(tmp_path, data):
    source = data.draw(st.sampled_from([BOX_GLB, AS1]))
    raw = bytearray(source.read_bytes())
    kind = data.draw(st.sampled_from(["flip", "truncate", "json"]))
    if kind == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            pos = data.draw(st.integers(0, len(raw) - 1))
            raw[pos] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        doc, rest = _glb_parts(bytes(raw))
        key = data.draw(JSON_EDITS)
        items = doc.get(key) or [{}]
        item = items[data.draw(st.integers(0, len(items) - 1))]
        if isinstance(item, dict):
            field = data.draw(st.sampled_from(sorted(item) or ["count"]))
            item[field] = data.draw(VALUES)
        doc[key] = items
        raw = bytearray(_glb(doc, rest))
    path = tmp_path / "mutated.glb"
    path.write_bytes(bytes(raw))
    assert_usable_or_one_line_error(path, load_or_error(path))


MESH_SOURCES = sorted(
    p
    for p in (DATA / "models" / "mesh-parts").rglob("*")
    if p.suffix.lower() in (".obj", ".stl", ".ply")
)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::RuntimeWarning")
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_mesh_files_are_scene_or_scene_error(tmp_path, data):
    source = data.draw(st.sampled_from(MESH_SOURCES))
    raw = bytearray(source.read_bytes())
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 6))):
            # the header (first bytes) is where counts and formats live
            pos = data.draw(st.integers(0, min(len(raw), 300) - 1) | st.integers(0, len(raw) - 1))
            raw[pos] = data.draw(st.integers(0, 255))
    path = tmp_path / f"mutated{source.suffix}"
    path.write_bytes(bytes(raw))
    assert_usable_or_one_line_error(path, load_or_error(path))


def test_ply_declaring_two_billion_vertices_is_refused_quickly(tmp_path):
    path = tmp_path / "huge.ply"
    path.write_bytes(
        b"ply\nformat binary_little_endian 1.0\nelement vertex 2000000000\n"
        b"property float x\nproperty float y\nproperty float z\nend_header\n\0\0\0\0"
    )
    with pytest.raises(SceneError, match="huge.ply"):
        load_scene(path)


def test_absurdly_deep_node_tree_is_refused(tmp_path):
    chain = [{"children": [i + 1]} for i in range(5000)] + [{"mesh": 0}]
    path = triangle_gltf(tmp_path, nodes=chain)
    with pytest.raises(SceneError, match="deeper than"):
        load_scene(path)
    named = [{"name": "n", "children": [i + 1]} for i in range(39)] + [{"name": "n", "mesh": 0}]
    ok = triangle_gltf(tmp_path, name="ok.gltf", nodes=named)
    scene = load_scene(ok)
    assert scene.nodes[-1].path == "/".join(["n"] * 40)


@pytest.mark.parametrize(("image", "loads"), [("webp", True), ("garbage", False)])
def test_texture_other_format_is_skipped_garbage_refused(tmp_path, image, loads):
    for f in BOX_GLTF.parent.iterdir():
        shutil.copy(f, tmp_path / f.name)
    if image == "webp":
        buf = io.BytesIO()
        Image.open(BOX_GLTF.parent / "CesiumLogoFlat.png").save(buf, format="WEBP")
        data = buf.getvalue()
    else:
        data = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    (tmp_path / "CesiumLogoFlat.png").write_bytes(data)
    result = load_or_error(tmp_path / BOX_GLTF.name)
    if loads:
        assert isinstance(result, Scene) and result.triangle_count == 12
        assert all(m.texture is None for m in result.materials)
    else:
        assert isinstance(result, SceneError) and "image 0" in str(result)


def test_interleaved_stride_and_normalized_uvs(tmp_path):
    """Positions and normals interleaved (byteStride 24); UVs as normalized uint16."""
    pos = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    nrm = np.array([[0, 0, 1]] * 3, np.float32)
    uv = np.array([[0, 0], [65535, 0], [0, 32768]], np.uint16)
    interleaved = np.hstack([pos, nrm]).tobytes()  # 72 bytes
    indices = np.array([0, 1, 2, 0], np.uint16).tobytes()
    path = triangle_gltf(
        tmp_path,
        buffers=[{"uri": "tri.bin", "byteLength": 92}],
        bufferViews=[
            {"buffer": 0, "byteOffset": 0, "byteLength": 72, "byteStride": 24},
            {"buffer": 0, "byteOffset": 72, "byteLength": 12},
            {"buffer": 0, "byteOffset": 84, "byteLength": 6},
        ],
        accessors=[
            {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3"},
            {"bufferView": 0, "byteOffset": 12, "componentType": 5126, "count": 3, "type": "VEC3"},
            {
                "bufferView": 1,
                "componentType": 5123,
                "normalized": True,
                "count": 3,
                "type": "VEC2",
            },
            {"bufferView": 2, "componentType": 5123, "count": 3, "type": "SCALAR"},
        ],
        meshes=[
            {
                "primitives": [
                    {"attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2}, "indices": 3}
                ]
            }
        ],
    )
    # triangle_gltf writes its own tri.bin: replace it with the interleaved one
    (tmp_path / "tri.bin").write_bytes(interleaved + uv.tobytes() + indices)
    prim = load_scene(path).meshes[0].primitives[0]
    np.testing.assert_array_equal(prim.positions, pos)
    np.testing.assert_array_equal(prim.normals, nrm)
    np.testing.assert_allclose(prim.uvs, uv / 65535.0, atol=1e-7)
