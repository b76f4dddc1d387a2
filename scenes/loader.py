"""One entry point for every model format: ``load_scene(path)`` -> Scene or SceneError.

The suffix picks the reader (glTF/GLB by our own checked reader, OBJ/STL/PLY through
trimesh, STEP converted to GLB in a worker process and cached, then read by the same
glTF reader: scenes/step_convert.py). ``unit_scale`` is metres per file unit and is
applied to the root transforms, so geometry arrays stay exactly as stored and
picking/rendering simply see metres.
Nothing is rescaled unless asked: :func:`suggest_unit` only hints at millimetre files.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np

from scenes.gltf import load_gltf
from scenes.mesh_formats import TRIMESH_SUFFIXES, load_trimesh_file
from scenes.model import Scene, SceneError
from scenes.step_convert import STEP_SUFFIXES, CancelToken, Limits, ProgressCallback, convert_step
from scenes.step_quality import Quality
from scenes.transforms import MAX_COORDINATE

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: tuple[str, ...] = (".glb", ".gltf", *TRIMESH_SUFFIXES, *STEP_SUFFIXES)
#: unit name -> metres per unit (the choices offered by ``--unit`` and the GUI)
UNITS: dict[str, float] = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254}


def load_scene(path: str | Path, *, unit_scale: float | None = None,
               quality: str | Quality | None = None, progress: ProgressCallback | None = None,
               cancel: CancelToken | None = None, limits: Limits | None = None) -> Scene:
    """Load a model file into a Scene.

    ``unit_scale`` (metres per file unit) scales the root transforms and is recorded in
    ``Scene.unit_scale``; None keeps the file's own unit (glTF: metres; STEP: the unit
    the file declares, converted to metres). The other keywords matter for STEP files
    only (see :func:`scenes.step_convert.convert_step`): the tessellation ``quality``
    (a name from scenes.step_quality.QUALITIES, "LINEAR_MM,ANGULAR_DEG" or a Quality;
    default "interactive"), a ``progress`` callback, a ``cancel`` token and the worker's
    ``limits``. What a STEP import leaves out is in ``Scene.notes`` (and logged).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SceneError(
            path,
            f"unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}",
        )
    try:
        is_file = path.is_file()
    except OSError as err:  # a name too long for the file system, a folder not readable
        raise SceneError(path, f"cannot be opened ({err.strerror or err})") from None
    if not is_file:
        raise SceneError(path, "no such file")
    if unit_scale is not None and not (math.isfinite(unit_scale) and unit_scale > 0):
        raise SceneError(path, f"unit scale must be a positive number, not {unit_scale!r}")
    if suffix in STEP_SUFFIXES:
        converted = convert_step(path, quality=quality, progress=progress, cancel=cancel,
                                 limits=limits)
    # a hostile file's numbers overflow or turn NaN on the way; each is refused below or
    # where it is read, so NumPy's warnings would only add lines to the one-line error
    with np.errstate(all="ignore"):
        try:
            if suffix in STEP_SUFFIXES:
                scene = _load_converted(path, converted.glb)
            elif suffix in (".glb", ".gltf"):
                scene = load_gltf(path)
            else:
                scene = load_trimesh_file(path)
        except MemoryError:  # files are at most MAX_FILE_BYTES; the machine may still lack that
            raise SceneError(path, "not enough memory to load it here") from None
        if unit_scale is not None and unit_scale != scene.unit_scale:
            factor = unit_scale / scene.unit_scale
            scale = np.diag([factor, factor, factor, 1.0])
            for r in scene.roots:
                scene.nodes[r].local = scale @ scene.nodes[r].local
            scene.unit_scale = unit_scale
        check_placement(scene)
    return scene


def _load_converted(path: Path, glb: Path) -> Scene:
    """A STEP file's cached conversion, as a Scene of the STEP file (errors name it)."""
    try:
        scene = load_gltf(glb)
    except SceneError as err:
        raise SceneError(path, f"its converted model {glb} cannot be read ({err.message})") from None
    scene.source = path
    for note in scene.notes:
        log.warning("%s: %s", path, note)
    return scene


