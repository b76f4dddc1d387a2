"""A scenario proposed from a bare multi-part model: every part starts beside the
assembly and belongs at its authored pose.

Order rule (documented, and editable afterwards in the saved scenario file): part A comes
before part B when A *supports* B — B's bounding box rests on A's top face within a small
contact tolerance along gravity (-Y), with B's footprint centre over A's footprint (so B
could stand on A; a nut hanging under a plate does not "support" it) — or when A
*encloses* B — A is larger and its bounding box takes in at least 10 % of B's (B sits in
A or passes through it: a pin in a housing, a bolt through a plate, a rod through
brackets). Those relations become the steps' ``requires``; among the parts free to go
next the larger bounding box goes first (bases and housings before fasteners), then the
part id, so the order is deterministic.
"""

from __future__ import annotations

import heapq
from pathlib import Path

import numpy as np

from scenes.model import Scene, SceneError

#: contact tolerance as a share of the assembly's diagonal
CONTACT_EPS = 0.01
#: a larger part goes first when its box takes in this share of a smaller part's box
OVERLAP_SHARE = 0.1


def solid_parts(scene: Scene) -> list[str]:
    """Ids of the parts that have triangles (lines and points can be drawn, not grabbed)."""
    return [
        p.id
        for p in scene.parts
        if any(
            scene.meshes[scene.nodes[i].mesh].triangle_count
            for i in scene.part_nodes(p)
            if scene.nodes[i].mesh is not None
        )
    ]


def part_bounds(scene: Scene, part_ids: list[str]) -> np.ndarray:
    """(n, 2, 3) authored world bounds of the parts (a degenerate box for empty parts)."""
    out = np.zeros((len(part_ids), 2, 3))
    for i, pid in enumerate(part_ids):
        part = scene.part(pid)
        b = scene.node_bounds(scene.part_nodes(part))
        if b is None:
            centre = scene.world_matrix(part.node)[:3, 3]
            b = np.stack([centre, centre])
        out[i] = b
    return out


def propose_order(scene: Scene, part_ids: list[str]) -> list[tuple[str, list[str]]]:
    """Parts in assembly order, each with the parts it directly requires (see module doc)."""
    bounds = part_bounds(scene, part_ids)
    lo, hi = bounds[:, 0], bounds[:, 1]
    size = hi - lo
    volume = np.prod(np.maximum(size, 1e-9), axis=1)
    diag = float(np.linalg.norm(hi.max(axis=0) - lo.min(axis=0))) or 1.0
    eps = CONTACT_EPS * diag
    n = len(part_ids)
    # supports[a, b]: b rests on a's top (contact along -Y) with b's footprint centre over a
    centre = (lo + hi) / 2
    over = np.all(
        (lo[:, None, [0, 2]] <= centre[None, :, [0, 2]]) & (centre[None, :, [0, 2]] <= hi[:, None, [0, 2]]),
        axis=2,
    )
    rests = np.abs(lo[None, :, 1] - hi[:, None, 1]) <= eps
    supports = over & rests
    # encloses[a, b]: a's box takes in a good share of smaller b's box (b sits in or passes through a)
    inter = np.prod(np.clip(np.minimum(hi[:, None], hi[None, :]) - np.maximum(lo[:, None], lo[None, :]), 0, None), axis=2)
    encloses = (inter >= OVERLAP_SHARE * volume[None, :]) & (volume[:, None] > volume[None, :])
    before = (supports | encloses) & ~np.eye(n, dtype=bool)
    before &= ~(before.T & (volume[:, None] < volume[None, :]))  # mutual: the larger goes first

    requires = {j: [i for i in range(n) if before[i, j]] for j in range(n)}
    indegree = before.sum(axis=0).astype(int)
    key = [(-float(volume[i]), part_ids[i], i) for i in range(n)]
    ready = [key[i] for i in range(n) if indegree[i] == 0]
    heapq.heapify(ready)
    done: list[int] = []
    remaining = set(range(n))
    while remaining:
        if not ready:  # a cycle: release the largest remaining part
            i = min(remaining, key=lambda k: key[k])
            indegree[i] = 0
            requires[i] = [r for r in requires[i] if r in done]
            heapq.heappush(ready, key[i])
        _, _, i = heapq.heappop(ready)
        if i not in remaining:
            continue
        remaining.discard(i)
        done.append(i)
        for j in np.flatnonzero(before[i]):
            indegree[j] -= 1
            if indegree[j] == 0 and j in remaining:
                heapq.heappush(ready, key[j])
    rank = {i: k for k, i in enumerate(done)}
    return [(part_ids[i], [part_ids[r] for r in sorted(requires[i], key=rank.__getitem__)]) for i in done]


