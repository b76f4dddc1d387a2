"""cascadio's raw GLB -> the GLB xrjig caches and loads: names, Y-up, shared meshes, axes.

cascadio writes what Open CASCADE's glTF writer gives it: metres (the STEP file's unit
already applied), but Z-up as CAD has it, nodes named by instance ("nut_1",
"=>[0:1:1:2]"), one mesh per instance even where the instances are one product, curves
(PMI, sketches) mixed with surfaces, and B-rep face data in a private extension. This
module turns that into a plain glTF scene, the same as a glTF exporter would have made:

1. names: each node its product's name, the instance name kept beside it
   (scenes/step_names.py);
2. Y-up: every node matrix conjugated and every vertex turned by the Z-up -> Y-up
   rotation (x, y, z) -> (x, z, -y), so node-local frames match a glTF export's;
3. identical parts share one mesh (byte-equal triangulations: Open CASCADE meshes a
   product once, however often it is placed);
4. curves and points are dropped (and said so in a note): xrjig grabs, snaps and
   collides surfaces; the file's PMI (annotations, dimensions, tolerances) is counted
   for the same note;
5. each mesh's cylinder axes from its B-rep faces (scenes/cad_axes.py), into its extras.

Runs in the worker process (scenes/step_worker.py), never in the app.
"""

from __future__ import annotations

import hashlib
import mmap
import re
from pathlib import Path
from typing import Any

import numpy as np

from scenes.cad_axes import CylinderAxis, cylinder_axes
from scenes.gltf import GltfRead, assign_paths, read_gltf
from scenes.gltf_extras import asset_extras, mesh_extras, node_extras
from scenes.gltf_write import scene_to_glb
from scenes.model import Mesh, Scene, SceneError
from scenes.step_names import declared_unit_m, name_nodes, read_step_tree

#: Z-up (CAD) -> Y-up (glTF): (x, y, z) -> (x, z, -y)
Z_UP_TO_Y_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
#: PMI entity kinds, counted for the note (AP242 semantic and presentation PMI)
_PMI = re.compile(
    rb"#\d+\s*=\s*\(?\s*(\w*ANNOTATION_\w*OCCURRENCE|DIMENSIONAL_SIZE|DIMENSIONAL_LOCATION"
    rb"|\w*TOLERANCE|DATUM)\s*\(")
_PMI_GROUPS = (("annotation", b"ANNOTATION"), ("dimension", b"DIMENSIONAL"),
               ("tolerance", b"TOLERANCE"), ("datum", b"DATUM"))


def post_process(raw: Path, step: Path, source: dict[str, Any]) -> tuple[bytes, Scene]:
    """The finished GLB's bytes for cascadio's ``raw`` output of ``step`` (see the module
    doc), and the Scene they hold. ``source`` is recorded in the asset's extras.
    SceneError when the file holds no surfaces at all."""
    read = read_gltf(raw)
    scene = read.scene
    tree = read_step_tree(step)
    nodes_json = read.doc.items("nodes")
    meshes_json = read.doc.items("meshes")
    gltf_of = read.node_order
    names = [_str(nodes_json[old].get("name")) for old in gltf_of]
    children = [n.children for n in scene.nodes]
    mesh_names = [scene.meshes[n.mesh].name if n.mesh is not None else None for n in scene.nodes]
    named = name_nodes(tree, names, children, scene.roots, mesh_names)
    for node, (name, instance) in zip(scene.nodes, named, strict=True):
        node.name = name
        node.instance = instance if instance != name else ""
    notes = _drop_curves(scene)
    kept = _share_meshes(scene)
    if not any(n.mesh is not None for n in scene.nodes):
        raise SceneError(step, "the file holds no surfaces (no solid or surface shapes)")
    gltf_mesh = {new: old for old, new in read.mesh_map.items()}
    axes = _axes(read, meshes_json, [gltf_mesh[k] for k in kept])
    _to_y_up(scene, axes)
    notes.extend(_pmi_note(step))
    assign_paths(scene.nodes, scene.roots)
    scene.notes = notes
    source = {**source, "unit_m": declared_unit_m(step)}
    glb = scene_to_glb(
        scene,
        asset_extras=asset_extras(notes, source),
        node_extras=[node_extras(n.instance) for n in scene.nodes],
        mesh_extras=[mesh_extras(axes.get(m, [])) for m in range(len(scene.meshes))],
        generator=f"xrjig STEP import ({source.get('converter', 'cascadio')})",
    )
    return glb, scene


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _axes(read: GltfRead, meshes_json: list[Any], sources: list[int]) -> dict[int, list[CylinderAxis]]:
    """Scene mesh index -> its cylinder axes, from cascadio's TM_brep_faces extension;
    ``sources``: the glTF mesh each scene mesh was read from."""
    out: dict[int, list[CylinderAxis]] = {}
    for new, old in enumerate(sources):
        spec = meshes_json[old] if 0 <= old < len(meshes_json) else None
        prims_json = spec.get("primitives") if isinstance(spec, dict) else None
        prims_json = [p for p in prims_json if _is_triangles(p)] if isinstance(prims_json, list) else None
        prims = read.scene.meshes[new].primitives
        if not isinstance(prims_json, list) or len(prims_json) != len(prims):
            continue
        found: list[CylinderAxis] = []
        for p_json, prim in zip(prims_json, prims, strict=True):
            ext = p_json.get("extensions", {}).get("TM_brep_faces") if isinstance(p_json, dict) else None
            if prim.mode != "triangles" or not isinstance(ext, dict):
                continue
            faces = ext.get("faces")
            if not isinstance(faces, list) or ext.get("faceIndices") is None:
                continue
            face_of = read.reader.read(ext["faceIndices"], f"mesh {old} B-rep faces")
            found.extend(cylinder_axes(prim.positions, prim.indices, face_of, faces))
        if found:
            out[new] = found
    return out


