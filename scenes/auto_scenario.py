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

from scenes.disassembly import plan_disassembly
from scenes.model import Scene, SceneError
from scenes.part_layout import solid_parts
from scenes.scenario_model import Scenario, Step


def propose_order(scene: Scene, part_ids: list[str]) -> list[tuple[str, list[str]]]:
    """Parts in assembly order, each with the parts it directly requires (see module doc)."""
    return plan_disassembly(scene, part_ids).order


def proposed_steps(scene: Scene, part_ids: list[str]) -> list[Step]:
    """One step per part, in the proposed order, requiring the steps of its supports."""
    if not part_ids:
        return []
    order = propose_order(scene, part_ids)
    step_of = {pid: f"step{i + 1}" for i, (pid, _) in enumerate(order)}
    return [
        Step(id=step_of[pid], parts=[pid], requires=[step_of[r] for r in reqs],
             label=f"Place {scene.part(pid).display_name}")
        for pid, reqs in order
    ]


def auto_scenario(scene: Scene, model_path: str | Path) -> Scenario:
    """The proposed scenario for a bare model (see the module doc for the order rule)."""
    part_ids = solid_parts(scene)
    if not part_ids:
        raise SceneError(model_path, "the model has no parts with triangles to assemble")
    steps = proposed_steps(scene, part_ids)
    return Scenario(model=Path(model_path).resolve(), parts=[s.parts[0] for s in steps], targets=None,
                    layout="tray", steps=steps, scene=scene)
