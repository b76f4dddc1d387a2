"""Per-part geometry the engine needs besides ray queries: triangles for collision,
a reference centre for snap errors, and a fingerprint to find interchangeable parts.

Everything is expressed in the part's *rigid frame*: the authored world matrix of the
part's node with any scale removed. Moving a part is then a rigid transform of that
frame, which is what collision libraries and snap tolerances understand, whatever unit
scale or CAD scale the node carries.
"""

from __future__ import annotations

import dataclasses
import hashlib
import weakref
from dataclasses import dataclass

import numpy as np

from scenes.cad_axes import hinted_axes
from scenes.model import Scene
from scenes.transforms import matrix_to_pose, pose_to_matrix, transform_points


def rigid(m: np.ndarray) -> np.ndarray:
    """(4, 4) matrix with its scale removed (rotation from normalised columns)."""
    return pose_to_matrix(matrix_to_pose(m))


@dataclass(frozen=True, eq=False)
class PartGeometry:
    """Compared and hashed by identity (it carries arrays; caches key on it)."""

    part_id: str
    #: (4, 4) authored world matrix of the part node, and its rigid part
    authored: np.ndarray
    authored_rigid: np.ndarray
    #: (n, 3) float64 vertices and (m, 3) int32 triangles in the rigid frame
    vertices: np.ndarray
    faces: np.ndarray
    #: (3,) bounding-box centre in the rigid frame: where position errors are measured
    centre: np.ndarray
    #: equal for parts with the same shape (to the micrometre) in their own frames
    fingerprint: str
    #: the first part (in scene order) with this fingerprint, when that is another part:
    #: identical parts (the nuts and bolts of an assembly) share its collision BVHs and
    #: symmetries, built once (see ``shape``)
    twin_of: PartGeometry | None = None
    #: (k, 3) unit axes of the part's cylinders known from CAD (a STEP import's
    #: ``Scene.axis_hints``) in the rigid frame: the symmetry search tries them first
    axes: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 3)))
    #: how far its triangles may stray from the true surface (``Scene.tessellation_m``)
    slack: float = 0.0

    @property
    def shape(self) -> PartGeometry:
        """The geometry whose structures this part uses: its first identical twin's, else
        its own. Always the same one, whoever asks first, so results stay deterministic;
        twins' vertices agree to float noise (~1e-17 m on PM4), far below any tolerance."""
        return self.twin_of if self.twin_of is not None else self

    @property
    def triangle_count(self) -> int:
        return int(self.faces.shape[0])


def part_geometry(scene: Scene, part_id: str) -> PartGeometry:
    """Collect the triangles of a part and its mesh-carrying descendants."""
    part = scene.part(part_id)
    authored = scene.world_matrix(part.node)
    frame = rigid(authored)
    to_frame = np.linalg.inv(frame)
    verts: list[np.ndarray] = []
    faces: list[np.ndarray] = []
    count = 0
    for i in scene.part_nodes(part):
        node = scene.nodes[i]
        if node.mesh is None:
            continue
        m = to_frame @ scene.world_matrix(i)
        for prim in scene.meshes[node.mesh].primitives:
            if prim.mode != "triangles" or len(prim.indices) == 0:
                continue
            verts.append(transform_points(m, prim.positions.astype(np.float64)))
            faces.append(prim.indices.astype(np.int64) + count)
            count += len(prim.positions)
    v = np.concatenate(verts) if verts else np.zeros((0, 3))
    f = (np.concatenate(faces) if faces else np.zeros((0, 3), np.int64)).astype(np.int32)
    centre = (v.min(axis=0) + v.max(axis=0)) / 2 if len(v) else np.zeros(3)
    digest = hashlib.sha1(np.round(v * 1e6).astype(np.int64).tobytes())
    digest.update(f.tobytes())
    axes = hinted_axes(scene, scene.part_nodes(part), to_frame)
    return PartGeometry(part_id, authored.copy(), frame, v, f, centre, digest.hexdigest(), axes=axes,
                        slack=scene.tessellation_m)


_SCENE_GEOMETRY: weakref.WeakKeyDictionary[Scene, dict[str, PartGeometry]] = weakref.WeakKeyDictionary()


def scene_geometry(scene: Scene) -> dict[str, PartGeometry]:
    """Part id -> PartGeometry for every part, computed once per Scene (scene geometry is
    immutable after loading, and engines are rebuilt on every tolerance or scenario edit)."""
    cached = _SCENE_GEOMETRY.get(scene)
    if cached is None:
        cached, first = {}, {}
        for p in scene.parts:
            g = part_geometry(scene, p.id)
            twin = first.setdefault(g.fingerprint, g)
            cached[p.id] = g if twin is g else dataclasses.replace(g, twin_of=twin)
        _SCENE_GEOMETRY[scene] = cached
    return cached
