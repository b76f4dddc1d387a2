"""One entry point for every model format: ``load_scene(path)`` -> Scene or SceneError.

The suffix picks the reader (glTF/GLB by our own checked reader, OBJ/STL/PLY through
trimesh). ``unit_scale`` is metres per file unit and is applied to the root transforms,
so geometry arrays stay exactly as stored and picking/rendering simply see metres.
Nothing is rescaled unless asked: :func:`suggest_unit` only hints at millimetre files.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from scenes.gltf import load_gltf
from scenes.mesh_formats import TRIMESH_SUFFIXES, load_trimesh_file
from scenes.model import Scene, SceneError

SUPPORTED_SUFFIXES: tuple[str, ...] = (".glb", ".gltf", *TRIMESH_SUFFIXES)
#: unit name -> metres per unit (the choices offered by ``--unit`` and the GUI)
UNITS: dict[str, float] = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254}


def load_scene(path: str | Path, *, unit_scale: float | None = None) -> Scene:
    """Load a model file into a Scene.

    ``unit_scale`` (metres per file unit) scales the root transforms and is recorded in
    ``Scene.unit_scale``; None keeps the file's own unit (glTF: metres).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SceneError(
            path,
            f"unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}",
        )
    if not path.is_file():
        raise SceneError(path, "no such file")
    if unit_scale is not None and not (math.isfinite(unit_scale) and unit_scale > 0):
        raise SceneError(path, f"unit scale must be a positive number, not {unit_scale!r}")
    scene = load_gltf(path) if suffix in (".glb", ".gltf") else load_trimesh_file(path)
    if unit_scale is not None and unit_scale != scene.unit_scale:
        factor = unit_scale / scene.unit_scale
        scale = np.diag([factor, factor, factor, 1.0])
        for r in scene.roots:
            scene.nodes[r].local = scale @ scene.nodes[r].local
        scene.unit_scale = unit_scale
    return scene


def suggest_unit(scene: Scene) -> str | None:
    """'mm' when a scene read as metres is implausibly large for a workbench object.

    A hint for the UI only (shown next to the detected size); never applied silently.
    """
    bounds = scene.bounds
    if bounds is None:
        return None
    size = float(np.max(bounds[1] - bounds[0]))
    return "mm" if size > 20.0 else None