def check_placement(scene: Scene) -> None:
    """Refuse a scene whose composed transforms xrjig cannot use, with one SceneError.

    Each number is checked where it is read (finite, within ±MAX_COORDINATE), but a tree of
    them multiplies: 1e7-scales nested a few levels overflow, a zero scale collapses. So
    every node's world matrix must be finite and invertible (the engine, the picking index
    and the renderer invert part matrices) and everything must stay within ±MAX_COORDINATE
    metres of the origin, the range scenarios can place parts in. Vectorised over nodes:
    a million-node file costs a few NumPy passes.
    """
    world = scene.world_matrices
    if not len(world):
        return
    finite = np.isfinite(world).all(axis=(1, 2))
    if not finite.all():
        raise _node_error(
            scene, _first_false(finite), "its transforms multiply past the float range"
        )
    invertible = _invertible(world[:, :3, :3])
    if not invertible.all():
        problem = "its transform cannot be inverted (a zero or extreme scale)"
        raise _node_error(scene, _first_false(invertible), problem)
    origins = np.abs(world[:, :3, 3]).max(axis=1)
    if not (origins <= MAX_COORDINATE).all():
        i = _first_false(origins <= MAX_COORDINATE)
        raise _node_error(scene, i, f"it is placed {origins[i]:.3g} m from the origin, {_BEYOND}")
    _check_geometry_reach(scene, world)


def _invertible(linear: np.ndarray) -> np.ndarray:
    """(n,) whether each (n, 3, 3) matrix has a finite inverse. The inverse's rows are the
    cross products of the columns over the determinant, so this is three ``np.cross``
    calls; ``np.linalg.inv`` takes microseconds per matrix, seconds per million nodes."""
    a, b, c = linear[:, :, 0], linear[:, :, 1], linear[:, :, 2]
    bc, ca, ab = np.cross(b, c), np.cross(c, a), np.cross(a, b)
    det = np.einsum("ni,ni->n", a, bc)
    largest = np.abs(np.concatenate([bc, ca, ab], axis=1)).max(axis=1)
    return (det != 0) & np.isfinite(largest / np.abs(det))  # NaN (inf / inf) is False too


#: the end of every "too far" message
_BEYOND = f"beyond the ±{MAX_COORDINATE:g} m xrjig handles (a wrong unit, or broken numbers)"


def _check_geometry_reach(scene: Scene, world: np.ndarray) -> None:
    """Every mesh's box, placed by each node using it, within ±MAX_COORDINATE metres.

    One box per mesh, then per node the farthest corner of its placed box, |M c + t| +
    |M| h for the box's centre c and half-size h: a million instances cost two NumPy
    products, not a Python loop over vertices. (A box may reach a little farther than the
    vertices in it, which no model anywhere near 1e7 m will notice.)"""
    centres, halves = np.zeros((len(scene.meshes), 3)), np.zeros((len(scene.meshes), 3))
    for m, mesh in enumerate(scene.meshes):
        points = [p.positions for p in mesh.primitives if len(p.positions)]
        if points:
            stacked = np.concatenate(points).astype(np.float64)
            low, high = stacked.min(axis=0), stacked.max(axis=0)
            centres[m], halves[m] = (low + high) / 2, (high - low) / 2
    mesh_of = np.array([-1 if n.mesh is None else n.mesh for n in scene.nodes])
    nodes = np.flatnonzero(mesh_of >= 0)
    if not len(nodes):
        return
    linear, shift = world[nodes, :3, :3], world[nodes, :3, 3]
    centre = np.einsum("nij,nj->ni", linear, centres[mesh_of[nodes]]) + shift
    half = np.einsum("nij,nj->ni", np.abs(linear), halves[mesh_of[nodes]])
    reach = (np.abs(centre) + half).max(axis=1)
    if not (reach <= MAX_COORDINATE).all():  # NaN compares False too
        k = _first_false(reach <= MAX_COORDINATE)
        problem = f"its geometry reaches {reach[k]:.3g} m from the origin, {_BEYOND}"
        raise _node_error(scene, int(nodes[k]), problem)


def _first_false(ok: np.ndarray) -> int:
    return int(np.argmin(ok))


def _node_error(scene: Scene, i: int, problem: str) -> SceneError:
    """A SceneError about node ``i``, named by its path (cut short: paths can be long)."""
    node = scene.nodes[i]
    name = node.path or node.name or f"#{i}"
    shown = name if len(name) <= 80 else name[:77] + "..."
    return SceneError(scene.source, f"node {shown!r}: {problem}")


def suggest_unit(scene: Scene) -> str | None:
    """'mm' when a scene read as metres is implausibly large for a workbench object.

    A hint for the UI only (shown next to the detected size); never applied silently.
    """
    bounds = scene.bounds
    if bounds is None:
        return None
    size = float(np.max(bounds[1] - bounds[0]))
    return "mm" if size > 20.0 else None
