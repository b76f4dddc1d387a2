"""Merge a Scene's primitives into one vertex/index array per (material, mode).

Draw calls then scale with the number of materials, not nodes: a CAD assembly with
thousands of nodes and a dozen materials costs a dozen draws. Vertices stay in their
part's local frame and carry the part's index, so the renderer moves a part by
changing one matrix, never by re-uploading geometry. Within a batch the indices are
grouped by part, so one part (a ghost, a highlight pass) can still be drawn alone.

Pure NumPy: testable without a GL context.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenes.model import Part, Scene

#: 4-byte words of every vertex: position (3 float32), normal (4 int16 in two words: x, y, z
#: as signed normalized shorts, then 0), part index (1 float32). A batch whose material has a
#: texture adds its uv (2 float32), one with vertex colours a packed RGBA8 colour (1 word,
#: read by GL as normalized unsigned bytes): 24 bytes a vertex for most CAD models, 40
#: at most. Software rasterisers fetch and convert every attribute of every vertex, so
#: what a batch does not use is not there (it was 40 bytes for every vertex).
BASE_WORDS = 6
#: word offsets of the base attributes
POSITION_WORD, NORMAL_WORD, PART_WORD = 0, 3, 5
#: the packed colour of vertices without one: opaque white, the material's colour unchanged
WHITE = np.uint32(0xFFFFFFFF)


@dataclass
class Batch:
    """Everything of one material drawn in one mode.

    vertices    : (n, words) float32 rows of 4-byte words (see ``BASE_WORDS``): position,
                  normal (snorm16), part index (part-local space), then uv when
                  ``uv_word`` is set and a packed RGBA8 colour when ``color_word`` is
    indices     : (m,) uint32 flat element indices (3 per triangle, 2 per line, 1 per point)
    part_ranges : (n_parts, 2) int64 [first index, index count] of each part (count 0 if absent)
    uv_word     : word offset of the uv (2 float32), or None when the batch has no texture
    color_word  : word offset of the packed colour, or None when no vertex has a colour
    """

    material: int | None
    mode: str
    vertices: np.ndarray
    indices: np.ndarray
    part_ranges: np.ndarray
    uv_word: int | None = None
    color_word: int | None = None

    @property
    def stride(self) -> int:
        """Bytes per vertex."""
        return int(self.vertices.shape[1]) * 4


@dataclass
class SceneBatches:
    parts: list[Part]
    #: (n_parts, 4, 4) float64 authored world matrix of each part's node
    part_world: np.ndarray
    batches: list[Batch]
    #: (n_parts, 2, 3) float32 part-local bounds of each part's vertices (inf when empty)
    part_bounds: np.ndarray

    def __post_init__(self) -> None:
        self._index = {p.id: i for i, p in enumerate(self.parts)}

    def part_index(self, part_id: str) -> int | None:
        return self._index.get(part_id)


def _normal_matrix(m: np.ndarray) -> np.ndarray:
    """(3, 3) inverse-transpose of a (4, 4) matrix's linear part (identity if singular)."""
    lin = m[:3, :3]
    if abs(np.linalg.det(lin)) < 1e-30:
        return np.eye(3)
    return np.linalg.inv(lin).T


def build_batches(scene: Scene) -> SceneBatches:
    """Group every primitive of every part by (material, mode), parts in scene order."""
    parts = scene.parts
    world = scene.world_matrices
    part_world = np.array([world[p.node] for p in parts]).reshape(-1, 4, 4)
    # (material, mode) -> list of (part index, primitive, local matrix, normal matrix, flip)
    pieces: dict[tuple[int | None, str], list[tuple[int, object, np.ndarray, np.ndarray, bool]]] = {}
    for pi, part in enumerate(parts):
        to_local = np.linalg.inv(part_world[pi])
        for node_index in sorted(scene.part_nodes(part)):
            node = scene.nodes[node_index]
            if node.mesh is None:
                continue
            local = to_local @ world[node_index]
            normal_m = _normal_matrix(local)
            flip = bool(np.linalg.det(local[:3, :3]) < 0)
            for prim in scene.meshes[node.mesh].primitives:
                if len(prim.positions) == 0 or len(prim.indices) == 0:
                    continue
                pieces.setdefault((prim.material, prim.mode), []).append((pi, prim, local, normal_m, flip))
    batches = [_batch(scene, material, mode, items, len(parts)) for (material, mode), items in pieces.items()]
    # opaque before blended materials, so blending sees what lies behind it
    batches.sort(key=lambda b: _is_blended(scene, b.material))
    return SceneBatches(parts, part_world, batches, _part_bounds(len(parts), batches))


