"""Events in words, for the event log and the replay's event list.

One place, so the live log and the replay say the same thing in the same way: whole event
names ("release out of tolerance", not a truncated RELEASE_OU…), the part / step / point
it concerns, and its figures as "name: value" with units in the names (``position_error_mm:
12.3``), rounded for reading; the exact JSON stays available as a tooltip.
"""

from __future__ import annotations

import json
from typing import Any

from interaction.events import Event


def event_name(kind: str) -> str:
    """``RELEASE_OUT_OF_TOLERANCE`` -> ``release out of tolerance``."""
    return kind.replace("_", " ").lower()


def event_subject(event: Event) -> str:
    return " / ".join(x for x in (event.part, event.step, event.point) if x)


def _value(v: Any) -> str:
    if isinstance(v, float):
        if abs(v) >= 1e6:
            return f"{v:.3g}"
        text = f"{v:.2f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-", "-0") else text
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in sorted(v.items())) + "}"
    return str(v)


def event_details(event: Event) -> str:
    """The event's figures, ``name: value`` in key order."""
    return ", ".join(f"{k}: {_value(v)}" for k, v in sorted(event.data.items()))


def event_tooltip(event: Event) -> str:
    """Everything about the event, untruncated: name, subject, exact data as JSON."""
    lines = [f"{event_name(event.kind)} (frame {event.frame})"]
    if event.hand:
        lines.append(f"hand: {event.hand}")
    if event_subject(event):
        lines.append(event_subject(event))
    if event.data:
        lines.append(json.dumps(event.data, sort_keys=True, indent=1))
    return "\n".join(lines)
