"""Numbers the window keeps in its QSettings between runs, read back defensively: a value
from a hand-edited or older settings file must not break the window or leave its range."""

from __future__ import annotations

from PySide6.QtCore import QSettings


def stored_float(
    settings: QSettings | None, key: str, default: float, low: float, high: float
) -> float:
    """``key``'s number clamped to [low, high]; ``default`` when absent or not a number."""
    stored = settings.value(key) if settings is not None else None
    if stored is None:
        return default
    try:
        return min(max(float(stored), low), high)
    except (TypeError, ValueError):
        return default
