"""Choices remembered for each file: a model's length unit, a STEP file's tessellation
quality. Kept in QSettings as one JSON object per kind (resolved path -> value, newest
last, at most ``limit`` files), so a hand-edited or damaged entry costs that memory only."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings


class PerFile:
    """One kind of per-file choice under settings key ``key``; ``default`` is not stored."""

    def __init__(self, settings: QSettings, key: str, default: str, limit: int = 100) -> None:
        self.settings, self.key, self.default, self.limit = settings, key, default, limit

    def get(self, path: str | Path) -> str | None:
        """The value chosen for ``path``, None if none was."""
        return self._all().get(str(Path(path).resolve()))

    def set(self, path: str | Path, value: str) -> None:
        """Remember ``value`` for ``path`` (the default forgets it)."""
        values = self._all()
        name = str(Path(path).resolve())
        values.pop(name, None)
        if value != self.default:
            values[name] = value
        self.settings.setValue(self.key, json.dumps(dict(list(values.items())[-self.limit:])))

    def _all(self) -> dict[str, str]:
        try:
            values = json.loads(str(self.settings.value(self.key, "{}")))
        except ValueError:
            return {}  # a hand-edited settings file: start over
        return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}