def _is_triangles(spec: Any) -> bool:
    """A glTF primitive drawn as triangles (mode 4, the default; strips and fans are not
    what cascadio writes), as _drop_curves keeps them."""
    return isinstance(spec, dict) and spec.get("mode", 4) == 4


def _to_y_up(scene: Scene, axes: dict[int, list[CylinderAxis]]) -> None:
    """Turn the scene from Z-up to Y-up in place: node matrices conjugated, so each
    node's frame is the turned frame, and every vertex, normal and axis turned."""
    r = np.eye(4)
    r[:3, :3] = Z_UP_TO_Y_UP
    for node in scene.nodes:
        node.local = r @ node.local @ r.T
    turn = Z_UP_TO_Y_UP.T.astype(np.float32)
    for mesh in scene.meshes:
        for p in mesh.primitives:
            p.positions = np.ascontiguousarray(p.positions @ turn)
            if p.normals is not None:
                p.normals = np.ascontiguousarray(p.normals @ turn)
    for m, found in axes.items():
        axes[m] = [CylinderAxis(tuple((Z_UP_TO_Y_UP @ a.direction).tolist()),  # type: ignore[arg-type]
                                tuple((Z_UP_TO_Y_UP @ a.point).tolist()),  # type: ignore[arg-type]
                                a.radius, a.area) for a in found]
    for cached in ("world_matrices", "bounds", "each_node_bounds", "parts", "triangle_count"):
        scene.__dict__.pop(cached, None)  # cached properties of the scene before the turn


def _drop_curves(scene: Scene) -> list[str]:
    """Drop line and point primitives; a mesh left without any loses its nodes' link.
    Returns the note saying what went, naming a few of the nodes."""
    dropped: list[str] = []
    emptied: set[int] = set()
    for m, mesh in enumerate(scene.meshes):
        kept = [p for p in mesh.primitives if p.mode == "triangles"]
        if len(kept) != len(mesh.primitives):
            mesh.primitives = kept
            if not kept:
                emptied.add(m)
    for node in scene.nodes:
        if node.mesh in emptied:
            dropped.append(node.name or "unnamed")
            node.mesh = None
    if not dropped:
        return []
    shown = ", ".join(dropped[:3]) + (f" and {len(dropped) - 3} more" if len(dropped) > 3 else "")
    count = f"{len(dropped)} shape{'s' if len(dropped) > 1 else ''}"
    return [f"skipped {count} of curves or points only (wireframe, sketch or PMI lines; "
            f"xrjig uses surfaces): {shown}"]


def _share_meshes(scene: Scene) -> list[int]:
    """Identical meshes (same triangles, normals and material, byte for byte) become one;
    unused meshes go, and the rest keep their first-use order. Returns, per mesh kept,
    its index before."""
    first: dict[bytes, int] = {}
    same: dict[int, int] = {}
    for m, mesh in enumerate(scene.meshes):
        digest = hashlib.blake2b(mesh.name.encode("utf-8", "replace"), digest_size=20)
        for p in mesh.primitives:
            for array in (p.positions, p.indices, p.normals):
                digest.update(b"|" if array is None else np.ascontiguousarray(array).tobytes())
            digest.update(repr((p.material, p.mode, p.positions.shape)).encode())
        same[m] = first.setdefault(digest.digest(), m)
    used = sorted({same[n.mesh] for n in scene.nodes if n.mesh is not None})
    new_index = {old: new for new, old in enumerate(used)}
    for node in scene.nodes:
        if node.mesh is not None:
            node.mesh = new_index[same[node.mesh]]
    meshes: list[Mesh] = [scene.meshes[m] for m in used]
    scene.meshes = meshes
    return used


def _pmi_note(step: Path) -> list[str]:
    """One note counting the file's PMI by kind (none when it has none)."""
    with open(step, "rb") as f:
        if f.seek(0, 2) == 0:
            return []
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if all(data.find(word) < 0 for _, word in _PMI_GROUPS):  # the usual case: none
                return []
            kinds = [m[1].upper() for m in _PMI.finditer(data)]
    if not kinds:
        return []
    counts = []
    for label, marker in _PMI_GROUPS:
        n = sum(1 for k in kinds if marker in k)
        kinds = [k for k in kinds if marker not in k]
        if n:
            counts.append(f"{n} {label}{'s' if n > 1 else ''}")
    return [f"PMI not shown ({', '.join(counts)}): xrjig reads the shapes, not the annotations"]
