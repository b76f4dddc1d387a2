"""The xrjig recording format (MCAP) and its compact InputFrame encoding.

A recording is one MCAP file (zstd-compressed chunks, one chunk per ~0.5 s so a crash loses at
most that much) with these channels:

``/xrjig/frames``   every InputFrame the engine saw, packed as one ``PACKED_DTYPE`` record
                    (schema encoding ``numpy-dtype``: the schema data is the dtype as JSON, so
                    any NumPy program can read it without xrjig).
``/xrjig/events``   every engine Event, as its canonical JSON line (jsonschema schema).
``/xrjig/commands`` UI commands applied at a frame, JSON ``{"frame": i, "command": {...}}``.
``/xrjig/params``   live parameter changes: ``{"before_frame": i, "params": {...}, "rebuilt": b}``
                    (``rebuilt``: the session rebuilt its engine, restarting the task).
``/xrjig/preview``  a readable subset (head, tracked grips) at 10 Hz as ``foxglove.FrameTransforms``
                    JSON, so Foxglove shows the motion without knowing xrjig.

Metadata records: ``xrjig.session`` (scene sha256, scenario path/hash/variant, parameters,
versions, participant, device, start time), ``xrjig.end`` (written when the task ends) and
``xrjig.questionnaire.<kind>`` (written before the file is closed).

Why a packed encoding instead of the 2048-byte ``FRAME_DTYPE`` record: at 90 Hz with two
tracked hands the raw record is 11 MB/min and float mantissa noise barely compresses. The
packed record stores positions as integers on a fixed grid (poses 0.01 mm, hand joints 0.1 mm
relative to the wrist) and unit vectors / quaternions as int16 (1/32767). Because the grid is
fixed, ``quantize`` is idempotent: the session feeds the engine ``quantize(frame)`` and records
that same frame, and a replay decodes exactly the values the engine saw, bit for bit.
Quantized quaternions are not renormalised (that would break idempotence); their norm is
1 ± 1e-4, and ``scenes.transforms.quat_to_matrix`` normalises anyway.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from interaction.frame import FRAME_DTYPE, JOINT_COUNT, InputFrame, Joint

FRAMES_TOPIC = "/xrjig/frames"
EVENTS_TOPIC = "/xrjig/events"
COMMANDS_TOPIC = "/xrjig/commands"
PARAMS_TOPIC = "/xrjig/params"
PREVIEW_TOPIC = "/xrjig/preview"
#: + a participant's name: the others' input in a shared session, as this participant
#: received it (packed frames like FRAMES_TOPIC's, each at this participant's frame time)
OTHERS_TOPIC_PREFIX = "/xrjig/others/"
PROFILE = "xrjig"
FORMAT_VERSION = 1
#: metadata records "xrjig.device.1", "xrjig.device.2", ...: a device switch mid-trial
DEVICE_CHANGE_PREFIX = "xrjig.device."
#: metadata record of a trial recorded in a shared session: "session", "as" (this
#: participant's name there), "role"; written at joining (the last one counts)
SHARED_SESSION_METADATA = "xrjig.shared_session"

#: key of the CRC-32 xrjig adds to each metadata record (MCAP checks chunks, not metadata)
METADATA_CRC_KEY = "xrjig.crc32"


def decode_metadata_values(values: Mapping[str, str]) -> dict[str, Any]:
    """A metadata record's values with their JSON decoded (a value another tool wrote
    as plain text stays text)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


def metadata_crc(values: Mapping[str, str]) -> str:
    """CRC-32 (hex) of a metadata record's values, in key order, without the CRC itself."""
    text = "\n".join(f"{k}={values[k]}" for k in sorted(values) if k != METADATA_CRC_KEY)
    return f"{zlib.crc32(text.encode()):08x}"


#: metres per integer step of pose and wrist positions
POS_UNIT = 1e-5
#: metres per integer step of hand joint positions relative to the wrist (range +-3.27 m)
JOINT_UNIT = 1e-4
#: metres per integer step of joint radii
RADIUS_UNIT = 1e-5
#: integer steps per unit of quaternion / direction components
UNIT_SCALE = 32767.0

