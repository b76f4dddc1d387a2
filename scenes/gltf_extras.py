"""What xrjig keeps in a glTF file's ``extras`` beyond the geometry: CAD knowledge.

A STEP import is converted once into a GLB (cached, or written by ``xrjig convert``);
what the CAD file knew and triangles cannot say travels with it, under the key "xrjig":

    asset.extras.xrjig.notes          ["skipped ...", ...]  what the conversion left out
    asset.extras.xrjig.source         {"name", "quality", "linear_mm", "unit_m", "converter"}
    nodes[i].extras.xrjig.instance    "nut_1"   the CAD instance name (node name: product)
    meshes[m].extras.xrjig.cylinder_axes
                                      [{"direction": [x, y, z], "point": [x, y, z],
                                        "radius": r, "area": a}, ...]  (scenes/cad_axes.py)

They are hints, so reading them never refuses a file: anything malformed (a wrong type,
a NaN, a list too long) is ignored, and sizes are capped before anything is kept.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scenes.cad_axes import CylinderAxis
from scenes.gltf_container import GltfDocument
from scenes.model import Scene

KEY = "xrjig"
MAX_NOTES, MAX_NOTE_CHARS = 16, 500
MAX_AXES_PER_MESH = 16
MAX_NAME_CHARS = 1000


def asset_extras(notes: list[str], source: dict[str, Any]) -> dict[str, Any]:
    return {KEY: {"notes": list(notes), "source": source}}


def node_extras(instance: str) -> dict[str, Any] | None:
    return {KEY: {"instance": instance}} if instance else None


def mesh_extras(axes: list[CylinderAxis]) -> dict[str, Any] | None:
    if not axes:
        return None
    return {KEY: {"cylinder_axes": [
        {"direction": list(a.direction), "point": list(a.point), "radius": a.radius, "area": a.area}
        for a in axes]}}


def _ours(spec: Any) -> dict[str, Any]:
    extras = spec.get("extras") if isinstance(spec, dict) else None
    value = extras.get(KEY) if isinstance(extras, dict) else None
    return value if isinstance(value, dict) else {}


def read_xrjig_extras(doc: GltfDocument, scene: Scene, node_order: list[int],
                      mesh_map: dict[int, int]) -> None:
    """Fill ``scene.notes``, ``scene.tessellation_m``, ``scene.unit_scale`` (the CAD
    file's declared unit: the geometry is in metres, so overriding the unit rescales by
    the new unit over this one), ``Node.instance`` and ``scene.axis_hints`` from the extras.

    ``node_order``: Scene node -> glTF node index; ``mesh_map``: glTF mesh -> Scene mesh."""
    ours = _ours(doc.json.get("asset"))
    notes = ours.get("notes")
    source = ours.get("source")
    linear = source.get("linear_mm") if isinstance(source, dict) else None
    if _number(linear) and 0 < linear <= 100:
        scene.tessellation_m = float(linear) / 1000.0
    unit = source.get("unit_m") if isinstance(source, dict) else None
    if _number(unit) and 1e-9 <= unit <= 1e4:
        scene.unit_scale = float(unit)  # the CAD file's unit; its geometry is in metres already
    if isinstance(notes, list):
        scene.notes = [n[:MAX_NOTE_CHARS].replace("\n", " ") for n in notes[:MAX_NOTES]
                       if isinstance(n, str) and n]
    nodes = doc.json.get("nodes")
    if isinstance(nodes, list):
        for node, old in zip(scene.nodes, node_order, strict=True):
            instance = _ours(nodes[old]).get("instance")
            if isinstance(instance, str):
                node.instance = instance[:MAX_NAME_CHARS]
    meshes = doc.json.get("meshes")
    if not isinstance(meshes, list):
        return
    for old, new in sorted(mesh_map.items()):
        axes = _ours(meshes[old]).get("cylinder_axes") if 0 <= old < len(meshes) else None
        if not isinstance(axes, list):
            continue
        rows = [d for d in (_direction(a) for a in axes[:MAX_AXES_PER_MESH]) if d is not None]
        if rows:
            scene.axis_hints[new] = np.array(rows)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _direction(spec: Any) -> list[float] | None:
    """A unit direction from ``{"direction": [x, y, z], ...}``, None when it is not one."""
    d = spec.get("direction") if isinstance(spec, dict) else None
    if not (isinstance(d, list) and len(d) == 3):
        return None
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in d):
        return None
    norm = math.hypot(*(float(x) for x in d))  # no overflow on 1e308
    if not 0.5 < norm < 2.0:
        return None
    return [float(x) / norm for x in d]
