"""How finely a STEP file's exact surfaces are cut into triangles.

CAD stores exact surfaces (planes, cylinders, B-splines); xrjig draws, picks and collides
triangles. Two numbers decide the cut, as Open CASCADE's mesher takes them: the *linear*
deflection (how far a triangle may stray from the true surface, in millimetres of the
real object, whatever unit the file uses) and the *angular* deflection (how far apart, in
degrees, the normals of neighbouring facets may turn: it keeps small holes round).

Named qualities, so a designer picks a word and a pipeline a number:

- ``interactive`` (default): 0.1 mm / 20°. Bolts and holes stay round enough to snap and
  collide right, and the triangle count stays low enough for the 11 ms headset frame
  (PM4: 89 k triangles, AS1: 6.4 k).
- ``fine``: 0.02 mm / 10°, for inspection close up (about 3-5x the triangles).
- ``LINEAR_MM,ANGULAR_DEG`` (e.g. ``0.05,15``): explicit numbers.

Qt-free and tiny, so the window can list the choices without importing the converter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Quality:
    """A tessellation setting: its name ("" for explicit numbers) and the two deflections."""

    name: str
    linear_mm: float
    angular_deg: float

    @property
    def angular_rad(self) -> float:
        return math.radians(self.angular_deg)

    @property
    def label(self) -> str:
        """What the status bar and ``--quality`` show: the name, else the numbers."""
        return self.name or f"{self.linear_mm:g},{self.angular_deg:g}"

    def key(self) -> str:
        """The part of the cache key that depends on the setting (names of equal numbers
        share one entry)."""
        return f"lin={self.linear_mm!r};ang={self.angular_deg!r}"


#: the named settings, the default first
QUALITIES: dict[str, Quality] = {
    "interactive": Quality("interactive", 0.1, 20.0),
    "fine": Quality("fine", 0.02, 10.0),
}
DEFAULT_QUALITY = QUALITIES["interactive"]
#: explicit numbers must lie in these ranges (a 1 µm deflection on a car body is billions
#: of triangles; 10 mm on a bolt is a square bar)
LINEAR_RANGE_MM = (0.001, 10.0)
ANGULAR_RANGE_DEG = (1.0, 60.0)


def parse_quality(value: str | Quality | None) -> Quality:
    """A Quality from a name (``interactive``, ``fine``), ``LINEAR_MM,ANGULAR_DEG``, a
    Quality (returned as it is) or None (the default). ValueError says what is wrong in
    one sentence."""
    if value is None:
        return DEFAULT_QUALITY
    if isinstance(value, Quality):
        _check(value.linear_mm, value.angular_deg, value.label)
        return value
    text = str(value).strip().lower()
    if text in QUALITIES:
        return QUALITIES[text]
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        linear, angular = float(parts[0]), float(parts[1])
    except ValueError:
        names = ", ".join(QUALITIES)
        raise ValueError(
            f"quality must be {names} or LINEAR_MM,ANGULAR_DEG (e.g. 0.05,15), not {value!r}"
        ) from None
    _check(linear, angular, str(value))
    return Quality("", linear, angular)


def _check(linear: float, angular: float, shown: str) -> None:
    lo, hi = LINEAR_RANGE_MM
    if not (math.isfinite(linear) and lo <= linear <= hi):
        raise ValueError(f"quality {shown!r}: linear deflection must be {lo:g}..{hi:g} mm")
    lo, hi = ANGULAR_RANGE_DEG
    if not (math.isfinite(angular) and lo <= angular <= hi):
        raise ValueError(f"quality {shown!r}: angular deflection must be {lo:g}..{hi:g} degrees")
