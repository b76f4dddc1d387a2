"""The shared task on the wire: what one participant did that everyone's task must show.

Inspection verdicts, and a facilitator's "reset the task" and "use this variant" for
everyone (receivers take those from a facilitator only). A participant's engine accepts a verdict (button, voice, a
poke), the window sends ``{"kind": "verdict", "point", "verdict", "note"}``; every other
participant applies it as a ``SharedMark`` command, so it is recorded with the frame it
was applied on and replays like any click. A late joiner asks the others for their
verdicts (``state`` messages: ``{"kind": "state", "verdicts": {point: [verdict, note]}}``)
and applies those it lacks.

Untrusted input: JSON of bounded size, known kinds and verdicts, short texts; anything
else is a ``TaskError`` with one line, dropped by the receiver.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from interaction.commands import Reset, SharedMark, Verdict

MAX_TASK_BYTES = 64 * 1024
MAX_ID = 200
MAX_NOTE = 500


class TaskError(ValueError):
    """A task message that cannot be used (one line: why)."""


@dataclass(frozen=True)
class VariantChoice:
    """A facilitator's "everyone runs variant ``name``" (not an engine command: each window
    switches its own parameters, which its recording keeps as a parameter change)."""

    name: str


def reset_message() -> bytes:
    return b'{"kind": "reset"}'


def variant_message(name: str) -> bytes:
    return json.dumps({"kind": "variant", "name": name}).encode()


def verdict_message(point: str, verdict: str, note: str) -> bytes:
    return json.dumps({"kind": "verdict", "point": point, "verdict": verdict, "note": note}).encode()


def state_message(verdicts: dict[str, tuple[str, str]]) -> bytes:
    return json.dumps({"kind": "state", "verdicts": {p: list(v) for p, v in verdicts.items()}}).encode()


def _text(value: Any, limit: int, what: str) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise TaskError(f"task message with a bad {what}")
    return value


def _mark(point: Any, verdict: Any, note: Any, by: str) -> SharedMark:
    try:
        return SharedMark(_text(point, MAX_ID, "point id"), Verdict(verdict), _text(note, MAX_NOTE, "note"), by)
    except ValueError as err:
        raise TaskError(f"task message with a bad verdict ({err})") from None


def decode(payload: bytes, by: str) -> list[SharedMark | Reset | VariantChoice]:
    """What a task message from participant ``by`` asks for, or TaskError."""
    if len(payload) > MAX_TASK_BYTES:
        raise TaskError(f"task message of {len(payload)} bytes (at most {MAX_TASK_BYTES})")
    try:
        message = json.loads(payload)
    except ValueError:
        raise TaskError("task message that is not JSON") from None
    if not isinstance(message, dict):
        raise TaskError("task message that is not a JSON object")
    if message.get("kind") == "verdict":
        return [_mark(message.get("point"), message.get("verdict"), message.get("note", ""), by)]
    if message.get("kind") == "state" and isinstance(message.get("verdicts"), dict):
        out = []
        for point, value in message["verdicts"].items():
            if not (isinstance(value, list) and len(value) == 2):
                raise TaskError("task state with a bad verdict entry")
            out.append(_mark(point, value[0], value[1], by))
        return out
    if message.get("kind") == "reset":
        return [Reset()]
    if message.get("kind") == "variant":
        return [VariantChoice(_text(message.get("name"), MAX_ID, "variant name"))]
    raise TaskError("task message of an unknown kind")