def layout_parts(scene: Scene, part_ids: list[str], kind: str) -> dict[str, np.ndarray]:
    """Start world matrices: "tray" (on the ground beside the assembly, in rows, no
    overlaps, authored orientation) or "exploded" (pushed out from the assembly centre)."""
    bounds = part_bounds(scene, part_ids)
    all_lo, all_hi = bounds[:, 0].min(axis=0), bounds[:, 1].max(axis=0)
    diag = float(np.linalg.norm(all_hi - all_lo)) or 1.0
    out: dict[str, np.ndarray] = {}
    if kind == "exploded":
        centre = (all_lo + all_hi) / 2
        for pid, b in zip(part_ids, bounds, strict=True):
            away = (b[0] + b[1]) / 2 - centre
            dist = float(np.linalg.norm(away))
            direction = away / dist if dist > 1e-9 * diag else np.array([0.0, 1.0, 0.0])
            out[pid] = _moved(scene, pid, direction * (dist + 0.5 * diag))
        return out
    sizes = bounds[:, 1] - bounds[:, 0]
    gap = 0.15 * float(sizes.max())
    row_width = max(float(all_hi[0] - all_lo[0]), float(sizes[:, 0].max()))
    x0 = float(all_hi[0]) + 0.5 * diag
    x, z, row_depth = x0, float(all_lo[2]), 0.0
    for pid, b, size in zip(part_ids, bounds, sizes, strict=True):
        if x > x0 and x + size[0] > x0 + row_width:
            x, z, row_depth = x0, z + row_depth + gap, 0.0
        shift = np.array([x - b[0, 0], all_lo[1] - b[0, 1], z - b[0, 2]])
        out[pid] = _moved(scene, pid, shift)
        x += size[0] + gap
        row_depth = max(row_depth, float(size[2]))
    return out


def _moved(scene: Scene, part_id: str, shift: np.ndarray) -> np.ndarray:
    m = scene.world_matrix(scene.part(part_id).node).copy()
    m[:3, 3] += shift
    return m


def proposed_steps(scene: Scene, part_ids: list[str]) -> list:  # -> list[Step] (import cycle)
    """One step per part, in the proposed order, requiring the steps of its supports."""
    from scenes.scenario import Step

    if not part_ids:
        return []
    order = propose_order(scene, part_ids)
    step_of = {pid: f"step{i + 1}" for i, (pid, _) in enumerate(order)}
    return [
        Step(id=step_of[pid], parts=[pid], requires=[step_of[r] for r in reqs],
             label=f"Place {scene.part(pid).display_name}")
        for pid, reqs in order
    ]


def auto_scenario(scene: Scene, model_path: str | Path):  # -> Scenario (import cycle)
    """The proposed scenario for a bare model (see the module doc for the order rule)."""
    from scenes.scenario import Scenario

    part_ids = solid_parts(scene)
    if not part_ids:
        raise SceneError(model_path, "the model has no parts with triangles to assemble")
    steps = proposed_steps(scene, part_ids)
    return Scenario(model=Path(model_path).resolve(), parts=[s.parts[0] for s in steps], targets=None,
                    layout="tray", steps=steps, scene=scene)
