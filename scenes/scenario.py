"""Scenario files: what a trial asks of the user on a given model.

A scenario names the model, which parts move, where they start and where they belong
(targets), the tolerances, the assembly steps with their precedence, the inspection
checklist, named parameter variants and, for desktop AR, the ``anchor:`` marker that
registers the model to the camera picture (scenes/scenario_anchor.py). It is YAML, loaded with PyYAML's safe loader;
errors name the line and the field (``line 12: field 'steps[2].requires': unknown step
'x'``) because designers edit these files by hand.

The model itself (Scenario, Step, InspectionPoint, the limits) is scenes/scenario_model.py;
this module reads, checks and writes the files, and re-exports the model's names for the
modules that only load scenarios.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from scenes.auto_scenario import auto_scenario, proposed_steps
from scenes.loader import SUPPORTED_SUFFIXES, UNITS, load_scene
from scenes.model import Scene, SceneError
from scenes.part_layout import solid_parts
from scenes.scenario_anchor import check_anchor, read_anchor
from scenes.scenario_model import (
    LAYOUTS,
    MAX_SCENARIO_BYTES,
    MAX_YAML_DEPTH,
    TOLERANCE_LIMITS,
    TOLERANCE_PARAMS,
    TOP_KEYS,
    InspectionPoint,
    Scenario,
    Step,
    part_matrix,
)
from scenes.scenario_yaml import merged_yaml
from scenes.transforms import MAX_COORDINATE

#: libyaml's safe loader where PyYAML was built with it (about 20x faster on a 4 MB file,
#: the largest read), else PyYAML's own; both build the same safe Python values
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "LAYOUTS", "MAX_COORDINATE", "MAX_SCENARIO_BYTES", "MAX_YAML_DEPTH", "TOLERANCE_LIMITS",
    "TOLERANCE_PARAMS", "InspectionPoint", "Scenario", "Step", "load_scenario", "part_matrix",
    "save_scenario",
]


def load_scenario(path: str | Path, scene: Scene | None = None, quality: str | None = None) -> Scenario:
    """Read and validate a scenario file, or propose one for a bare model file.

    The model is loaded (unless ``scene`` is given) so that part ids and node paths are
    checked too; it is kept on ``Scenario.scene``. ``quality``: a STEP model's
    tessellation (scenes.step_quality; None: the default), what a trial recorded it at.
    """
    path = Path(path)
    if path.suffix.lower() in SUPPORTED_SUFFIXES:
        return auto_scenario(scene if scene is not None else load_scene(path, quality=quality), path)
    data, lines = _read_yaml(path)
    scenario = _build(path, data, lines)
    if scene is None:
        scale = UNITS[scenario.units] if scenario.units else None
        scene = load_scene(scenario.model, unit_scale=scale, quality=quality)
    _check_against_scene(scenario, scene)
    if "steps" not in data:  # no steps given: propose them (``steps: []`` means none)
        scenario.steps = proposed_steps(scene, scenario.parts or [])
    scenario.scene = scene
    return scenario


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write ``scenario`` as YAML; the model path is stored relative to the new file.

    A scenario read from a YAML file is written into that file's text (comments, order
    and spelling kept: scenes/scenario_yaml.py); otherwise, or when that text cannot be
    read again safely, it is written fresh."""
    path = Path(path)
    data = scenario.to_dict(relative_to=path.parent)
    text = None
    source = scenario.path
    if source is not None and source.suffix.lower() in (".yaml", ".yml"):
        try:
            _read_yaml(source)  # still a safe file (size, no aliases) to read back
            text = merged_yaml(source.read_text(encoding="utf-8"), data)
        except (OSError, SceneError):
            text = None
    if text is None:
        text = yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def _read_yaml(path: Path) -> tuple[Any, dict[str, int]]:
    try:
        found, size = path.is_file(), path.stat().st_size if path.exists() else 0
    except OSError as err:
        raise SceneError(path, f"cannot be opened ({err.strerror or err})") from None
    if not found:
        raise SceneError(path, "no such file")
    if size > MAX_SCENARIO_BYTES:
        raise SceneError(path, f"scenario file larger than {MAX_SCENARIO_BYTES // 1024 // 1024} MB")
    try:
        text = path.read_text(encoding="utf-8")
        # Aliases could expand exponentially ("billion laughs"); scenarios never need them.
        # Deep nesting would overflow the (recursive) composer: counted here, iteratively.
        depth = 0
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1
                raise SceneError(path, f"line {line}: YAML aliases (*name) are not supported")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    line = event.start_mark.line + 1
                    raise SceneError(path, f"line {line}: lists or mappings nested deeper than "
                                           f"{MAX_YAML_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except UnicodeDecodeError:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        raise SceneError(path, f"not a scenario (UTF-8 YAML text) nor a model file ({kinds})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        if "nesting depth" in problem:  # libyaml stops at its own limit before ours is counted
            raise SceneError(path, f"{where}lists or mappings nested deeper than {MAX_YAML_DEPTH} levels") from None
        raise SceneError(path, f"{where}not valid YAML ({problem})") from None
    lines: dict[str, int] = {}
    if node is not None:
        _collect_lines(node, "", lines)
    return data, lines


def _collect_lines(node: yaml.Node, prefix: str, lines: dict[str, int]) -> None:
    lines[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = f"{prefix}.{key.value}" if prefix else str(key.value)
            lines[name] = key.start_mark.line + 1
            _collect_lines(value, name, lines)
            lines[name] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _collect_lines(item, f"{prefix}[{i}]", lines)


class _Reader:
    """Typed access to the parsed YAML that raises line-numbered SceneErrors."""

    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario

    def fail(self, key: str, message: str) -> SceneError:
        return self.s.error(key, message)

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise self.fail(key, f"expected text, got {_kind(value)}")
        return str(value)

    def number(self, value: Any, key: str, positive: bool = True,
               limit: float = MAX_COORDINATE) -> float:
        """A finite number; > 0 if ``positive``, else within +-``limit``; at most ``limit``."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"expected a number, got {_kind(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(key, f"expected a finite number, got {_short(value)}")
        if positive and number <= 0:
            raise self.fail(key, f"must be > 0, got {_short(value)}")
        if abs(number) > limit:
            span = f"(0, {limit:g}]" if positive else f"[-{limit:g}, {limit:g}]"
            raise self.fail(key, f"must be in {span}, got {_short(value)}")
        return number

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping, got {_kind(value)}")
        return value

    def seq(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list, got {_kind(value)}")
        return value

    def vector(self, value: Any, key: str, n: int) -> np.ndarray:
        items = self.seq(value, key)
        if len(items) != n:
            raise self.fail(key, f"expected {n} numbers, got {len(items)}")
        return np.array(
            [self.number(v, f"{key}[{i}]", positive=False) for i, v in enumerate(items)]
        )

    def pose(self, value: Any, key: str) -> np.ndarray:
        d = self.mapping(value, key)
        unknown = set(d) - {"position", "rotation"}
        if unknown:
            raise self.fail(f"{key}.{sorted(unknown)[0]}", "unknown field (use position, rotation)")
        pos = self.vector(d.get("position", [0, 0, 0]), f"{key}.position", 3)
        rot = self.vector(d.get("rotation", [0, 0, 0, 1]), f"{key}.rotation", 4)
        norm = float(np.linalg.norm(rot))
        if norm < 1e-9:
            raise self.fail(f"{key}.rotation", "a rotation quaternion cannot be zero")
        return np.concatenate([pos, rot / norm])


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _short(value: Any) -> str:
    """A number for an error line: huge integers as their magnitude, not 1000 digits."""
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"{'-' if value < 0 else ''}an integer of {len(str(abs(value)))} digits"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _build(path: Path, data: Any, lines: dict[str, int]) -> Scenario:
    if not isinstance(data, dict):
        raise SceneError(path, "a scenario file must be a YAML mapping (model: ..., steps: ...)")
    s = Scenario(model=path, path=path, lines=lines)
    r = _Reader(s)
    for key in data:
        if key not in TOP_KEYS:
            raise r.fail(str(key), f"unknown field (known: {', '.join(TOP_KEYS)})")
    if "model" not in data:
        raise SceneError(path, "missing field 'model' (the model file, relative to this file)")
    try:
        model = (path.parent / r.text(data["model"], "model")).resolve()
        found = model.is_file()
    except (OSError, RuntimeError, ValueError) as err:  # too long, a link loop, a NUL byte
        raise r.fail("model", f"the model path cannot be used ({getattr(err, 'strerror', None) or err})") from None
    if not found:
        raise r.fail("model", f"model file {model} does not exist")
    s.model = model
    if data.get("units") is not None:
        s.units = r.text(data["units"], "units")
        if s.units not in UNITS:
            raise r.fail("units", f"unknown unit {s.units!r} (use {', '.join(UNITS)})")
    parts = data.get("parts", "all")
    s.parts = (
        None
        if parts == "all"
        else [r.text(p, f"parts[{i}]") for i, p in enumerate(r.seq(parts, "parts"))]
    )
    if s.parts is not None and len(set(s.parts)) != len(s.parts):
        raise r.fail("parts", "a part is listed twice")
    targets = data.get("targets", "auto")
    if targets != "auto":
        s.targets = {
            str(k): r.pose(v, f"targets.{k}") for k, v in r.mapping(targets, "targets").items()
        }
    s.layout = r.text(data.get("layout", "tray"), "layout")
    if s.layout not in LAYOUTS:
        raise r.fail("layout", f"unknown layout {s.layout!r} (use {', '.join(LAYOUTS)})")
    starts = r.mapping(data.get("start_poses") or {}, "start_poses")
    s.start_poses = {str(k): r.pose(v, f"start_poses.{k}") for k, v in starts.items()}
    s.tolerances = _tolerances(r, data.get("tolerances") or {}, "tolerances", TOLERANCE_PARAMS)
    per_part = r.mapping(data.get("part_tolerances") or {}, "part_tolerances")
    allowed = {k: v for k, v in TOLERANCE_PARAMS.items() if k != "magnet_mm"}
    s.part_tolerances = {
        str(k): _tolerances(r, v, f"part_tolerances.{k}", allowed) for k, v in per_part.items()
    }
    strict = data.get("strict_order", False)
    if not isinstance(strict, bool):
        raise r.fail("strict_order", f"expected true or false, got {_kind(strict)}")
    s.strict_order = strict
    s.steps = [
        _step(r, v, f"steps[{i}]") for i, v in enumerate(r.seq(data.get("steps") or [], "steps"))
    ]
    _check_steps(r, s.steps)
    points = r.seq(data.get("inspection_points") or [], "inspection_points")
    s.inspection_points = [_point(r, v, f"inspection_points[{i}]") for i, v in enumerate(points)]
    ids = [p.id for p in s.inspection_points]
    for i, pid in enumerate(ids):
        if pid in ids[:i]:
            raise r.fail(f"inspection_points[{i}].id", f"duplicate inspection point id {pid!r}")
    if data.get("anchor") is not None:
        s.anchor = read_anchor(r, data["anchor"])
    variants = r.mapping(data.get("variants") or {}, "variants")
    s.variants = {str(k): dict(r.mapping(v or {}, f"variants.{k}")) for k, v in variants.items()}
    if data.get("default_variant") is not None:
        s.default_variant = r.text(data["default_variant"], "default_variant")
        if s.default_variant not in s.variants:
            raise r.fail("default_variant", f"unknown variant {s.default_variant!r}")
    return s


def _tolerances(r: _Reader, value: Any, key: str, allowed: dict[str, str]) -> dict[str, float]:
    out = {}
    for name, v in r.mapping(value, key).items():
        if name not in allowed:
            raise r.fail(f"{key}.{name}", f"unknown tolerance (use {', '.join(allowed)})")
        out[str(name)] = r.number(v, f"{key}.{name}", limit=TOLERANCE_LIMITS.get(str(name), MAX_COORDINATE))
    return out


def _step(r: _Reader, value: Any, key: str) -> Step:
    d = r.mapping(value, key)
    for name in d:
        if name not in ("id", "parts", "part", "requires", "label"):
            raise r.fail(f"{key}.{name}", "unknown field (use id, parts, requires, label)")
    if "id" not in d:
        raise r.fail(key, "a step needs an id")
    parts = d.get("parts", [d["part"]] if "part" in d else [])
    parts = [r.text(p, f"{key}.parts[{i}]") for i, p in enumerate(r.seq(parts, f"{key}.parts"))]
    if not parts:
        raise r.fail(key, "a step needs at least one part")
    requires = [
        r.text(x, f"{key}.requires[{i}]")
        for i, x in enumerate(r.seq(d.get("requires") or [], f"{key}.requires"))
    ]
    return Step(
        id=r.text(d["id"], f"{key}.id"),
        parts=parts,
        requires=requires,
        label=r.text(d.get("label", ""), f"{key}.label") if d.get("label") else "",
    )


def _check_steps(r: _Reader, steps: list[Step]) -> None:
    index = {}
    owner: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step.id in index:
            raise r.fail(f"steps[{i}].id", f"duplicate step id {step.id!r}")
        index[step.id] = i
        for part in step.parts:
            if part in owner:
                raise r.fail(
                    f"steps[{i}].parts",
                    f"part {part!r} is already in step {steps[owner[part]].id!r}",
                )
            owner[part] = i
    for i, step in enumerate(steps):
        for j, req in enumerate(step.requires):
            if req not in index:
                raise r.fail(f"steps[{i}].requires[{j}]", f"unknown step {req!r}")
    # precedence must be acyclic, or the task could never complete. Depth-first search with
    # an explicit stack: a chain of thousands of steps must not exhaust Python's recursion.
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for root in steps:
        if state.get(root.id):
            continue
        state[root.id] = 1
        path = [root.id]
        stack = [iter(root.requires)]
        while stack:
            req = next(stack[-1], None)
            if req is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(req) == 1:
                cycle = [*path[path.index(req):], req]
                if len(cycle) > 12:
                    cycle = [*cycle[:5], f"... ({len(cycle) - 10} more)", *cycle[-5:]]
                raise r.fail(
                    f"steps[{index[req]}].requires",
                    "steps require each other in a cycle: " + " -> ".join(cycle),
                )
            elif not state.get(req):
                state[req] = 1
                path.append(req)
                stack.append(iter(steps[index[req]].requires))


def _point(r: _Reader, value: Any, key: str) -> InspectionPoint:
    d = r.mapping(value, key)
    for name in d:
        if name not in ("id", "node", "point", "normal", "instruction"):
            raise r.fail(
                f"{key}.{name}", "unknown field (use id, node, point, normal, instruction)"
            )
    for name in ("id", "node", "point"):
        if name not in d:
            raise r.fail(key, f"an inspection point needs '{name}'")
    normal = r.vector(d.get("normal", [0, 1, 0]), f"{key}.normal", 3)
    if np.linalg.norm(normal) < 1e-9:
        raise r.fail(f"{key}.normal", "a normal cannot be zero")
    return InspectionPoint(
        id=r.text(d["id"], f"{key}.id"),
        node=r.text(d["node"], f"{key}.node"),
        point=r.vector(d["point"], f"{key}.point", 3),
        normal=normal / np.linalg.norm(normal),
        instruction=r.text(d.get("instruction", ""), f"{key}.instruction")
        if d.get("instruction")
        else "",
    )


def _check_against_scene(s: Scenario, scene: Scene) -> None:
    """References to parts and nodes must exist in the model."""
    part_ids = {p.id for p in scene.parts}
    if not part_ids:
        raise SceneError(s.model, "the model has no parts (no node carries a mesh)")
    if s.parts is None:
        s.parts = solid_parts(scene)
    for i, pid in enumerate(s.parts):
        if pid not in part_ids:
            raise s.error(f"parts[{i}]", f"unknown part {pid!r}")
    movable = set(s.parts)
    for group in ("targets", "start_poses", "part_tolerances"):
        for pid in getattr(s, group) or {}:
            if pid not in movable:
                raise s.error(f"{group}.{pid}", f"unknown or fixed part {pid!r}")
    for i, step in enumerate(s.steps):
        for j, pid in enumerate(step.parts):
            if pid not in movable:
                raise s.error(f"steps[{i}].parts[{j}]", f"unknown or fixed part {pid!r}")
    paths = {n.path for n in scene.nodes}
    for i, point in enumerate(s.inspection_points):
        if point.node not in paths:
            raise s.error(f"inspection_points[{i}].node", f"unknown node {point.node!r}")
    if s.anchor is not None:
        check_anchor(s.anchor, scene, s.error)
