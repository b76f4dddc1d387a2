"""The scenario model: what a trial asks of the user on a given model (parts that move, where
they start and belong, tolerances, steps with their precedence, the inspection checklist,
parameter variants), apart from how it is read from and written to YAML (scenario.py), so
that the proposed scenario (auto_scenario.py) can build one without importing the reader.

Poses are ``{position: [x, y, z], rotation: [qx, qy, qz, qw]}`` in scene metres: the rigid
pose of the part's node. Whatever scale the node's world matrix carries (file units, CAD
scale) is kept from the authored pose, so a pose means the same thing at any unit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scenes.model import Scene, SceneError
from scenes.part_layout import layout_parts, solid_parts
from scenes.scenario_anchor import Anchor
from scenes.transforms import matrix_to_pose, pose_to_matrix

MAX_SCENARIO_BYTES = 4 * 1024 * 1024
#: deepest nesting of YAML lists / mappings read (a scenario needs about 5; PyYAML's composer
#: recurses per level, so hundreds of ``[[[[...`` would end in a RecursionError)
MAX_YAML_DEPTH = 64
#: tolerance name -> largest value (the interaction parameters' own limits)
TOLERANCE_LIMITS = {"position_mm": 1000.0, "angle_deg": 180.0, "magnet_mm": 1000.0}
LAYOUTS = ("tray", "exploded")
#: scenario tolerance names -> interaction parameter names they set
TOLERANCE_PARAMS = {
    "position_mm": "snap_position_mm",
    "angle_deg": "snap_angle_deg",
    "magnet_mm": "magnet_radius_mm",
}
TOP_KEYS = (
    "model",
    "units",
    "parts",
    "targets",
    "layout",
    "start_poses",
    "tolerances",
    "part_tolerances",
    "strict_order",
    "steps",
    "inspection_points",
    "anchor",
    "variants",
    "default_variant",
)


@dataclass
class Step:
    id: str
    parts: list[str]
    requires: list[str] = field(default_factory=list)
    label: str = ""


@dataclass
class InspectionPoint:
    """A spot to look at: ``point`` and ``normal`` are in the node's local frame."""

    id: str
    node: str
    point: np.ndarray
    normal: np.ndarray
    instruction: str = ""


@dataclass
class Scenario:
    model: Path
    units: str | None = None
    #: movable parts (part ids); the others stay where the model has them. None ("all"
    #: in the file) becomes every part with triangles when the scenario meets its scene.
    parts: list[str] | None = None
    #: part id -> (7,) pose; None means "auto": every part's authored pose
    targets: dict[str, np.ndarray] | None = None
    layout: str = "tray"
    start_poses: dict[str, np.ndarray] = field(default_factory=dict)
    tolerances: dict[str, float] = field(default_factory=dict)
    part_tolerances: dict[str, dict[str, float]] = field(default_factory=dict)
    strict_order: bool = False
    steps: list[Step] = field(default_factory=list)
    inspection_points: list[InspectionPoint] = field(default_factory=list)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_variant: str | None = None
    #: desktop AR: the printed marker or board that registers the model to the camera
    #: picture, and where it sits on the model (scenes/scenario_anchor.py); None: no AR
    anchor: Anchor | None = None
    #: the scenario file (None for a scenario proposed from a bare model)
    path: Path | None = None
    #: field path ("steps[2].requires") -> line, for errors found after loading
    lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    scene: Scene | None = field(default=None, repr=False, compare=False)

    # -- geometry ---------------------------------------------------------------------
    def target_matrix(self, scene: Scene, part_id: str) -> np.ndarray:
        """(4, 4) world matrix the part belongs at."""
        authored = scene.world_matrix(scene.part(part_id).node)
        if self.targets is None or part_id not in self.targets:
            return authored.copy()
        return part_matrix(authored, self.targets[part_id])

    def start_matrices(self, scene: Scene) -> dict[str, np.ndarray]:
        """Part id -> (4, 4) world matrix at the start, for every part of the scene."""
        out = {p.id: scene.world_matrix(p.node).copy() for p in scene.parts}
        parts = self.parts if self.parts is not None else solid_parts(scene)
        if parts:
            out.update(layout_parts(scene, parts, self.layout))
        for part_id, pose in self.start_poses.items():
            out[part_id] = part_matrix(scene.world_matrix(scene.part(part_id).node), pose)
        return out

    def error(self, key: str, message: str) -> SceneError:
        """A SceneError pointing at the line of ``key`` (or its nearest known parent)."""
        probe = key
        while probe and probe not in self.lines:
            probe = probe.rpartition(".")[0] if "." in probe else ""
        where = f"line {self.lines[probe]}: " if probe in self.lines else ""
        return SceneError(self.path or self.model, f"{where}field '{key}': {message}")

    # -- serialisation ----------------------------------------------------------------
    def to_dict(self, relative_to: Path | None = None) -> dict[str, Any]:
        base = (relative_to or self.model.parent).resolve()
        d: dict[str, Any] = {"model": Path(os.path.relpath(self.model.resolve(), base)).as_posix()}
        if self.units:
            d["units"] = self.units
        d["parts"] = "all" if self.parts is None else list(self.parts)
        d["targets"] = (
            "auto" if self.targets is None else {k: _pose_out(v) for k, v in self.targets.items()}
        )
        d["layout"] = self.layout
        if self.start_poses:
            d["start_poses"] = {k: _pose_out(v) for k, v in self.start_poses.items()}
        if self.tolerances:
            d["tolerances"] = dict(self.tolerances)
        if self.part_tolerances:
            d["part_tolerances"] = {k: dict(v) for k, v in self.part_tolerances.items()}
        d["strict_order"] = self.strict_order
        d["steps"] = [
            {"id": s.id, "parts": list(s.parts), "requires": list(s.requires), "label": s.label}
            for s in self.steps
        ]
        d["inspection_points"] = [
            {
                "id": p.id,
                "node": p.node,
                "point": [float(x) for x in p.point],
                "normal": [float(x) for x in p.normal],
                "instruction": p.instruction,
            }
            for p in self.inspection_points
        ]
        if self.anchor is not None:
            d["anchor"] = self.anchor.to_dict()
        if self.variants:
            d["variants"] = {k: dict(v) for k, v in self.variants.items()}
        if self.default_variant:
            d["default_variant"] = self.default_variant
        return d


def part_matrix(authored: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """World matrix of a part moved to rigid ``pose``, keeping the authored scale."""
    rigid = pose_to_matrix(matrix_to_pose(authored))
    return pose_to_matrix(pose) @ np.linalg.inv(rigid) @ authored


def _pose_out(pose: np.ndarray) -> dict[str, list[float]]:
    return {"position": [float(x) for x in pose[:3]], "rotation": [float(x) for x in pose[3:7]]}