PACKED_DTYPE = np.dtype(
    [
        ("t", "<f8"),
        ("head_p", "<i4", (3,)),
        ("head_q", "<i2", (4,)),
        ("tracked", "u1", (2,)),
        ("aim_p", "<i4", (2, 3)),
        ("aim_q", "<i2", (2, 4)),
        ("grip_p", "<i4", (2, 3)),
        ("grip_q", "<i2", (2, 4)),
        ("pinch", "<f4", (2,)),
        ("grab", "<f4", (2,)),
        ("has_joints", "u1", (2,)),
        ("wrist_p", "<i4", (2, 3)),
        ("joint_p", "<i2", (2, JOINT_COUNT, 3)),
        ("joint_q", "<i2", (2, JOINT_COUNT, 4)),
        ("joint_r", "<u2", (2, JOINT_COUNT)),
        ("buttons", "<u4", (2,)),
        ("thumbstick", "<f4", (2, 2)),
        ("gaze_p", "<i4", (3,)),
        ("gaze_d", "<i2", (3,)),
        ("gaze_c", "<f4"),
    ]
)


#: integer dtype -> (min, max): np.iinfo is built once, not per call (a 90 Hz presence
#: message calls _grid twelve times)
_LIMITS = {d: (float(np.iinfo(d).min), float(np.iinfo(d).max)) for d in ("i2", "i4", "u2")}


def _grid(values: np.ndarray, unit: float, dtype: str) -> np.ndarray:
    low, high = _LIMITS[dtype]
    x = np.rint(np.asarray(values, dtype=np.float64) / unit)
    np.minimum(x, high, out=x)  # np.clip's own wrappers cost more than the clipping
    np.maximum(x, low, out=x)
    return x.astype(dtype)


def encode_records(records: np.ndarray) -> np.ndarray:
    """(n,) FRAME_DTYPE -> (n,) PACKED_DTYPE. Values beyond the grid's range are clipped."""
    r = np.atleast_1d(records)
    p = np.zeros(r.shape, dtype=PACKED_DTYPE)
    p["t"] = r["t"]
    p["head_p"] = _grid(r["head"][..., :3], POS_UNIT, "i4")
    p["head_q"] = _grid(r["head"][..., 3:], 1 / UNIT_SCALE, "i2")
    for hand_field in ("aim", "grip"):
        p[f"{hand_field}_p"] = _grid(r[hand_field][..., :3], POS_UNIT, "i4")
        p[f"{hand_field}_q"] = _grid(r[hand_field][..., 3:], 1 / UNIT_SCALE, "i2")
    for same in ("tracked", "pinch", "grab", "has_joints", "buttons", "thumbstick"):
        p[same] = r[same]
    joints = r["joints"].astype(np.float64)
    wrist = _grid(joints[:, :, Joint.WRIST, :3], POS_UNIT, "i4")
    p["wrist_p"] = wrist
    p["joint_p"] = _grid(joints[..., :3] - wrist[:, :, None, :] * POS_UNIT, JOINT_UNIT, "i2")
    p["joint_q"] = _grid(joints[..., 3:7], 1 / UNIT_SCALE, "i2")
    p["joint_r"] = _grid(joints[..., 7], RADIUS_UNIT, "u2")
    p["gaze_p"] = _grid(r["gaze_origin"], POS_UNIT, "i4")
    p["gaze_d"] = _grid(r["gaze_direction"], 1 / UNIT_SCALE, "i2")
    p["gaze_c"] = r["gaze_confidence"]
    return p


def decode_records(packed: np.ndarray) -> np.ndarray:
    """(n,) PACKED_DTYPE -> (n,) FRAME_DTYPE, vectorised (a replay decodes whole chunks)."""
    p = np.atleast_1d(packed)
    r = np.zeros(p.shape, dtype=FRAME_DTYPE)
    r["t"] = p["t"]
    r["head"][..., :3] = p["head_p"] * POS_UNIT
    r["head"][..., 3:] = p["head_q"] / UNIT_SCALE
    for hand_field in ("aim", "grip"):
        r[hand_field][..., :3] = p[f"{hand_field}_p"] * POS_UNIT
        r[hand_field][..., 3:] = p[f"{hand_field}_q"] / UNIT_SCALE
    for same in ("tracked", "pinch", "grab", "has_joints", "buttons", "thumbstick"):
        r[same] = p[same]
    wrist = p["wrist_p"][:, :, None, :] * POS_UNIT
    r["joints"][..., :3] = wrist + p["joint_p"] * JOINT_UNIT
    r["joints"][..., 3:7] = p["joint_q"] / UNIT_SCALE
    r["joints"][..., 7] = p["joint_r"] * RADIUS_UNIT
    r["gaze_origin"] = p["gaze_p"] * POS_UNIT
    r["gaze_direction"] = p["gaze_d"] / UNIT_SCALE
    r["gaze_confidence"] = p["gaze_c"]
    return r


