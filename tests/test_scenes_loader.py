"""load_scene on real files, each value checked against trimesh's own reading of the file."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from PIL import Image

from scenes.loader import SUPPORTED_SUFFIXES, load_scene, suggest_unit
from scenes.model import SceneError
from scenes.samples import SAMPLE_SCENE
from tests.conftest import AS1, BOOLEAN, BOX_GLB, BOX_GLTF, CTC02, DATA, NESTED, PINS, PM4

GLB_FILES = [AS1, PM4, CTC02, PINS, BOOLEAN, NESTED, BOX_GLB, BOX_GLTF] + sorted(
    (DATA / "models" / "edge-cases-trimesh").glob("*.glb")
)
MESH_FILES = sorted(
    p
    for p in (DATA / "models" / "mesh-parts").rglob("*")
    if p.suffix.lower() in (".obj", ".stl", ".ply")
)


def trimesh_node_boxes(path) -> list[tuple]:
    """World-space bounds of every geometry instance, as trimesh's scene graph places them."""
    ts = trimesh.load(str(path), force="scene")
    boxes = []
    for name in ts.graph.nodes_geometry:
        world, geom = ts.graph[name]
        g = ts.geometry[geom]
        if isinstance(g, trimesh.Trimesh) and len(g.faces):
            v = trimesh.transform_points(g.vertices, world)
            boxes.append(tuple(np.round(np.concatenate([v.min(0), v.max(0)]), 5)))
    return sorted(boxes)


def our_node_boxes(scene) -> list[tuple]:
    boxes = []
    for node in scene.nodes:
        if node.mesh is None or scene.meshes[node.mesh].triangle_count == 0:
            continue
        b = scene.node_bounds([node.index])
        boxes.append(tuple(np.round(b.ravel(), 5)))
    return sorted(boxes)


def trimesh_triangles(path) -> int:
    ts = trimesh.load(str(path), force="scene")
    return sum(
        len(ts.geometry[ts.graph[n][1]].faces)
        for n in ts.graph.nodes_geometry
        if isinstance(ts.geometry[ts.graph[n][1]], trimesh.Trimesh)
    )


@pytest.mark.parametrize("path", GLB_FILES, ids=lambda p: p.name)
def test_gltf_matches_trimesh_scene_graph(path):
    scene = load_scene(path)
    assert scene.triangle_count == trimesh_triangles(path)
    assert our_node_boxes(scene) == trimesh_node_boxes(path)
    ts = trimesh.load(str(path), force="scene")
    if len(ts.geometry):
        np.testing.assert_allclose(scene.bounds, ts.bounds, atol=1e-5)
    assert len({n.path for n in scene.nodes}) == len(scene.nodes)


@pytest.mark.parametrize("path", MESH_FILES, ids=lambda p: p.name)
def test_mesh_formats_match_trimesh(path):
    scene = load_scene(path)
    ts = trimesh.load(str(path), force="scene")
    assert scene.triangle_count == trimesh_triangles(path)
    np.testing.assert_allclose(scene.bounds, ts.bounds, atol=1e-5)
    assert len(scene.parts) == len(ts.graph.nodes_geometry)


def test_multibody_stl_gives_one_part_per_solid():
    scene = load_scene(DATA / "models" / "mesh-parts" / "assimp" / "triangle_with_two_solids.stl")
    assert len(scene.parts) == 2
    assert scene.triangle_count == 2


def test_as1_parts_names_and_paths():
    scene = load_scene(AS1)
    assert len(scene.parts) == 18
    nuts = [p for p in scene.parts if scene.nodes[p.node].name == "nut"]
    assert len(nuts) == 8
    assert sorted(p.display_name for p in nuts) == sorted(f"nut #{i}" for i in range(1, 9))
    assert len({p.id for p in scene.parts}) == 18
    assert scene.nodes[0].name == "as1" and scene.roots == [0]
    # every non-root node's path extends its parent's
    for n in scene.nodes:
        if n.parent is not None:
            assert n.path.startswith(scene.nodes[n.parent].path + "/")


def test_as1_normals_are_unit_and_match_winding():
    scene = load_scene(AS1)
    for mesh in scene.meshes:
        for prim in mesh.primitives:
            assert prim.normals is not None and prim.normals.shape == prim.positions.shape
            np.testing.assert_allclose(np.linalg.norm(prim.normals, axis=1), 1.0, atol=1e-3)


