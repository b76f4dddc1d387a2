"""A scenario proposed from a bare multi-part model: every part starts beside the
assembly and belongs at its authored pose.

Order rule (documented, and editable afterwards in the saved scenario file): the proposed
assembly order is the reverse of a disassembly found from the geometry
(scenes/disassembly.py). A part can leave what is left of the assembly when some
direction is free: sliding it that way to infinity meets no other remaining part (the
world axes, then the part's own axes: a bolt, shaft or pin leaves along its axis). Touching
is not meeting: mated faces within the 0.5 mm contact tolerance do not block, so a part
resting on another lifts off, and parts that already overlap at their places (a press
fit) are not blocked by that overlap. Among the parts free to leave the smallest leaves
first, so bases and housings are placed first and fasteners last; equal parts are placed
in their listed order. A part B goes before a part A (A's step *requires* B's) when A, in
place, would block B's way in, or when A and B touch (A rests on B, a nut on its bolt);
requirements implied by others are left out. When no part can leave (interlocked or badly
modelled parts: the balls of a bearing between its rings) the least blocked one is
released anyway, and that step cannot be done without cutting through its blockers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scenes.disassembly import plan_disassembly
from scenes.model import Scene, SceneError


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
    return plan_disassembly(scene, part_ids).order


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