def quantize(frame: InputFrame) -> InputFrame:
    """The frame exactly as a recording stores it; feed THIS to the engine and the recorder.

    Idempotent within +-20 m of the origin (``quantize(quantize(f)) == quantize(f)``), which is
    what makes a replay bit-identical to the live session.
    """
    return InputFrame.from_record(decode_records(encode_records(frame.to_record()))[0])


def dtype_schema(dtype: np.dtype) -> bytes:
    """The packed dtype as JSON (NumPy's ``descr``), the frames channel's schema data."""
    return json.dumps({"numpy_descr": dtype.descr, "itemsize": dtype.itemsize,
                       "units": {"POS_UNIT": POS_UNIT, "JOINT_UNIT": JOINT_UNIT,
                                 "RADIUS_UNIT": RADIUS_UNIT, "UNIT_SCALE": UNIT_SCALE}}).encode()


EVENT_SCHEMA = {
    "title": "xrjig.Event",
    "type": "object",
    "properties": {
        "frame": {"type": "integer"},
        "t": {"type": "number"},
        "kind": {"type": "string"},
        "hand": {"type": ["string", "null"]},
        "part": {"type": ["string", "null"]},
        "step": {"type": ["string", "null"]},
        "point": {"type": ["string", "null"]},
        "data": {"type": "object"},
    },
    "required": ["frame", "t", "kind"],
}

COMMAND_SCHEMA = {
    "title": "xrjig.Command",
    "type": "object",
    "properties": {"frame": {"type": "integer"}, "command": {"type": "object"}},
    "required": ["frame", "command"],
}

PARAMS_SCHEMA = {
    "title": "xrjig.ParamsChange",
    "type": "object",
    "properties": {"before_frame": {"type": "integer"}, "params": {"type": "object"},
                   "rebuilt": {"type": "boolean"}},
    "required": ["before_frame", "params", "rebuilt"],
}

_VEC3 = {"type": "object", "properties": {k: {"type": "number"} for k in "xyz"}}
_QUAT = {"type": "object", "properties": {k: {"type": "number"} for k in "xyzw"}}
_TIME = {"type": "object", "properties": {"sec": {"type": "integer"}, "nsec": {"type": "integer"}}}

#: Foxglove's well-known schema name: its 3D panel draws these transforms as axes.
PREVIEW_SCHEMA = {
    "title": "foxglove.FrameTransforms",
    "type": "object",
    "properties": {
        "transforms": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "timestamp": _TIME,
                    "parent_frame_id": {"type": "string"},
                    "child_frame_id": {"type": "string"},
                    "translation": _VEC3,
                    "rotation": _QUAT,
                },
            },
        }
    },
}


def preview_json(record: np.ndarray, log_time_ns: int) -> bytes:
    """Head, tracked grips and the gaze origin of one FRAME_DTYPE record as FrameTransforms."""
    stamp = {"sec": log_time_ns // 1_000_000_000, "nsec": log_time_ns % 1_000_000_000}
    poses = [("head", record["head"])]
    for i, name in enumerate(("left_grip", "right_grip")):
        if record["tracked"][i]:
            poses.append((name, record["grip"][i]))
    transforms = [
        {
            "timestamp": stamp,
            "parent_frame_id": "scene",
            "child_frame_id": name,
            "translation": dict(zip("xyz", (round(float(v), 5) for v in pose[:3]), strict=True)),
            "rotation": dict(zip("xyzw", (round(float(v), 5) for v in pose[3:]), strict=True)),
        }
        for name, pose in poses
    ]
    return json.dumps({"transforms": transforms}, separators=(",", ":")).encode()