def test_ctc02_keeps_lines_beside_triangles():
    scene = load_scene(CTC02)
    by_name = {n.name: n for n in scene.nodes}
    lines = scene.meshes[by_name["COMPOUND"].mesh].primitives
    assert {p.mode for p in lines} == {"lines"}
    assert all(p.indices.shape[1] == 2 for p in lines)
    assert scene.meshes[by_name["SOLID"].mesh].triangle_count == 21310 == scene.triangle_count


def test_nested_world_transforms_match_trimesh():
    scene = load_scene(NESTED)
    ts = trimesh.load(str(NESTED), force="scene")
    assert [n.name for n in scene.nodes] == ["block01", "block02", "block03"]
    assert scene.nodes[2].parent == 1 and scene.nodes[1].parent == 0
    for node in scene.nodes:
        np.testing.assert_allclose(
            scene.world_matrix(node.index), ts.graph.get(node.name)[0], atol=1e-9
        )


def test_box_textured_glb_and_gltf_agree_and_texture_is_decoded():
    a, b = load_scene(BOX_GLB), load_scene(BOX_GLTF)
    pa, pb = a.meshes[0].primitives[0], b.meshes[0].primitives[0]
    np.testing.assert_array_equal(pa.positions, pb.positions)
    np.testing.assert_array_equal(pa.indices, pb.indices)
    np.testing.assert_array_equal(pa.uvs, pb.uvs)
    png = np.asarray(Image.open(BOX_GLTF.parent / "CesiumLogoFlat.png").convert("RGBA"))
    for scene in (a, b):
        tex = scene.materials[scene.meshes[0].primitives[0].material].texture
        assert tex is not None and tex.dtype == np.uint8
        np.testing.assert_array_equal(tex, png)


def test_missing_normals_are_flat_face_normals():
    scene = load_scene(DATA / "models" / "edge-cases-trimesh" / "no_indices_3storybuilding.glb")
    for mesh in scene.meshes:
        for prim in mesh.primitives:
            tri = prim.positions[prim.indices]
            n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
            keep = np.linalg.norm(n, axis=1) > 1e-9
            n = n[keep] / np.linalg.norm(n[keep], axis=1, keepdims=True)
            np.testing.assert_allclose(prim.normals[prim.indices[keep, 0]], n, atol=1e-4)


def test_unit_scale_scales_roots_and_is_recorded():
    plain = load_scene(PINS)
    assert suggest_unit(plain) == "mm"
    assert suggest_unit(load_scene(AS1)) is None
    mm = load_scene(PINS, unit_scale=0.001)
    assert mm.unit_scale == 0.001
    np.testing.assert_allclose(mm.bounds, plain.bounds * 0.001, rtol=1e-9)
    with pytest.raises(SceneError, match="positive"):
        load_scene(PINS, unit_scale=-1.0)


def test_sample_scene_is_the_as1_assembly():
    assert SAMPLE_SCENE.is_file()
    assert SAMPLE_SCENE.read_bytes() == AS1.read_bytes()
    assert (SAMPLE_SCENE.parent / "LICENSE_LGPL_21.txt").is_file()
    assert len(load_scene(SAMPLE_SCENE).parts) == 18


def test_unsupported_and_missing_files(tmp_path):
    assert set(SUPPORTED_SUFFIXES) >= {".glb", ".gltf", ".obj", ".stl", ".ply"}
    with pytest.raises(SceneError, match="unsupported file type"):
        load_scene(tmp_path / "model.fbx")
    with pytest.raises(SceneError, match="no such file"):
        load_scene(tmp_path / "gone.glb")
    bad = tmp_path / "bad.stl"
    bad.write_bytes(b"solid x\nfacet normal 0 0 1\nouter loop\nvertex 1 2\n")
    with pytest.raises(SceneError):
        load_scene(bad)


def _coloured_sphere() -> trimesh.Trimesh:
    sphere = trimesh.creation.icosphere(2)
    rng = np.random.default_rng(5)
    sphere.visual.vertex_colors = rng.integers(0, 256, (len(sphere.vertices), 4), dtype=np.uint8)
    return sphere


def _colour_at(prim, mesh):
    """(n, 4) colours trimesh gives ``mesh``'s vertices, in the order of ``prim``'s vertices
    (matched by position: the loader may unweld or reorder them)."""
    index = {tuple(np.round(v, 5)): i for i, v in enumerate(mesh.vertices)}
    order = [index[tuple(np.round(p, 5))] for p in prim.positions.astype(np.float64)]
    return np.asarray(mesh.visual.vertex_colors)[order] / 255.0


