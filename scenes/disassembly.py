"""Disassembly planning: an assembly order that can be carried out, found by taking the
assembly apart (the assembly order is the reverse of a disassembly sequence).

A part can leave the parts still in the assembly when some direction is *free*: sliding it
along that direction to infinity meets none of them. Directions tried, in this order of
preference: the axes of the part's cylinders where CAD gives them (a STEP import's
``Scene.axis_hints``: a bolt goes in along its shank, a bracket along its holes), the
world axes (+Y, -X, +Z, -Z, +X, -Y: the autopilot's order), then the part's own axes
guessed from its mesh: the principal axes of its surface (the axis of a bolt, shaft or
pin) and of its face normals (the axis of a short cylinder-like part: a washer, a gland).

"Meets" is decided with rays through Embree (embreex), for each pair of parts whose boxes
meet the sweep: rays from sample points of the moving part (its vertices and area-weighted
points on its faces) along the direction against the other part, and from the other
part's sample points the opposite way against the moving part (an edge or a corner of the
other part poking into the moving part's path). Sample points are first moved *into*
their own part by the contact tolerance (0.5 mm, the engine's collision tolerance), as the
engine insets a moving part: faces that touch (mated CAD faces, a part resting on another)
or overlap by less than that do not block, so a part resting on another lifts off and a
pin slides out of the hole it fits. A ray that starts inside the other part (the two
already overlap at their places, deeper than the tolerance: a press fit, a modelling
error) counts only if it enters the other part again after leaving it: no order can avoid
an overlap that is there in the assembled model. Whether part j blocks part i along d does
not depend on the other parts, so each (i, d, j) is cast once (AS1, 18 parts: ~0.07 s;
PM4, 32 parts and 99k triangles: ~0.7 s).

The sequence: among the parts free to leave the smallest (the volume of its box along its
principal axes) goes first, then the one listed last, so the reversed order places large
parts (bases, housings) first and equal parts in their listed order; each part keeps its
first free direction, its removal direction (it goes in the opposite way). When no part is
free (interlocked or badly modelled parts) the least blocked part (fewest blockers along
its best direction, then the smallest) is released anyway, along the way that cuts through
the least (fewest rays stopped), and marked ``blocked``.

Precedence: in the assembly order, part A requires part B (placed before A) when A, in
place, would block B's way in along B's direction, or when A and B touch (A rests on B, a
nut on its bolt). Requirements implied by others are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from embreex import rtcore_scene
from embreex.mesh_construction import TriangleMesh

from scenes.cad_axes import hinted_axes
from scenes.model import Scene
from scenes.vertex_normals import welded_normals

#: contact tolerance in metres: surfaces this close touch, and a part may pass another
#: this close (or overlapping it this deep). The engine's default collision tolerance
#: (interaction.params.InteractionParams.collision_tolerance_mm), so that what the
#: planner calls free the engine does not call a collision.
CONTACT_TOLERANCE_M = 0.0005
#: spacing of the area-weighted sample points on faces, as a share of the diagonal
SAMPLE_SHARE = 0.01
#: at most this many sample points per part on faces, and this many vertices
MAX_FACE_SAMPLES = 4000
MAX_VERTEX_SAMPLES = 20000
#: two directions closer than this (cosine) are the same candidate
SAME_DIRECTION = float(np.cos(np.radians(2.0)))
#: the world axes, in the autopilot's order of approach: above, sideways away from the
#: tray (which lies on +X), then from below
WORLD_AXES = tuple(np.array(d, dtype=float) for d in (
    (0, 1, 0), (-1, 0, 0), (0, 0, 1), (0, 0, -1), (1, 0, 0), (0, -1, 0)))


@dataclass
class Solid:
    """One part's triangles in world space, with what the ray tests need."""

    #: (m, 3, 3) world triangles
    triangles: np.ndarray
    #: (k, 3) sample points moved into the part by the contact tolerance
    samples: np.ndarray
    #: candidate removal directions (unit rows), in order of preference
    directions: np.ndarray
    #: (2, 3) world box
    box: np.ndarray
    #: volume of the box along the part's principal axes (the sequence's size key)
    size: float
    #: +1 when the triangles wind outwards (Embree's geometric normal points out), else -1
    winding: float = 1.0
    _bvh: rtcore_scene.EmbreeScene | None = field(default=None, repr=False)

    def bvh(self) -> rtcore_scene.EmbreeScene:
        if self._bvh is None:
            scene = rtcore_scene.EmbreeScene()
            TriangleMesh(scene, np.ascontiguousarray(self.triangles, dtype=np.float32))
            self._bvh = scene
        return self._bvh


