"""The in-memory scene: a node tree with meshes, materials and parts.

Every loader (glTF/GLB, OBJ, STL, PLY) produces this one model, so the renderer, the
spatial index and the interaction engine never care where a scene came from.

Conventions: metres, right-handed, Y-up (glTF's). 4x4 matrices are float64, column
vectors (``world = parent @ local``), translation in the last column.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class SceneError(Exception):
    """A model, scenario or recording file that cannot be used.

    ``str(err)`` is one line naming the file and the problem in words a designer
    understands; the GUI shows it in a dialog, the CLI prints it on stderr.
    """

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        self.message = message
        # names and values quoted from a hostile file may hold line breaks: one line, always
        super().__init__(f"{self.path}: {message}".replace("\r", "\\r").replace("\n", "\\n"))


@dataclass
class Material:
    """A glTF metallic-roughness material reduced to what the renderer draws."""

    name: str = ""
    base_color: tuple[float, float, float, float] = (0.8, 0.8, 0.8, 1.0)
    #: (H, W, 4) uint8 RGBA base-colour texture, or None.
    texture: np.ndarray | None = None
    metallic: float = 0.0
    roughness: float = 0.6
    double_sided: bool = False
    #: "OPAQUE", "MASK" or "BLEND", as in glTF.
    alpha_mode: str = "OPAQUE"
    #: KHR_materials_unlit: drawn in its own colour, without lighting (baked scans)
    unlit: bool = False
    #: the texture's (wrapS, wrapT) as glTF's sampler gives them (OpenGL enums: 10497
    #: REPEAT, 33071 CLAMP_TO_EDGE, 33648 MIRRORED_REPEAT)
    texture_wrap: tuple[int, int] = (10497, 10497)


@dataclass
class Primitive:
    """One draw-able piece of a mesh with one material.

    positions : (n, 3) float32
    normals   : (n, 3) float32 or None (the loader fills flat normals when absent)
    uvs       : (n, 2) float32 or None
    indices   : (m, k) uint32 with k = 3 for triangles, 2 for lines, 1 for points
    colors    : (n, 4) float32 RGBA in [0, 1] or None; multiplies the material's colour
                (glTF COLOR_0, the vertex colours of scans in PLY / OBJ)
    """

    positions: np.ndarray
    indices: np.ndarray
    normals: np.ndarray | None = None
    uvs: np.ndarray | None = None
    material: int | None = None
    mode: str = "triangles"  # "triangles" | "lines" | "points"
    colors: np.ndarray | None = None

    @property
    def triangle_count(self) -> int:
        return int(self.indices.shape[0]) if self.mode == "triangles" else 0


@dataclass
class Mesh:
    name: str
    primitives: list[Primitive]

    @property
    def triangle_count(self) -> int:
        return sum(p.triangle_count for p in self.primitives)


@dataclass
class Node:
    """A node of the scene tree.

    ``path`` is unique in the scene (names are not: CAD assemblies repeat them), built
    from the names of the ancestors with an ``[i]`` suffix among equally named siblings;
    it identifies nodes and parts in scenarios and recordings.
    """

    index: int
    name: str
    path: str
    local: np.ndarray  # (4, 4) float64
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    mesh: int | None = None
    #: the CAD instance name ("nut_1", "-> Sphere 3") when the file has one besides the
    #: node's (product) name; "" otherwise (a STEP import sets it, see scenes/step_names.py)
    instance: str = ""


@dataclass(frozen=True)
class Part:
    """A movable unit: a node carrying a mesh whose ancestors carry none.

    Mesh-carrying descendants of a part move with it (they belong to the part).
    """

    id: str  # the node path: stable across sessions and loaders
    node: int
    display_name: str  # the node name, suffixed " #2", " #3"... when names repeat


class Scene:
    """A loaded scene. Geometry is immutable after loading; poses of moved parts live in
    the interaction engine's state, not here."""

    def __init__(
        self,
        source: str | Path,
        nodes: list[Node],
        meshes: list[Mesh],
        materials: list[Material],
        roots: list[int] | None = None,
        unit_scale: float = 1.0,
    ) -> None:
        self.source = Path(source)
        self.nodes = nodes
        self.meshes = meshes
        self.materials = materials
        self.roots = roots if roots is not None else [n.index for n in nodes if n.parent is None]
        #: metres per file unit, as declared or chosen by the user (glTF: 1.0)
        self.unit_scale = unit_scale
        #: mesh index -> (k, 3) unit axes of the mesh's cylinders (shafts, bolts, holes) in
        #: the mesh's coordinates, the most surface first; known from CAD (a STEP import,
        #: scenes/cad_axes.py), empty for other files. Hints for the disassembly planner's
        #: insertion directions and the snap's symmetry axes.
        self.axis_hints: dict[int, np.ndarray] = {}
        #: one-line notes on what was left out while loading (a STEP file's PMI, curves),
        #: for the status bar; the CLI logs them as warnings
        self.notes: list[str] = []
        #: how far the triangles may stray from the true surface (m): a STEP import's
        #: linear deflection; 0 when unknown (every other file)
        self.tessellation_m = 0.0

    # -- transforms ---------------------------------------------------------------
    @functools.cached_property
    def world_matrices(self) -> np.ndarray:
        """(n_nodes, 4, 4) float64 world matrix of every node, from the authored poses."""
        world = np.zeros((len(self.nodes), 4, 4))
        stack = [(r, np.eye(4)) for r in self.roots]
        while stack:
            i, parent = stack.pop()
            world[i] = parent @ self.nodes[i].local
            stack.extend((c, world[i]) for c in self.nodes[i].children)
        return world

    def world_matrix(self, node: int) -> np.ndarray:
        return self.world_matrices[node]

    # -- parts ----------------------------------------------------------------------
    @functools.cached_property
    def parts(self) -> list[Part]:
        parts: list[Part] = []
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.name] = counts.get(node.name, 0) + (node.mesh is not None)
        seen: dict[str, int] = {}

        def visit(i: int) -> None:
            node = self.nodes[i]
            if node.mesh is not None:
                seen[node.name] = seen.get(node.name, 0) + 1
                label = node.name or f"node {i}"
                if counts.get(node.name, 0) > 1:
                    label = f"{label} #{seen[node.name]}"
                parts.append(Part(id=node.path, node=i, display_name=label))
                return
            for c in node.children:
                visit(c)

        for r in self.roots:
            visit(r)
        return parts

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    def part_nodes(self, part: Part) -> list[int]:
        """The part's node and all its descendants (they move together)."""
        out, stack = [], [part.node]
        while stack:
            i = stack.pop()
            out.append(i)
            stack.extend(self.nodes[i].children)
        return out

    # -- geometry summaries -----------------------------------------------------------
    @functools.cached_property
    def triangle_count(self) -> int:
        return sum(self.meshes[n.mesh].triangle_count for n in self.nodes if n.mesh is not None)

    def node_bounds(self, nodes: list[int] | None = None) -> np.ndarray | None:
        """(2, 3) tight world-space axis-aligned bounds of the given nodes' meshes (all when None)."""
        each = self.each_node_bounds
        rows = each if nodes is None else each[list(nodes)]
        if not len(rows):
            return None
        lo, hi = rows[:, 0].min(axis=0), rows[:, 1].max(axis=0)
        if not np.all(np.isfinite(lo)):
            return None
        return np.stack([lo, hi])

    @functools.cached_property
    def each_node_bounds(self) -> np.ndarray:
        """(n_nodes, 2, 3) tight world bounds of each node's own mesh (+inf / -inf for a node
        without vertices): computed once, so part bounds, layouts and framing do not walk
        the vertices again (on a 1.2 M-triangle model that walk held the window 0.25 s)."""
        out = np.empty((len(self.nodes), 2, 3))
        out[:, 0], out[:, 1] = np.inf, -np.inf
        for i, node in enumerate(self.nodes):
            if node.mesh is None:
                continue
            m = self.world_matrices[i]
            for prim in self.meshes[node.mesh].primitives:
                if len(prim.positions) == 0:
                    continue
                world = prim.positions @ m[:3, :3].T + m[:3, 3]
                out[i, 0] = np.minimum(out[i, 0], world.min(axis=0))
                out[i, 1] = np.maximum(out[i, 1], world.max(axis=0))
        return out

    @functools.cached_property
    def bounds(self) -> np.ndarray | None:
        """(2, 3) world-space bounds of the whole scene, None for a scene without geometry."""
        return self.node_bounds()

    def __repr__(self) -> str:
        return (
            f"Scene({self.source.name!r}, nodes={len(self.nodes)}, parts={len(self.parts)}, "
            f"triangles={self.triangle_count})"
        )