@pytest.mark.parametrize("suffix", [".glb", ".ply", ".obj"])
def test_vertex_colours_are_read_from_gltf_ply_and_obj(tmp_path, suffix):
    """glTF COLOR_0 (here normalized bytes, as trimesh writes it), PLY vertex properties and
    OBJ 'v x y z r g b': the colour of every vertex, the material white under it."""
    sphere = _coloured_sphere()
    path = tmp_path / f"sphere{suffix}"
    sphere.export(path)
    scene = load_scene(path)
    prims = [p for m in scene.meshes for p in m.primitives]
    assert len(prims) == 1 and prims[0].colors is not None
    prim = prims[0]
    assert prim.colors.shape == (len(prim.positions), 4) and prim.colors.dtype == np.float32
    expected = _colour_at(prim, sphere)
    if suffix == ".obj":  # OBJ vertex colours have no alpha
        expected[:, 3] = 1.0
    np.testing.assert_allclose(prim.colors, expected, atol=1.5 / 255)
    if suffix != ".glb":
        assert scene.materials[prim.material].base_color == (1.0, 1.0, 1.0, 1.0)


def test_face_colours_stay_per_face_and_point_clouds_keep_theirs(tmp_path):
    box = trimesh.creation.box()
    face_colors = np.where(np.arange(12)[:, None] < 6, [255, 0, 0, 255], [0, 0, 255, 255])
    box.visual.face_colors = face_colors.astype(np.uint8)
    box.export(tmp_path / "box.ply")
    prim = load_scene(tmp_path / "box.ply").meshes[0].primitives[0]
    corners = prim.colors[prim.indices.astype(int)]  # (12, 3, 4): one colour per face
    assert np.all(corners == corners[:, :1])
    assert sorted(map(tuple, corners[:, 0, :3].round(3))) == [(0, 0, 1)] * 6 + [(1, 0, 0)] * 6

    rng = np.random.default_rng(2)
    colours = rng.integers(0, 256, (50, 4), dtype=np.uint8)
    trimesh.PointCloud(rng.random((50, 3)), colors=colours).export(tmp_path / "scan.ply")
    points = load_scene(tmp_path / "scan.ply").meshes[0].primitives[0]
    assert points.mode == "points"
    np.testing.assert_allclose(points.colors, colours / 255.0, atol=1e-6)


def test_one_colour_for_every_vertex_is_left_to_the_material(tmp_path):
    """A constant COLOR_0 (the glTF-Validator sample's is all white) costs nothing."""
    scene = load_scene(DATA / "models" / "glTF-Validator-edge-cases" / "json" / "integer_written_as_float.gltf")
    assert all(p.colors is None for m in scene.meshes for p in m.primitives)


def _box_variant(tmp_path, edit) -> tuple:
    """(original, edited) scenes of the Khronos BoxTextured.gltf, the edit applied to a copy
    of its JSON (buffer and image copied beside it)."""
    import json
    import shutil

    for f in BOX_GLTF.parent.iterdir():
        if f.suffix != ".gltf":
            shutil.copy(f, tmp_path / f.name)
    doc = json.loads(BOX_GLTF.read_text(encoding="utf-8"))
    edit(doc)
    (tmp_path / "box.gltf").write_text(json.dumps(doc), encoding="utf-8")
    return load_scene(BOX_GLTF), load_scene(tmp_path / "box.gltf")