def make_solid(vertices: np.ndarray, faces: np.ndarray, eps: float, spacing: float,
               preferred: np.ndarray | None = None) -> Solid | None:
    """A Solid of a triangle mesh in world space (None without triangles of any area).

    ``preferred``: (k, 3) unit world axes the part should try first, each both ways (the
    axes of its cylinders, known from CAD: a bolt goes in along its shank)."""
    vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    faces = np.asarray(faces, dtype=np.intp).reshape(-1, 3)
    tri = vertices[faces]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    twice_area = np.linalg.norm(cross, axis=1)
    keep = twice_area > 0
    if not keep.any():
        return None
    tri, cross, twice_area, faces = tri[keep], cross[keep], twice_area[keep], faces[keep]
    unit = cross / twice_area[:, None]
    # outward normals: the sign of the enclosed volume (inverted windings work too)
    inward = -1.0 if float(np.einsum("ij,ij->", tri[:, 0], cross)) >= 0 else 1.0
    area = twice_area / 2
    moved, corners, good = _inset(vertices, faces, tri, unit, eps * inward)
    points = _samples(tri, unit, area, moved, corners, good, eps * inward, spacing)
    centroids = tri.mean(axis=1)
    total = float(area.sum())
    mean = (area @ centroids) / total
    arm = centroids - mean
    cov = (arm * area[:, None]).T @ arm / total
    _, shape_axes = np.linalg.eigh(cov)  # ascending variance
    normal_cov = (unit * area[:, None]).T @ unit / total
    _, normal_axes = np.linalg.eigh(normal_cov)
    flat = tri.reshape(-1, 3)
    extent = np.ptp(flat @ shape_axes, axis=0)
    candidates = []
    for d in [*_both_ways(preferred), *WORLD_AXES]:
        if all(float(d @ c) < SAME_DIRECTION for c in candidates):
            candidates.append(d)
    for axes in (shape_axes[:, ::-1], normal_axes):
        for k in range(3):
            a = axes[:, k] / np.linalg.norm(axes[:, k])
            a = a if a[np.argmax(np.abs(a))] > 0 else -a  # a fixed sign: + first
            for d in (a, -a):
                if all(float(d @ c) < SAME_DIRECTION for c in candidates):
                    candidates.append(d)
    return Solid(
        triangles=tri,
        samples=points,
        directions=np.array(candidates),
        box=np.stack([flat.min(axis=0), flat.max(axis=0)]),
        size=float(np.prod(np.maximum(extent, 1e-12))),
        winding=-inward,
    )


def _both_ways(axes: np.ndarray | None) -> list[np.ndarray]:
    """Each axis and its opposite, the one nearer the world axes' order of preference
    first (+Y, then -X, +Z...: up and away from the tray before the other way)."""
    out: list[np.ndarray] = []
    for a in [] if axes is None else np.asarray(axes, dtype=float).reshape(-1, 3):
        norm = float(np.linalg.norm(a))
        if not np.isfinite(norm) or norm == 0:
            continue
        a = a / norm
        out.extend(sorted((a, -a), key=lambda d: tuple(-round(float(d @ w), 9) for w in WORLD_AXES)))
    return out


