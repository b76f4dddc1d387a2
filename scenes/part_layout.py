"""Where parts are and start: which parts can be grabbed, their authored bounds, and the
start layouts a scenario can ask for ("tray" beside the assembly, "exploded" around it).

Kept apart from the scenario model and from the proposed order, which both use it, so the
scenario model (scenario_model.py) needs nothing that needs it back.
"""

from __future__ import annotations

import numpy as np

from scenes.model import Scene


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
