"""A Scene -> GLB bytes: the STEP converter's output format (and ``xrjig convert``'s).

Writes what :mod:`scenes.gltf` reads back: the node tree (names, matrices, extras), each
mesh once however many nodes use it (identical CAD parts share one), triangle / line /
point primitives with positions, normals and indices, and base-colour materials. No
textures or UVs: CAD conversions have none. One binary chunk; every bufferView starts on
a 4-byte boundary, positions carry the min / max glTF requires.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from scenes.model import Scene

_MODES = {"points": 0, "lines": 1, "triangles": 4}
_FLOAT, _UINT = 5126, 5125
_ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 34962, 34963


def scene_to_glb(scene: Scene, *, asset_extras: dict[str, Any] | None = None,
                 node_extras: list[dict[str, Any] | None] | None = None,
                 mesh_extras: list[dict[str, Any] | None] | None = None,
                 generator: str = "xrjig") -> bytes:
    """The scene as a GLB file's bytes. ``node_extras`` / ``mesh_extras``: one entry (or
    None) per scene node / mesh, stored as that node's / mesh's ``extras``."""
    blob = bytearray()
    views: list[dict[str, Any]] = []
    accessors: list[dict[str, Any]] = []

    def add(array: np.ndarray, kind: str, component: int, target: int, bounds: bool = False) -> int:
        data = np.ascontiguousarray(array).tobytes()
        blob.extend(b"\0" * (-len(blob) % 4))
        views.append({"buffer": 0, "byteOffset": len(blob), "byteLength": len(data), "target": target})
        blob.extend(data)
        acc: dict[str, Any] = {"bufferView": len(views) - 1, "componentType": component,
                               "count": int(array.shape[0]), "type": kind}
        if bounds and len(array):
            acc["min"] = [float(x) for x in array.min(axis=0)]
            acc["max"] = [float(x) for x in array.max(axis=0)]
        accessors.append(acc)
        return len(accessors) - 1

    meshes = []
    for m, mesh in enumerate(scene.meshes):
        prims = []
        for p in mesh.primitives:
            attrs = {"POSITION": add(p.positions.astype(np.float32), "VEC3", _FLOAT, _ARRAY_BUFFER, True)}
            if p.normals is not None:
                attrs["NORMAL"] = add(p.normals.astype(np.float32), "VEC3", _FLOAT, _ARRAY_BUFFER)
            spec: dict[str, Any] = {"attributes": attrs, "mode": _MODES[p.mode],
                                    "indices": add(p.indices.astype(np.uint32).ravel(), "SCALAR", _UINT,
                                                   _ELEMENT_ARRAY_BUFFER)}
            if p.material is not None:
                spec["material"] = p.material
            prims.append(spec)
        entry: dict[str, Any] = {"name": mesh.name, "primitives": prims}
        if mesh_extras is not None and mesh_extras[m]:
            entry["extras"] = mesh_extras[m]
        meshes.append(entry)

    nodes = []
    for node in scene.nodes:
        entry = {"name": node.name}
        if node.children:
            entry["children"] = list(node.children)
        if not np.array_equal(node.local, np.eye(4)):
            entry["matrix"] = [float(x) for x in node.local.T.ravel()]
        if node.mesh is not None:
            entry["mesh"] = node.mesh
        if node_extras is not None and node_extras[node.index]:
            entry["extras"] = node_extras[node.index]
        nodes.append(entry)

    materials = [{
        "name": mat.name,
        "pbrMetallicRoughness": {"baseColorFactor": [float(c) for c in mat.base_color],
                                 "metallicFactor": float(mat.metallic),
                                 "roughnessFactor": float(mat.roughness)},
        "doubleSided": bool(mat.double_sided),
        **({"alphaMode": mat.alpha_mode} if mat.alpha_mode != "OPAQUE" else {}),
    } for mat in scene.materials]

    asset: dict[str, Any] = {"version": "2.0", "generator": generator}
    if asset_extras:
        asset["extras"] = asset_extras
    doc: dict[str, Any] = {"asset": asset, "scene": 0, "scenes": [{"nodes": list(scene.roots)}],
                           "nodes": nodes}
    for key, value in (("meshes", meshes), ("materials", materials), ("accessors", accessors),
                       ("bufferViews", views)):
        if value:
            doc[key] = value
    if blob:
        blob.extend(b"\0" * (-len(blob) % 4))
        doc["buffers"] = [{"byteLength": len(blob)}]
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False).encode("utf-8")
    text += b" " * (-len(text) % 4)
    chunks = struct.pack("<II", len(text), 0x4E4F534A) + text
    if blob:
        chunks += struct.pack("<II", len(blob), 0x004E4942) + bytes(blob)
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks
