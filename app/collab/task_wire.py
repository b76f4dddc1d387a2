"""The shared task on the wire: what one participant did that everyone's task must show.

Messages are JSON objects with a ``kind``:

* ``verdict`` (``point``, ``verdict``, ``note``): an inspection verdict given;
* ``hold`` (``part``): a part taken; ``pose`` (``part``, ``pose``: its world matrix, 16
  numbers): where it is carried, a few dozen times a second; ``place`` (``part``,
  ``pose``, ``slot`` or null, ``steps_done``): let go, snapped into ``slot`` or dropped,
  and the steps that snap finished; ``progress`` (``steps_done``, ``complete``): the task
  is complete;
* ``reset`` and ``variant`` (``name``): a facilitator's "for everyone" (receivers take
  those from a facilitator only);
* ``pointer`` (``on``): the sender's laser pointer is on or off (receivers draw it from the
  sender's aim ray and their own copy of the model);
* ``measurement`` (``points``: six numbers, the two measured surface points, or none: cleared);
* ``state``: a participant's whole task (``verdicts``: {point: [verdict, note]}, ``parts``:
  {part: {"pose", "slot"}} of the parts away from their start, ``holds``: {part: pose} of
  those it holds, ``steps_done``, ``complete``, ``pointing``, ``measurement``), answered
  to late joiners' queries.

Every other participant's engine applies them as recorded commands (``SharedMark``,
``SharedHold``, ``SharedPose``, ``SharedPlace``, ``SharedMeasure``;
interaction/shared_parts.py), so they
replay like any click; watchers only print them.

Untrusted input: JSON of bounded size, known kinds and verdicts, short texts, poses of 16
finite numbers; anything else is a ``TaskError`` with one line, dropped by the receiver.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from interaction.commands import (
    Reset,
    SharedHold,
    SharedMark,
    SharedMeasure,
    SharedPlace,
    SharedPose,
    Verdict,
)

#: the largest task message accepted (a state of ~3000 moved parts)
MAX_TASK_BYTES = 1024 * 1024
MAX_ID = 200
MAX_NOTE = 500
#: the most steps one message may say were done
MAX_STEPS = 10_000


class TaskError(ValueError):
    """A task message that cannot be used (one line: why)."""


@dataclass(frozen=True)
class VariantChoice:
    """A facilitator's "everyone runs variant ``name``" (not an engine command: each window
    switches its own parameters, which its recording keeps as a parameter change)."""

    name: str


@dataclass(frozen=True)
class Progress:
    """What a participant says its task reached: steps it finished (not a command: every
    engine finishes steps itself when the parts snap; watchers print these)."""

    steps_done: tuple[str, ...]
    complete: bool = False


@dataclass(frozen=True)
class PointerChoice:
    """The sender turned its laser pointer on or off (not a command: pointing changes no
    task, and each window draws the pointer from the sender's presence)."""

    on: bool


SharedAction = (SharedMark | SharedHold | SharedPose | SharedPlace | SharedMeasure | Reset | VariantChoice | Progress
                | PointerChoice)


def _numbers(pose: Sequence[float]) -> list[float]:
    return [round(float(v), 7) for v in pose]


def hold_message(part: str) -> bytes:
    return json.dumps({"kind": "hold", "part": part}).encode()


def pose_message(part: str, pose: Sequence[float]) -> bytes:
    return json.dumps({"kind": "pose", "part": part, "pose": _numbers(pose)}).encode()


def place_message(part: str, pose: Sequence[float], slot: str | None, steps_done: Sequence[str] = ()) -> bytes:
    return json.dumps({"kind": "place", "part": part, "pose": _numbers(pose), "slot": slot,
                       "steps_done": list(steps_done)}).encode()


def progress_message(steps_done: Sequence[str], complete: bool) -> bytes:
    return json.dumps({"kind": "progress", "steps_done": list(steps_done), "complete": bool(complete)}).encode()


def measurement_message(points: Sequence[float]) -> bytes:
    return json.dumps({"kind": "measurement", "points": _numbers(points) if len(points) else []}).encode()


def pointer_message(on: bool) -> bytes:
    return json.dumps({"kind": "pointer", "on": bool(on)}).encode()


def reset_message() -> bytes:
    return b'{"kind": "reset"}'


def variant_message(name: str) -> bytes:
    return json.dumps({"kind": "variant", "name": name}).encode()


def verdict_message(point: str, verdict: str, note: str) -> bytes:
    return json.dumps({"kind": "verdict", "point": point, "verdict": verdict, "note": note}).encode()


def state_message(verdicts: dict[str, tuple[str, str]], parts: dict[str, tuple[Sequence[float], str | None]]
                  | None = None, holds: dict[str, Sequence[float]] | None = None,
                  steps_done: Sequence[str] = (), complete: bool = False, pointing: bool = False,
                  measurement: Sequence[float] = ()) -> bytes:
    """A participant's whole task, for a late joiner (see the module docstring)."""
    return json.dumps({
        "kind": "state",
        "verdicts": {p: list(v) for p, v in verdicts.items()},
        "parts": {p: {"pose": _numbers(pose), "slot": slot} for p, (pose, slot) in (parts or {}).items()},
        "holds": {p: _numbers(pose) for p, pose in (holds or {}).items()},
        "steps_done": list(steps_done),
        "complete": bool(complete),
        "pointing": bool(pointing),
        "measurement": _numbers(measurement) if len(measurement) else [],
    }).encode()


def _text(value: Any, limit: int, what: str) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise TaskError(f"task message with a bad {what}")
    return value


def _mark(point: Any, verdict: Any, note: Any, by: str) -> SharedMark:
    try:
        return SharedMark(_text(point, MAX_ID, "point id"), Verdict(verdict), _text(note, MAX_NOTE, "note"), by)
    except ValueError as err:
        raise TaskError(f"task message with a bad verdict ({err})") from None


def _pose(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != 16 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        raise TaskError("task message with a bad pose (16 finite numbers expected)")
    return tuple(float(v) for v in value)


def _slot(value: Any) -> str:
    return "" if value is None else _text(value, MAX_ID, "slot")


def _steps(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_STEPS:
        raise TaskError("task message with a bad list of steps")
    return tuple(_text(s, MAX_ID, "step id") for s in value)


def _measure(points: Any, by: str) -> SharedMeasure:
    if not isinstance(points, list) or len(points) not in (0, 6) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in points):
        raise TaskError("task message with a bad measurement (two points of three finite numbers)")
    return SharedMeasure(tuple(float(v) for v in points), by)


def _place(part: Any, pose: Any, slot: Any, by: str) -> SharedPlace:
    try:
        return SharedPlace(_text(part, MAX_ID, "part id"), _pose(pose), _slot(slot), by)
    except ValueError as err:
        raise TaskError(f"task message with a bad pose ({err})") from None


def _state(message: dict[str, Any], by: str) -> list[SharedAction]:
    verdicts, parts, holds = (message.get(k, {}) for k in ("verdicts", "parts", "holds"))
    if not all(isinstance(x, dict) for x in (verdicts, parts, holds)):
        raise TaskError("task state whose verdicts, parts or holds are not objects")
    out: list[SharedAction] = []
    for point, value in verdicts.items():
        if not (isinstance(value, list) and len(value) == 2):
            raise TaskError("task state with a bad verdict entry")
        out.append(_mark(point, value[0], value[1], by))
    for part, value in parts.items():
        if not isinstance(value, dict):
            raise TaskError("task state with a bad part entry")
        out.append(_place(part, value.get("pose"), value.get("slot"), by))
    for part, pose in holds.items():
        out.append(SharedHold(_text(part, MAX_ID, "part id"), by))
        out.append(SharedPose(part, _pose(pose), by))
    out.append(Progress(_steps(message.get("steps_done", [])), message.get("complete") is True))
    out.append(PointerChoice(message.get("pointing") is True))
    if message.get("measurement"):
        out.append(_measure(message["measurement"], by))
    return out


def decode(payload: bytes, by: str) -> list[SharedAction]:
    """What a task message from participant ``by`` asks for, or TaskError."""
    if len(payload) > MAX_TASK_BYTES:
        raise TaskError(f"task message of {len(payload)} bytes (at most {MAX_TASK_BYTES})")
    try:
        message = json.loads(payload)
    except (ValueError, RecursionError):
        raise TaskError("task message that is not JSON") from None
    if not isinstance(message, dict):
        raise TaskError("task message that is not a JSON object")
    kind = message.get("kind")
    if kind == "verdict":
        return [_mark(message.get("point"), message.get("verdict"), message.get("note", ""), by)]
    if kind == "hold":
        return [SharedHold(_text(message.get("part"), MAX_ID, "part id"), by)]
    if kind == "pose":
        return [SharedPose(_text(message.get("part"), MAX_ID, "part id"), _pose(message.get("pose")), by)]
    if kind == "place":
        place = _place(message.get("part"), message.get("pose"), message.get("slot"), by)
        return [place, Progress(_steps(message.get("steps_done", [])))]
    if kind == "state":
        return _state(message, by)
    if kind == "progress":
        return [Progress(_steps(message.get("steps_done", [])), message.get("complete") is True)]
    if kind == "measurement":
        return [_measure(message.get("points"), by)]
    if kind == "pointer":
        return [PointerChoice(message.get("on") is True)]
    if kind == "reset":
        return [Reset()]
    if kind == "variant":
        return [VariantChoice(_text(message.get("name"), MAX_ID, "variant name"))]
    raise TaskError("task message of an unknown kind")
