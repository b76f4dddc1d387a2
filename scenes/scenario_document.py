"""The scenario document: undoable edits of one Scenario, without Qt.

The designer places inspection points by clicking the model, reorders steps, edits
tolerances and variant parameters, places the desktop-AR marker (``set_anchor``); each of those is a command that knows how to undo
itself (scenes/undo.py), so Undo walks back through any mix of them. ``changed`` fires after
every do / undo / redo with what changed ("points", "steps", "tolerances", "variants" or
"anchor"),
and the app decides what to rebuild (parameter edits go to the running engine live;
structural edits restart the task). Being Qt-free, the same document runs headless, in tests,
and is what a second participant's copy of a session will mirror; the window wraps it in
actions and a signal (views/authoring.py).

Inspection points are stored the way scenario files keep them: in the clicked node's local
frame, so they stay on the surface when the part is moved or the model re-exported with the
same node paths.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from scenes.index import RayHit
from scenes.model import Scene
from scenes.scenario import InspectionPoint, Scenario, Step, save_scenario
from scenes.scenario_anchor import DEFAULT_DICTIONARY, Anchor, marker_frame
from scenes.transforms import matrix_to_pose, pose_to_matrix
from scenes.undo import Command, Listeners, UndoStack


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name pyside6-lupdate looks for
    """Marks an undo step's name for translation without Qt (context "Undo"; names of
    points, steps and variants stay out of it as ``{fields}``): the window shows it
    translated (views/authoring.py, which lists the same texts for lupdate)."""
    return text


def consistent_order(steps: list[Step]) -> list[Step]:
    """``steps`` in this order, each waiting only for steps listed before it (edges that
    point forward are dropped: the list is then an order the engine accepts). Steps whose
    ``requires`` change are new objects; the others are the same ones."""
    seen: set[str] = set()
    out = []
    for step in steps:
        kept = [r for r in step.requires if r in seen]
        out.append(step if kept == step.requires else dataclasses.replace(step, requires=kept))
        seen.add(step.id)
    return out


def node_world_matrix(scene: Scene, node: int, part_poses: dict[str, np.ndarray]) -> np.ndarray:
    """(4, 4) current world matrix of ``node``: its part's current pose carries it along."""
    world = scene.world_matrix(node)
    for part in scene.parts:
        if part.id in part_poses and node in scene.part_nodes(part):
            return part_poses[part.id] @ np.linalg.inv(scene.world_matrix(part.node)) @ world
    return world


def inspection_point_from_hit(
    scene: Scene,
    hit: RayHit,
    existing: list[InspectionPoint],
    part_poses: dict[str, np.ndarray] | None = None,
) -> InspectionPoint:
    """A new inspection point at a ray hit, in the hit node's local frame, with a fresh id."""
    world = node_world_matrix(scene, hit.node, part_poses or {})
    inv = np.linalg.inv(world)
    local_point = inv[:3, :3] @ hit.point + inv[:3, 3]
    # normals transform with the inverse transpose: local = M^T n for the world matrix M
    local_normal = world[:3, :3].T @ hit.normal
    local_normal /= np.linalg.norm(local_normal)
    taken = {p.id for p in existing}
    n = len(existing) + 1
    while f"P{n}" in taken:
        n += 1
    return InspectionPoint(
        id=f"P{n}", node=scene.nodes[hit.node].path, point=local_point, normal=local_normal
    )


def anchor_from_hit(
    scene: Scene,
    hit: RayHit,
    size_m: float,
    marker_id: int = 0,
    dictionary: str = DEFAULT_DICTIONARY,
    part_poses: dict[str, np.ndarray] | None = None,
    lost_after_s: float = 0.25,
) -> Anchor:
    """A marker anchor lying on the clicked face: centred at the hit point, its face along
    the hit's normal, its top edge as ``marker_frame`` chooses. Kept in the hit node's
    rigid frame (``Anchor.node``), like inspection points, so it stays on that part when
    the model is re-exported; ``part_poses`` are the parts' current poses (the hit is on
    the part where it is drawn)."""
    world = node_world_matrix(scene, hit.node, part_poses or {})
    rigid = pose_to_matrix(matrix_to_pose(world))  # Anchor.model_from_target drops scale too
    local = np.linalg.inv(rigid) @ marker_frame(hit.point, hit.normal)
    return Anchor(matrix_to_pose(local), marker_id=int(marker_id), size_m=float(size_m), dictionary=dictionary,
                  node=scene.nodes[hit.node].path, lost_after_s=lost_after_s)


