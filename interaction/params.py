"""Interaction parameters: every knob a designer (or a what-if re-simulation) may turn.

One frozen dataclass, so a run's parameters are a value that can be stored in a recording,
compared and overridden by name (``--set snap_position_mm=15``). Strings are accepted for
every field because overrides arrive from command lines and YAML alike.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

from scenes.model import SceneError
from scenes.scenario import TOLERANCE_PARAMS, Scenario


class GrabMode(str, Enum):
    """How a held part follows the hand."""

    #: the part is rigidly attached to the hand (no lag, shows tracking jitter)
    KINEMATIC = "kinematic"
    #: the part follows through a frame-rate independent low-pass filter
    SMOOTHED = "smoothed"


class HighlightStyle(str, Enum):
    """How views show hovered / held parts (the engine only carries the choice)."""

    OUTLINE = "outline"
    TINT = "tint"
    NONE = "none"


@dataclass(frozen=True)
class InteractionParams:
    """Lengths in millimetres, angles in degrees, times in seconds, strengths 0..1."""

    #: snap on release when the part's centre is within this distance of its target
    snap_position_mm: float = 5.0
    #: ... and its orientation within this angle of the target's
    snap_angle_deg: float = 10.0
    #: releasing within this distance of a target but outside tolerance is reported as
    #: RELEASE_OUT_OF_TOLERANCE (an "almost"); views draw the zone while a part is held
    magnet_radius_mm: float = 30.0
    #: gaze / aim-ray dwell needed to count an inspection point as seen or to select by gaze
    dwell_time_s: float = 0.6
    #: an inspection point is under the gaze when the gaze hit lands this close to it
    inspection_radius_mm: float = 15.0
    grab_mode: GrabMode = GrabMode.KINEMATIC
    #: SMOOTHED only: share of the remaining gap closed per 1/90 s (1 = kinematic)
    smoothing: float = 0.35
    #: strength at which pinch / grab engage and (lower) at which they let go again
    press_threshold: float = 0.7
    release_threshold: float = 0.4
    #: a hand grabs directly (grip pose) when a part's surface is within this distance
    near_radius_mm: float = 30.0
    ray_max_length_m: float = 5.0
    #: index tip travel below a marker's surface that counts as a poke
    poke_depth_mm: float = 8.0
    #: lateral reach of a poke marker (radius of the 3D button)
    poke_radius_mm: float = 20.0
    highlight: HighlightStyle = HighlightStyle.OUTLINE
    collision_check: bool = True
    #: interpenetration below this depth is contact (mated CAD faces touch), not collision
    collision_tolerance_mm: float = 0.5

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"parameter {f.name!r} must be finite, got {value}")
        for name, (low_open, high) in PARAM_RANGES.items():
            value = getattr(self, name)
            span = f"{'(' if low_open else '['}0, {high:g}]"
            if value < 0 or (low_open and value == 0):
                bound = "> 0" if low_open else ">= 0"
                raise ValueError(f"parameter {name!r} must be {bound}, got {value:g} (allowed: {span})")
            if value > high:
                raise ValueError(f"parameter {name!r} must be <= {high:g}, got {value:g} (allowed: {span})")
        if not 0.0 < self.smoothing <= 1.0:
            raise ValueError(f"parameter 'smoothing' must be in (0, 1], got {self.smoothing}")
        for name in ("press_threshold", "release_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"parameter {name!r} must be in [0, 1], got {getattr(self, name):g}")
        if not 0.0 <= self.release_threshold < self.press_threshold <= 1.0:
            raise ValueError(
                "parameters need 0 <= release_threshold < press_threshold <= 1, got "
                f"{self.release_threshold} and {self.press_threshold}"
            )

    # -- (de)serialisation ----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/YAML-able values (enums as their strings)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.value if isinstance(value, Enum) else value
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InteractionParams:
        return cls().replace(**d)

    def replace(self, **overrides: Any) -> InteractionParams:
        """A copy with the named fields changed; values may be strings (``"15"``, ``"on"``).

        Raises ValueError naming the field for unknown names and unparsable values.
        """
        fields = {f.name: f for f in dataclasses.fields(self)}
        parsed: dict[str, Any] = {}
        for name, raw in overrides.items():
            if name not in fields:
                raise ValueError(
                    f"unknown interaction parameter {name!r} (known: {', '.join(sorted(fields))})"
                )
            parsed[name] = _parse(name, type(getattr(self, name)), raw)
        return dataclasses.replace(self, **parsed)

    def replace_from_strings(self, assignments: list[str]) -> InteractionParams:
        """Apply ``NAME=VALUE`` strings as given to ``--set``."""
        overrides: dict[str, str] = {}
        for item in assignments:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"expected NAME=VALUE, got {item!r}")
            overrides[name.strip()] = value.strip()
        return self.replace(**overrides)


#: numeric field -> (0 excluded?, maximum): the ranges __post_init__ enforces. The maxima are
#: the parameter dock's (1 m in mm, half a turn, a minute, 100 m), far beyond any sensible
#: setting yet small enough that no derived count (dwell frames, ray samples) can overflow.
PARAM_RANGES: dict[str, tuple[bool, float]] = {
    "snap_position_mm": (True, 1000.0),
    "snap_angle_deg": (True, 180.0),
    "magnet_radius_mm": (False, 1000.0),
    "dwell_time_s": (False, 60.0),
    "inspection_radius_mm": (True, 1000.0),
    "near_radius_mm": (True, 1000.0),
    "ray_max_length_m": (True, 100.0),
    "poke_depth_mm": (True, 1000.0),
    "poke_radius_mm": (True, 1000.0),
    "collision_tolerance_mm": (False, 1000.0),
}

#: parameters the Engine reads only when it is built (targets, collision world): changing one
#: needs a new Engine, which restarts the task
BUILD_TIME_PARAMS = ("snap_position_mm", "snap_angle_deg", "collision_tolerance_mm")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse(name: str, kind: type, raw: Any) -> Any:
    """Convert one override to the field's type, refusing lossy or surprising inputs."""
    if issubclass(kind, Enum):
        text = raw.value if isinstance(raw, Enum) else str(raw).strip().lower()
        try:
            return kind(text)
        except ValueError:
            choices = ", ".join(m.value for m in kind)  # type: ignore[attr-defined]
            raise ValueError(f"parameter {name!r}: {raw!r} is not one of {choices}") from None
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"parameter {name!r}: expected on/off, got {raw!r}")
    if kind is float:
        if isinstance(raw, bool):
            raise ValueError(f"parameter {name!r}: expected a number, got {raw!r}")
        if isinstance(raw, (int, float)):
            try:
                return float(raw)
            except OverflowError:  # an int beyond any float (YAML 1e400 written as digits)
                raise ValueError(f"parameter {name!r}: {raw} is far out of range") from None
        if isinstance(raw, str):
            try:
                return float(raw)
            except ValueError:
                raise ValueError(f"parameter {name!r}: expected a number, got {raw!r}") from None
        raise ValueError(f"parameter {name!r}: expected a number, got {type(raw).__name__}")
    raise ValueError(f"parameter {name!r} has an unsupported type")  # pragma: no cover


def scenario_params(scenario: Scenario, variant: str | None = None, base: InteractionParams | None = None) -> InteractionParams:
    """The parameters a scenario runs with: defaults, then its ``tolerances``, then the
    chosen variant (``variant`` or the scenario's default variant).

    Bad names or values become a SceneError pointing at the scenario line.
    """
    params = base or InteractionParams()
    overrides = {TOLERANCE_PARAMS[k]: v for k, v in scenario.tolerances.items()}
    try:
        params = params.replace(**overrides)
    except ValueError as err:
        raise scenario.error("tolerances", str(err)) from None
    name = variant if variant is not None else scenario.default_variant
    if name is None:
        return params
    if name not in scenario.variants:
        known = ", ".join(scenario.variants) or "none"
        raise SceneError(scenario.path or scenario.model, f"unknown variant {name!r} (variants: {known})")
    overrides = {str(k): v for k, v in scenario.variants[name].items()}
    try:
        return params.replace(**overrides)
    except ValueError as err:
        culprit = next((k for k in overrides if repr(k) in str(err)), None)
        field = f"variants.{name}.{culprit}" if culprit else f"variants.{name}"
        raise scenario.error(field, str(err)) from None
