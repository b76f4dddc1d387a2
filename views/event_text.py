"""Events in words, for the event log and the replay's event list.

One place, so the live log and the replay say the same thing in the same way: whole event
names ("release out of tolerance", not a truncated RELEASE_OU…), the part / step / point
it concerns, and its figures as "name: value" with units in the names (``position_error_mm:
12.3``), rounded for reading; the exact JSON stays available as a tooltip.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from interaction.events import Event

#: the event kinds' names as shown (interaction.events.EventKind), for translation
EVENT_NAMES = (
    QT_TRANSLATE_NOOP("Events", "hover start"),
    QT_TRANSLATE_NOOP("Events", "hover end"),
    QT_TRANSLATE_NOOP("Events", "grab"),
    QT_TRANSLATE_NOOP("Events", "release"),
    QT_TRANSLATE_NOOP("Events", "snap"),
    QT_TRANSLATE_NOOP("Events", "release out of tolerance"),
    QT_TRANSLATE_NOOP("Events", "wrong part"),
    QT_TRANSLATE_NOOP("Events", "wrong order"),
    QT_TRANSLATE_NOOP("Events", "collision start"),
    QT_TRANSLATE_NOOP("Events", "collision end"),
    QT_TRANSLATE_NOOP("Events", "step done"),
    QT_TRANSLATE_NOOP("Events", "assembly complete"),
    QT_TRANSLATE_NOOP("Events", "gaze dwell"),
    QT_TRANSLATE_NOOP("Events", "point seen"),
    QT_TRANSLATE_NOOP("Events", "point marked"),
    QT_TRANSLATE_NOOP("Events", "poke"),
    QT_TRANSLATE_NOOP("Events", "checklist complete"),
    QT_TRANSLATE_NOOP("Events", "task complete"),
    QT_TRANSLATE_NOOP("Events", "measure start"),
    QT_TRANSLATE_NOOP("Events", "measure point"),
    QT_TRANSLATE_NOOP("Events", "measurement"),
    QT_TRANSLATE_NOOP("Events", "measure clear"),
    QT_TRANSLATE_NOOP("Events", "reset"),
    QT_TRANSLATE_NOOP("Events", "precedence changed"),
    QT_TRANSLATE_NOOP("Events", "cursor moved"),
    QT_TRANSLATE_NOOP("Events", "point unmarked"),
    QT_TRANSLATE_NOOP("Events", "voice command"),
    QT_TRANSLATE_NOOP("Events", "shared hold"),
    QT_TRANSLATE_NOOP("Events", "shared place"),
    QT_TRANSLATE_NOOP("Events", "left"),
    QT_TRANSLATE_NOOP("Events", "right"),
)


def event_name(kind: str) -> str:
    """``RELEASE_OUT_OF_TOLERANCE`` -> ``release out of tolerance`` (translated)."""
    return QCoreApplication.translate("Events", kind.replace("_", " ").lower())


def hand_name(hand: str | None) -> str:
    """``left`` / ``right`` as shown (translated); "" for none."""
    return QCoreApplication.translate("Events", hand) if hand else ""


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
    translate = QCoreApplication.translate
    lines = [translate("Events", "{event} (frame {frame})").format(event=event_name(event.kind), frame=event.frame)]
    if event.hand:
        lines.append(translate("Events", "hand: {hand}").format(hand=hand_name(event.hand)))
    if event_subject(event):
        lines.append(event_subject(event))
    if event.data:
        lines.append(json.dumps(event.data, sort_keys=True, indent=1))
    return "\n".join(lines)