class ScenarioDocument:
    """Undoable edits of one Scenario (see module docstring)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.stack = UndoStack()
        #: called with the kind of change after every do, undo and redo
        self.changed = Listeners()

    def add_inspection_point(self, point: InspectionPoint) -> None:
        points = self.scenario.inspection_points
        self._push(
            QT_TRANSLATE_NOOP("Undo", "Add inspection point {point}"),
            "points",
            lambda: points.append(point),
            lambda: points.remove(point),
            point=point.id,
        )

    def remove_inspection_point(self, point_id: str) -> None:
        points = self.scenario.inspection_points
        index = next(i for i, p in enumerate(points) if p.id == point_id)
        point = points[index]
        self._push(
            QT_TRANSLATE_NOOP("Undo", "Remove inspection point {point}"),
            "points",
            lambda: points.remove(point),
            lambda: points.insert(index, point),
            point=point_id,
        )

    def move_step(self, index: int, new_index: int) -> None:
        """Move a step in the list and make the precedence agree with the new order: a step
        no longer waits for steps now listed after it (the person put it before them).
        Steps that did not wait for each other keep not waiting; one undo step."""
        steps = self.scenario.steps
        if not (0 <= index < len(steps) and 0 <= new_index < len(steps)) or index == new_index:
            return
        order = list(steps)
        order.insert(new_index, order.pop(index))
        self._set_steps(QT_TRANSLATE_NOOP("Undo", "Move step {step}"), consistent_order(order),
                        step=steps[index].label or steps[index].id)

    def set_requires(self, step_id: str, requires: list[str]) -> None:
        """Make one step wait for ``requires`` (ids of steps listed before it)."""
        steps = self.scenario.steps
        position = {s.id: i for i, s in enumerate(steps)}
        i = position[step_id]
        wanted = [r for r in requires if position.get(r, len(steps)) < i]
        if wanted == steps[i].requires:
            return
        new = list(steps)
        new[i] = dataclasses.replace(steps[i], requires=wanted)
        self._set_steps(QT_TRANSLATE_NOOP("Undo", "Set what {step} waits for"), new, step=steps[i].label or step_id)

    def _set_steps(self, text: str, new: list[Step], **values: str) -> None:
        steps = self.scenario.steps
        old = list(steps)

        def put(v: list[Step]) -> None:
            steps[:] = v

        self._push(text, "steps", lambda: put(new), lambda: put(old), **values)

    def set_tolerance(self, name: str, value: float | None) -> None:
        """Set (or with None remove) a scenario tolerance: position_mm, angle_deg, magnet_mm."""
        tolerances = self.scenario.tolerances
        old = tolerances.get(name)
        if old == value:
            return

        def put(v: float | None) -> None:
            if v is None:
                tolerances.pop(name, None)
            else:
                tolerances[name] = float(v)

        self._push(QT_TRANSLATE_NOOP("Undo", "Set {name}"), "tolerances", lambda: put(value), lambda: put(old), name=name)

    def set_variant(
        self, variant: str, overrides: dict[str, Any], make_default: bool = False
    ) -> None:
        """Replace one variant's parameter overrides (creating the variant if new); with
        ``make_default`` it also becomes the scenario's default variant (one undo step)."""
        scenario = self.scenario
        variants = scenario.variants
        old, old_default = copy.deepcopy(variants.get(variant)), scenario.default_variant
        new = dict(overrides)
        new_default = variant if make_default else old_default
        if old == new and new_default == old_default:
            return

        def put(v: dict[str, Any] | None, default: str | None) -> None:
            if v is None:
                variants.pop(variant, None)
            else:
                variants[variant] = dict(v)
            scenario.default_variant = default

        self._push(
            QT_TRANSLATE_NOOP("Undo", "Edit variant {variant}"),
            "variants",
            lambda: put(new, new_default),
            lambda: put(old, old_default),
            variant=variant,
        )

    def set_anchor(self, anchor: Anchor | None) -> None:
        """Place (replace) the desktop-AR marker, or with None remove it."""
        scenario = self.scenario
        old = scenario.anchor
        if old is anchor:
            return

        def put(v: Anchor | None) -> None:
            scenario.anchor = v

        text = QT_TRANSLATE_NOOP("Undo", "Remove the AR marker") if anchor is None else QT_TRANSLATE_NOOP("Undo", "Place the AR marker")
        self._push(text, "anchor", lambda: put(anchor), lambda: put(old))

    def save(self, path: str | Path) -> None:
        save_scenario(self.scenario, path)
        self.scenario.path = Path(path)
        self.stack.set_clean()

    def _push(self, text: str, kind: str, apply, revert, **values: str) -> None:  # noqa: ANN001 - plain callables
        """Do and remember one edit named ``text`` (a marked text; with ``values``, a
        template their names fill in)."""

        def do() -> None:
            apply()
            self.changed.emit(kind)

        def undo() -> None:
            revert()
            self.changed.emit(kind)

        if values:
            self.stack.push(Command(text.format(**values), do, undo, template=text, values=dict(values)))
        else:
            self.stack.push(Command(text, do, undo))