def _inset(vertices: np.ndarray, faces: np.ndarray, tri: np.ndarray, unit: np.ndarray,
           depth: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The surface moved ``depth`` along its normals (negative: inward), as the engine
    insets a moving part: vertices are welded by position, then each moves along its
    angle-weighted normal, stretched so every face plane through it moves by the full
    depth (3x at most, at sharp edges). Returns the moved welded vertices, the triangles'
    corners into them, and which moved vertices lie at least half the depth behind every
    face through them (not so where the normals cancel: bodies of one part meeting at a
    vertex, faces folded back)."""
    positions, corners, normals, lowest = welded_normals(vertices, faces, tri, unit)
    moved = positions + (depth / np.clip(lowest, 1.0 / 3.0, 1.0))[:, None] * normals
    behind = np.full(len(positions), np.inf)
    shift = moved - positions
    for k in range(3):
        np.minimum.at(behind, corners[:, k], np.einsum("ij,ij->i", unit, shift[corners[:, k]]) / depth)
    return moved, corners, behind >= 0.5


def _samples(tri: np.ndarray, unit: np.ndarray, area: np.ndarray, moved: np.ndarray, corners: np.ndarray,
             good: np.ndarray, depth: float, spacing: float) -> np.ndarray:
    """Sample points ``depth`` into the part: the moved vertices that are (evenly thinned
    to MAX_VERTEX_SAMPLES), and area-weighted points on the moved triangles, centroids of
    large ones included (a fixed seed: the same points every time), pushed along their
    face's normal where the moved corners left them short of the depth."""
    used = np.unique(corners)
    used = used[good[used]]
    if len(used) > MAX_VERTEX_SAMPLES:
        used = used[np.linspace(0, len(used) - 1, MAX_VERTEX_SAMPLES).astype(np.intp)]
    count = int(min(MAX_FACE_SAMPLES, float(area.sum()) / spacing**2))
    rng = np.random.default_rng(0)
    which = rng.choice(len(area), size=count, p=area / area.sum()) if count else np.zeros(0, np.intp)
    big = np.flatnonzero(area > spacing**2 / 4)[:MAX_FACE_SAMPLES]
    which = np.concatenate([big, which])
    r = rng.random((len(which), 2))
    r[: len(big)] = 1.0 / 3.0
    flip = r.sum(axis=1) > 1
    r[flip] = 1 - r[flip]

    def at(t: np.ndarray) -> np.ndarray:
        return t[:, 0] + r[:, :1] * (t[:, 1] - t[:, 0]) + r[:, 1:] * (t[:, 2] - t[:, 0])

    pts, on_face, n = at(moved[corners[which]]), at(tri[which]), unit[which]
    short = 1.0 - np.einsum("ij,ij->i", pts - on_face, n) / depth
    pts += np.maximum(short, 0.0)[:, None] * depth * n
    return np.concatenate([moved[used], pts])


# -- blocking ----------------------------------------------------------------------------
def _basis(d: np.ndarray) -> np.ndarray:
    """(3, 3) rows u, v, d: an orthonormal basis with unit d last."""
    x, y, z = (float(c) for c in d)
    u = (0.0, z, -y) if abs(x) < 0.9 else (-z, 0.0, x)  # d x (1, 0, 0), or d x (0, 1, 0)
    n = (u[0] ** 2 + u[1] ** 2 + u[2] ** 2) ** 0.5
    u = (u[0] / n, u[1] / n, u[2] / n)
    v = (y * u[2] - z * u[1], z * u[0] - x * u[2], x * u[1] - y * u[0])
    return np.array([u, v, (x, y, z)])


_CORNERS = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)])