def _batch(scene: Scene, material: int | None, mode: str, items: list, n_parts: int) -> Batch:
    """One batch's vertex words, indices and part ranges, written into arrays made once."""
    textured = material is not None and scene.materials[material].texture is not None
    coloured = any(prim.colors is not None for _, prim, _, _, _ in items)
    words = BASE_WORDS
    uv_word = color_word = None
    if textured:
        uv_word, words = words, words + 2
    if coloured:
        color_word, words = words, words + 1
    sizes = np.array([len(prim.positions) for _, prim, _, _, _ in items])
    counts = np.array([prim.indices.size for _, prim, _, _, _ in items])
    v_starts = np.concatenate([[0], np.cumsum(sizes)])
    i_starts = np.concatenate([[0], np.cumsum(counts)])
    vertices = np.zeros((int(v_starts[-1]), words), dtype=np.float32)
    indices = np.empty(int(i_starts[-1]), dtype=np.uint32)
    normals = vertices.view(np.int16)[:, 2 * NORMAL_WORD : 2 * NORMAL_WORD + 3]
    ranges = np.zeros((n_parts, 2), dtype=np.int64)
    for k, (pi, prim, local, normal_m, flip) in enumerate(items):
        a, b = v_starts[k], v_starts[k + 1]
        v = vertices[a:b]
        v[:, 0:3] = prim.positions @ local[:3, :3].T + local[:3, 3]
        if prim.normals is not None:
            normals[a:b] = _snorm16(prim.normals @ normal_m.T)
        if uv_word is not None and prim.uvs is not None:
            v[:, uv_word : uv_word + 2] = prim.uvs
        v[:, PART_WORD] = pi
        if color_word is not None:
            # written through an integer view: some colours' bytes read as NaN floats,
            # and a float copy could quieten them (change the bytes)
            v.view(np.uint32)[:, color_word] = WHITE if prim.colors is None else pack_colors(prim.colors)
        idx = prim.indices.reshape(len(prim.indices), -1)
        if flip and prim.mode == "triangles":
            idx = idx[:, ::-1]
        np.add(idx.ravel(), np.uint32(a), out=indices[i_starts[k] : i_starts[k + 1]], casting="unsafe")
        if ranges[pi, 1] == 0:
            ranges[pi, 0] = i_starts[k]
        ranges[pi, 1] += counts[k]
    return Batch(material, mode, vertices, indices, ranges, uv_word, color_word)


def _snorm16(normals: np.ndarray) -> np.ndarray:
    """(n, 3) normals -> (n, 3) int16 unit normals as GL's signed normalized shorts (zero
    stays zero: the shader then faces the viewer)."""
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    unit = normals / np.where(length > 0, length, 1.0)
    return np.rint(np.clip(unit, -1.0, 1.0) * 32767.0).astype(np.int16)


def pack_colors(colors: np.ndarray) -> np.ndarray:
    """(n, 4) RGBA in [0, 1] -> (n,) uint32 whose bytes, in memory order, are R, G, B, A."""
    rgba8 = (np.clip(colors, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return np.ascontiguousarray(rgba8).view(np.uint32).reshape(-1)


def _part_bounds(n_parts: int, batches: list[Batch]) -> np.ndarray:
    """(n_parts, 2, 3) part-frame boxes. A batch holds each part's vertices in runs: reduce
    each run in one ``reduceat`` pass, then the few runs per part (``ufunc.at`` over every
    vertex took 0.44 s on 1.2M triangles)."""
    lo = np.full((n_parts, 3), np.inf, dtype=np.float32)
    hi = np.full((n_parts, 3), -np.inf, dtype=np.float32)
    for b in batches:
        if not len(b.vertices):
            continue
        part = b.vertices[:, PART_WORD].astype(np.int64)
        starts = np.flatnonzero(np.r_[True, part[1:] != part[:-1]])
        xyz = b.vertices[:, :3]
        np.minimum.at(lo, part[starts], np.minimum.reduceat(xyz, starts))
        np.maximum.at(hi, part[starts], np.maximum.reduceat(xyz, starts))
    return np.stack([lo, hi], axis=1)


def _is_blended(scene: Scene, material: int | None) -> bool:
    return material is not None and scene.materials[material].alpha_mode == "BLEND"