def test_khr_texture_transform_maps_the_uvs(tmp_path):
    """offset, rotation and scale as implementations and Khronos' TextureTransformTest read
    them (glTF issue 1563: the extension's GLSL listing rotates the other way)."""
    transform = {"offset": [0.5, -0.25], "rotation": 0.3, "scale": [2.0, 3.0]}

    def edit(doc):
        texture = doc["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]
        texture["extensions"] = {"KHR_texture_transform": transform}

    original, edited = _box_variant(tmp_path, edit)
    uv = original.meshes[0].primitives[0].uvs.astype(np.float64)
    c, s = np.cos(0.3), np.sin(0.3)
    u = c * 2.0 * uv[:, 0] + s * 3.0 * uv[:, 1] + 0.5
    v = -s * 2.0 * uv[:, 0] + c * 3.0 * uv[:, 1] - 0.25
    np.testing.assert_allclose(edited.meshes[0].primitives[0].uvs, np.stack([u, v], 1), atol=1e-6)


def test_the_texture_uses_the_uv_set_its_material_names(tmp_path):
    def edit(doc):
        attributes = doc["meshes"][0]["primitives"][0]["attributes"]
        attributes["TEXCOORD_1"] = attributes["TEXCOORD_0"]
        attributes["TEXCOORD_0"] = attributes["NORMAL"]  # not a uv set: unusable if chosen
        doc["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]["texCoord"] = 1

    original, edited = _box_variant(tmp_path, edit)
    assert edited.meshes[0].primitives[0].uvs is not None
    np.testing.assert_array_equal(edited.meshes[0].primitives[0].uvs, original.meshes[0].primitives[0].uvs)


def test_specular_glossiness_materials_keep_their_diffuse_colour_and_texture(tmp_path):
    """Older exporters write KHR_materials_pbrSpecularGlossiness only."""

    def edit(doc):
        doc["materials"][0] = {
            "name": "Texture",
            "extensions": {
                "KHR_materials_pbrSpecularGlossiness": {
                    "diffuseFactor": [0.9, 0.5, 0.2, 1.0],
                    "diffuseTexture": {"index": 0},
                }
            },
        }
        doc["extensionsUsed"] = ["KHR_materials_pbrSpecularGlossiness"]

    original, edited = _box_variant(tmp_path, edit)
    material = edited.materials[0]
    assert material.base_color == pytest.approx((0.9, 0.5, 0.2, 1.0))
    assert material.texture is not None
    np.testing.assert_array_equal(material.texture, original.materials[0].texture)


def test_unlit_materials_and_texture_wrap_modes_are_kept(tmp_path):
    def edit(doc):
        doc["materials"][0]["extensions"] = {"KHR_materials_unlit": {}}
        doc["samplers"] = [{"wrapS": 33071, "wrapT": 33648}]
        doc["textures"][0]["sampler"] = 0

    original, edited = _box_variant(tmp_path, edit)
    # Khronos' BoxTextured samples its texture MIRRORED_REPEAT x CLAMP_TO_EDGE
    assert not original.materials[0].unlit and original.materials[0].texture_wrap == (33648, 33071)
    assert edited.materials[0].unlit and edited.materials[0].texture_wrap == (33071, 33648)

    def dangling(doc):  # a sampler that is not there only changes tiling: read as REPEAT
        doc["textures"][0]["sampler"] = 7

    assert _box_variant(tmp_path, dangling)[1].materials[0].texture_wrap == (10497, 10497)


def write_textured_obj(folder) -> object:
    """A unit quad in an OBJ with an MTL and a PNG: red in the image's top half, blue in
    its bottom half; negative (relative) face indices, as some exporters write."""
    image = np.zeros((64, 64, 3), np.uint8)
    image[:32, :, 0] = 255
    image[32:, :, 2] = 255
    Image.fromarray(image).save(folder / "tex.png")
    (folder / "quad.mtl").write_text("newmtl red_blue\nKd 1 1 1\nmap_Kd tex.png\n")
    (folder / "quad.obj").write_text(
        "mtllib quad.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\n"
        "vt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\nusemtl red_blue\nf -4/-4 -3/-3 -2/-2 -1/-1\n"
    )
    return folder / "quad.obj"


def test_obj_texture_coordinates_are_turned_to_the_gltf_convention(tmp_path):
    """OBJ counts v up from the image's bottom, glTF down from its top: our OBJ uvs equal
    what trimesh itself writes when it converts the same file to GLB."""
    path = write_textured_obj(tmp_path)
    trimesh.load(str(path), force="scene").export(tmp_path / "via_trimesh.glb")
    ours = load_scene(path).meshes[0].primitives[0]
    theirs = load_scene(tmp_path / "via_trimesh.glb").meshes[0].primitives[0]
    uv_at = {tuple(np.round(p, 5)): uv for p, uv in zip(ours.positions, ours.uvs, strict=True)}
    for p, uv in zip(theirs.positions, theirs.uvs, strict=True):
        np.testing.assert_allclose(uv_at[tuple(np.round(p, 5))], uv, atol=1e-6)
    top = ours.positions[:, 1] == 1.0
    assert np.all(ours.uvs[top, 1] == 0.0) and np.all(ours.uvs[~top, 1] == 1.0)
