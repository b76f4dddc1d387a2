"""A recording's chunks decoded: ~0.5 s of frames each, with the events, commands and
parameter changes of those frames (the xrjig channels of interaction/recording.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from mcap.records import Channel, Message

from interaction.frame import FRAME_DTYPE, Button, GazeInput, HandInput, InputFrame
from interaction.recording import (
    COMMANDS_TOPIC,
    EVENTS_TOPIC,
    FRAMES_TOPIC,
    OTHERS_TOPIC_PREFIX,
    PACKED_DTYPE,
    PARAMS_TOPIC,
    decode_records,
)


@dataclass(frozen=True)
class ChunkRef:
    offset: int
    length: int
    start_ns: int


@dataclass
class Batch:
    """One decoded chunk: consecutive frames plus the events and commands of those frames."""

    first_index: int
    records: np.ndarray  # (n,) FRAME_DTYPE
    event_lines: list[str] = field(default_factory=list)
    commands: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    #: live parameter changes: (before frame, params dict, engine rebuilt)
    params_changes: list[tuple[int, dict[str, Any], bool]] = field(default_factory=list)
    #: shared sessions: (participant, (n,) FRAME_DTYPE) the others' input in this chunk
    others: list[tuple[str, np.ndarray]] = field(default_factory=list)

    @property
    def times(self) -> np.ndarray:
        return self.records["t"]

    @property
    def end_index(self) -> int:
        """The index one past this chunk's last frame."""
        return self.first_index + len(self.records)


def parse_chunk(records: list[Any], topics: dict[int, str]) -> Batch:
    """A chunk's records as a Batch; channel records found in it are added to ``topics``."""
    batch = Batch(0, np.zeros(0, dtype=FRAME_DTYPE))
    for r in records:
        if isinstance(r, Channel):
            topics[r.id] = r.topic
        elif isinstance(r, Message):
            topic = topics.get(r.channel_id)
            if topic == FRAMES_TOPIC:
                batch.first_index = r.sequence
                batch.records = decode_records(unshuffle(r.data))
            elif topic == EVENTS_TOPIC:
                batch.event_lines.append(r.data.decode())
            elif topic == COMMANDS_TOPIC:
                body = json.loads(r.data)
                batch.commands.append((int(body["frame"]), body["command"]))
            elif topic == PARAMS_TOPIC:
                body = json.loads(r.data)
                batch.params_changes.append((int(body["before_frame"]), dict(body["params"]), bool(body["rebuilt"])))
            elif topic is not None and topic.startswith(OTHERS_TOPIC_PREFIX):
                batch.others.append((topic[len(OTHERS_TOPIC_PREFIX):], decode_records(unshuffle(r.data))))
    return batch


def frames_from_records(records: np.ndarray) -> list[InputFrame]:
    """(n,) FRAME_DTYPE -> InputFrames, equal to ``InputFrame.from_record`` field for field.

    Columns are pulled out of the structured array once per batch; per-record field access
    on a structured scalar costs ~70 us a frame, which capped headless replay near 140x.
    """
    head = np.array(records["head"], dtype=np.float64)
    aim = np.array(records["aim"], dtype=np.float64)
    grip = np.array(records["grip"], dtype=np.float64)
    stick = np.array(records["thumbstick"], dtype=np.float64)
    joints = np.array(records["joints"])
    gaze_o = np.array(records["gaze_origin"], dtype=np.float64)
    gaze_d = np.array(records["gaze_direction"], dtype=np.float64)
    tracked = records["tracked"].astype(bool).tolist()
    has_joints = records["has_joints"].astype(bool).tolist()
    pinch, grab = records["pinch"].tolist(), records["grab"].tolist()
    buttons = records["buttons"].tolist()
    ts, conf = records["t"].tolist(), records["gaze_confidence"].tolist()
    out = []
    for k in range(len(records)):
        hands = tuple(
            HandInput(tracked=tracked[k][i], aim=aim[k, i].copy(), grip=grip[k, i].copy(),
                      pinch=pinch[k][i], grab=grab[k][i],
                      joints=joints[k, i].copy() if has_joints[k][i] else None,
                      buttons=Button(buttons[k][i]), thumbstick=stick[k, i].copy())
            for i in range(2)
        )
        out.append(InputFrame(t=ts[k], head=head[k].copy(), hands=hands,  # type: ignore[arg-type]
                              gaze=GazeInput(gaze_o[k].copy(), gaze_d[k].copy(), conf[k])))
    return out


def fields_dtype(names: Sequence[str]) -> np.dtype:
    """A structured dtype of the named FRAME_DTYPE fields."""
    return np.dtype([(name, FRAME_DTYPE.fields[name][0]) for name in names])


def field_subset(records: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """(n,) FRAME_DTYPE -> (n,) ``dtype`` (see ``fields_dtype``): only those fields, copied."""
    part = np.zeros(len(records), dtype=dtype)
    for name in dtype.names:
        part[name] = records[name]
    return part


def unshuffle(data: bytes) -> np.ndarray:
    size = PACKED_DTYPE.itemsize
    if len(data) % size:
        raise ValueError(f"frame batch of {len(data)} bytes is not a multiple of {size}")
    planes = np.frombuffer(data, dtype=np.uint8).reshape(size, len(data) // size)
    return np.ascontiguousarray(planes.T).view(PACKED_DTYPE).ravel()