def _projected_boxes(boxes: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """(n, 2, 3) boxes in the (u, v, d) basis (bounds of the projected corners)."""
    corners = boxes[:, _CORNERS, [0, 1, 2]]  # (n, 8, 3)
    proj = corners @ basis.T
    return np.stack([proj.min(axis=1), proj.max(axis=1)], axis=1)


def _meets(target: Solid, origins: np.ndarray, d: np.ndarray, step: float, count: bool = False) -> int:
    """How many rays from ``origins`` along ``d`` meet ``target``'s surface from outside
    (with ``count`` False: 1 as soon as one does, else 0)?

    A ray that first leaves the target started inside it: the two parts already overlap
    there at their places (a press fit, a modelling error). That overlap is no obstacle the
    order can avoid, so the ray goes on from where it left (a second wall still counts).
    "Inside" is confirmed by the ray backwards leaving too (an open surface has no inside).
    """
    scene = target.bvh()
    o = np.ascontiguousarray(origins, dtype=np.float32)
    d32 = d.astype(np.float32)
    met = 0
    for _ in range(4):
        if not len(o):
            return met
        dirs = np.ascontiguousarray(np.broadcast_to(d32, o.shape))
        hit = scene.run(o, dirs, output=1)
        got = hit["geomID"] >= 0
        o, ng, t = o[got], hit["Ng"][got], hit["tfar"][got]
        leaving = target.winding * (ng @ d32) > 0
        met += int(np.count_nonzero(~leaving))
        if met and not count:
            return 1
        o, t = o[leaving], t[leaving]
        back = scene.run(o, np.ascontiguousarray(-dirs[: len(o)]), output=1)
        inside = (back["geomID"] >= 0) & (target.winding * (back["Ng"] @ -d32) > 0)
        met += int(np.count_nonzero(~inside))
        if met and not count:
            return 1
        o = o[inside] + (t[inside] + step)[:, None] * d32
    # still inside after four walls: count them as met (a maze of overlaps is no way out)
    return met + len(o) if count else int(bool(met + len(o)))


def _in_sweep(boxes: np.ndarray, moving: int, eps: float) -> np.ndarray:
    """Which of the (n, 2, 3) boxes, projected on (u, v, d), meet the sweep of box
    ``moving`` along d: overlapping it across d and reaching ahead of its back."""
    pm = boxes[moving]
    return (
        np.all(boxes[:, 0, :2] <= pm[1, :2] + eps, axis=1)
        & np.all(boxes[:, 1, :2] >= pm[0, :2] - eps, axis=1)
        & (boxes[:, 1, 2] >= pm[0, 2] + eps)
    )


def blocks(moving: Solid, other: Solid, d: np.ndarray, eps: float, basis: np.ndarray | None = None,
           count: bool = False) -> int:
    """Does ``other`` stand in the way of ``moving`` sent along unit ``d`` to infinity?
    (1 or 0; with ``count``, how many rays it stops.) ``basis``: ``_basis(d)``, when the
    caller has it."""
    basis = _basis(d) if basis is None else basis
    boxes = _projected_boxes(np.stack([moving.box, other.box]), basis)
    if not _in_sweep(boxes, 0, eps)[1]:
        return 0  # the sweep passes beside, or the other part lies behind
    pm, po = boxes
    # the moving part's points, forward, against the other part
    s = moving.samples @ basis.T
    near = np.all((s[:, :2] >= po[0, :2] - eps) & (s[:, :2] <= po[1, :2] + eps), axis=1) & (s[:, 2] <= po[1, 2])
    met = _meets(other, moving.samples[near], d, 0.01 * eps, count)
    if met and not count:
        return 1
    # the other part's points, backward, against the moving part
    s = other.samples @ basis.T
    near = np.all((s[:, :2] >= pm[0, :2] - eps) & (s[:, :2] <= pm[1, :2] + eps), axis=1) & (s[:, 2] >= pm[0, 2])
    return met + _meets(moving, other.samples[near], -d, 0.01 * eps, count)


def touching(a: Solid, b: Solid, eps: float) -> bool:
    """Do the surfaces of two parts come within about the contact tolerance of each other?
    (Boxes first; then any of ``a``'s sample points, which sit ``eps`` inside ``a``, within
    ``3 eps`` of ``b``'s surface along the six world axes.)"""
    reach = 3 * eps
    if np.any(a.box[0] > b.box[1] + reach) or np.any(b.box[0] > a.box[1] + reach):
        return False
    pts = a.samples[np.all((a.samples >= b.box[0] - reach) & (a.samples <= b.box[1] + reach), axis=1)]
    if not len(pts):
        return False
    scene = b.bvh()
    o = np.ascontiguousarray(pts, dtype=np.float32)
    for d in WORLD_AXES:
        dirs = np.ascontiguousarray(np.broadcast_to(d.astype(np.float32), o.shape))
        hit = scene.run(o, dirs, dists=np.full(len(o), reach, np.float32), output=1)
        if (hit["geomID"] >= 0).any():
            return True
    return False


# -- the plan ---------------------------------------------------------------------------------
@dataclass
class Removal:
    part: str
    #: unit world direction the part leaves along (it goes in the opposite way)
    direction: np.ndarray
    #: released although no direction was free (it cuts through ``blockers`` on its way)
    blocked: bool = False
    blockers: list[str] = field(default_factory=list)


@dataclass
class Plan:
    #: the disassembly sequence
    removals: list[Removal]
    #: assembly order: (part id, ids of the parts it directly requires), as propose_order
    order: list[tuple[str, list[str]]]

    def direction(self, part_id: str) -> np.ndarray | None:
        for r in self.removals:
            if r.part == part_id:
                return r.direction
        return None


def scene_solids(scene: Scene, part_ids: list[str], eps: float, spacing: float) -> list[Solid | None]:
    """A world-space Solid per part, at its authored pose (None for parts without area)."""
    out: list[Solid | None] = []
    for pid in part_ids:
        verts, faces, count = [], [], 0
        preferred = hinted_axes(scene, scene.part_nodes(scene.part(pid)), np.eye(4))
        for i in scene.part_nodes(scene.part(pid)):
            node = scene.nodes[i]
            if node.mesh is None:
                continue
            m = scene.world_matrix(i)
            for prim in scene.meshes[node.mesh].primitives:
                if prim.mode != "triangles" or prim.triangle_count == 0:
                    continue
                verts.append(prim.positions.astype(np.float64) @ m[:3, :3].T + m[:3, 3])
                faces.append(prim.indices.astype(np.intp).reshape(-1, 3) + count)
                count += len(prim.positions)
        out.append(make_solid(np.concatenate(verts), np.concatenate(faces), eps, spacing, preferred)
                   if faces else None)
    return out



def plan_disassembly(scene: Scene, part_ids: list[str], tolerance_m: float = CONTACT_TOLERANCE_M) -> Plan:
    """The disassembly sequence of the parts at their authored poses, and the assembly
    order derived from it (see the module doc). Never raises on geometry: parts without
    triangles leave first along +Y, interlocked parts are released as ``blocked``."""
    bounds = scene.bounds
    diag = float(np.linalg.norm(bounds[1] - bounds[0])) if bounds is not None else 0.0
    spacing = SAMPLE_SHARE * diag if diag > 0 else 1.0
    return plan_from_solids(part_ids, scene_solids(scene, part_ids, tolerance_m, spacing), tolerance_m)


def plan_from_solids(part_ids: list[str], solids: list[Solid | None], eps: float) -> Plan:
    """``plan_disassembly`` on solids already built (one per part id, None: no triangles)."""
    n = len(part_ids)
    present = np.array([s is not None for s in solids], dtype=bool)
    boxes = np.array([s.box if s is not None else np.zeros((2, 3)) for s in solids]).reshape(n, 2, 3)
    no_directions = np.array(WORLD_AXES[:1])
    directions = [s.directions if s is not None else no_directions for s in solids]
    #: (i, k) -> (basis of direction k of part i, ids of the parts whose boxes meet its sweep)
    sweeps: dict[tuple[int, int], tuple[np.ndarray, list[int]]] = {}
    cache: dict[tuple[int, int, int], bool] = {}

    def sweep(i: int, k: int) -> tuple[np.ndarray, list[int]]:
        if (i, k) not in sweeps:
            basis = _basis(directions[i][k])
            near = _in_sweep(_projected_boxes(boxes, basis), i, eps) & present
            near[i] = False
            sweeps[i, k] = basis, np.flatnonzero(near).tolist() if solids[i] is not None else []
        return sweeps[i, k]

    def blocked_by(i: int, k: int, j: int) -> bool:
        """Does part j stand in the way of part i leaving along its k-th direction?"""
        key = (i, k, j)
        if key not in cache:
            basis, near = sweep(i, k)
            a, b = solids[i], solids[j]
            cache[key] = j in near and a is not None and b is not None and bool(
                blocks(a, b, directions[i][k], eps, basis))
        return cache[key]

    def stopped_rays(i: int, k: int, j: int) -> int:
        a, b = solids[i], solids[j]
        assert a is not None and b is not None
        return blocks(a, b, directions[i][k], eps, sweep(i, k)[0], count=True)

    remaining = set(range(n))
    #: (i, k) -> a remaining part known to block it (checked first next time)
    witness: dict[tuple[int, int], int] = {}

    def blocked(i: int, k: int) -> bool:
        w = witness.get((i, k))
        if w is not None and w in remaining:
            return True
        for j in sweep(i, k)[1]:
            if j in remaining and blocked_by(i, k, j):
                witness[i, k] = j
                return True
        return False

    size_key = [float(f"{s.size:.3g}") if s is not None else 0.0 for s in solids]
    removed: list[int] = []
    chosen: list[int] = [0] * n
    removals: list[Removal] = []
    while remaining:
        # smallest first; among equals the one listed last (the assembly lists them in order)
        candidates = sorted(remaining, key=lambda i: (size_key[i], -i))
        pick = next(((i, k, []) for i in candidates for k in range(len(directions[i])) if not blocked(i, k)), None)
        if pick is None:  # interlocked (or overlapping): release the least blocked part
            ranked = []
            for i in candidates:
                for k in range(len(directions[i])):
                    blockers = [j for j in sweep(i, k)[1] if j in remaining and blocked_by(i, k, j)]
                    ranked.append((len(blockers), i, k, blockers))
            fewest = min(r[0] for r in ranked)
            i = next(r[1] for r in ranked if r[0] == fewest)
            # its way out: the one that cuts through the least (fewest rays stopped)
            ways = [(sum(stopped_rays(i, k, j) for j in blockers), k, blockers)
                    for n_blockers, i2, k, blockers in ranked if i2 == i and n_blockers == fewest]
            _, k, blockers = min(ways, key=lambda w: (w[0], w[1]))
            pick = (i, k, blockers)
        i, k, blockers = pick
        remaining.discard(i)
        removed.append(i)
        chosen[i] = k
        removals.append(Removal(part_ids[i], directions[i][k].copy(), bool(blockers),
                                [part_ids[j] for j in sorted(blockers)]))

    # precedence in the assembly order (the removal order reversed)
    assembly = removed[::-1]
    pos = {i: p for p, i in enumerate(assembly)}
    before: list[set[int]] = [set() for _ in range(n)]
    for b in assembly:  # a part placed later that would stand in b's way in
        for a in sweep(b, chosen[b])[1]:
            if pos[a] > pos[b] and blocked_by(b, chosen[b], a):
                before[a].add(b)
    lo, hi = boxes[:, 0] - 3 * eps, boxes[:, 1] + 3 * eps
    for a in assembly:  # parts that touch: the one placed later requires the other
        sa = solids[a]
        if sa is None:
            continue
        close = np.flatnonzero(np.all(lo <= hi[a], axis=1) & np.all(hi >= lo[a], axis=1) & present)
        for b in close.tolist():
            sb = solids[b]
            if pos[b] < pos[a] and b not in before[a] and sb is not None and (
                    touching(sa, sb, eps) or touching(sb, sa, eps)):
                before[a].add(b)
    order = [(part_ids[a], [part_ids[b] for b in sorted(_direct(a, before), key=pos.__getitem__)])
             for a in assembly]
    return Plan(removals, order)


def _direct(a: int, before: list[set[int]]) -> set[int]:
    """``before[a]`` without the requirements implied through another one."""
    implied: set[int] = set()
    stack = [c for b in before[a] for c in before[b]]
    while stack:
        c = stack.pop()
        if c not in implied:
            implied.add(c)
            stack.extend(before[c])
    return before[a] - implied


def free_direction(moving: Solid, obstacles: list[Solid], eps: float = CONTACT_TOLERANCE_M) -> np.ndarray | None:
    """The first of ``moving``'s candidate directions along which it leaves its place
    without meeting any of ``obstacles`` (None when every one is blocked)."""
    for d in moving.directions:
        basis = _basis(d)
        if not any(blocks(moving, other, d, eps, basis) for other in obstacles):
            return d.copy()
    return None
