"""Presence on the wire: one participant's head, hands and gaze, as small as a recording
keeps them.

A message is ``MAGIC`` (4 bytes), its kind (``KEY`` or ``DELTA``), a sequence number
(uint32), the sender's session time (float64, seconds) and the frame's packed record
(interaction/recording.py: the same fixed grid a recording stores, 1030 bytes) compressed
with zstd level 1. Every ``KEY_EVERY``-th message is a ``KEY``; the others are ``DELTA``s,
the record XOR its key's (frames half a second apart still differ mostly in low bytes, so
it compresses to a fraction). Against the key, not the previous message: delivery is best
effort, and a lost delta then costs only itself, a lost key the rest of its half second
(deltas on the previous message lost everything up to the next key: 13 % of the frames with
8 participants on this machine's 2 cores). A desktop participant with synthesised finger
joints: 626 bytes as keys, about 100 on average.

Messages come from the network, so ``decode`` trusts nothing: a size bound before
decompressing, an exact decompressed size, a known magic, finite numbers. A bad message is
a ``WireError`` with one line saying what is wrong; the receiver drops it and goes on.
"""

from __future__ import annotations

import struct

import numpy as np
import zstandard

from interaction.frame import InputFrame
from interaction.recording import PACKED_DTYPE, decode_records, encode_records

#: "XJP2": deltas against the key (XJP1's were against the previous message)
MAGIC = b"XJP2"
KEY, DELTA = 1, 2
#: one message in this many is a key frame (90 Hz: every half second)
KEY_EVERY = 45
_HEADER = struct.Struct("<4sBId")
#: the largest message accepted (a packed frame never compresses to more than its size)
MAX_MESSAGE_BYTES = _HEADER.size + 2 * PACKED_DTYPE.itemsize
_compress = zstandard.ZstdCompressor(level=1).compress


class WireError(ValueError):
    """A presence message that cannot be used (one line: what is wrong with it)."""


class Encoder:
    """One sender's messages: keys, and deltas against the last key."""

    def __init__(self) -> None:
        self.seq = 0
        self._key: np.ndarray | None = None

    def encode(self, frame: InputFrame, t: float) -> bytes:
        """The next message, for ``frame`` (quantised on the recording's grid on the way)."""
        packed = np.frombuffer(encode_records(frame.to_record()).tobytes(), np.uint8)
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        if self._key is None or (self.seq - 1) % KEY_EVERY == 0:
            self._key = packed
            kind, body = KEY, packed
        else:
            kind, body = DELTA, packed ^ self._key
        return _HEADER.pack(MAGIC, kind, self.seq, float(t)) + _compress(body.tobytes())


#: PACKED_DTYPE's float fields
_PACKED_FLOATS = tuple(n for n in PACKED_DTYPE.names if PACKED_DTYPE.fields[n][0].base.kind == "f")


class Decoder:
    """One sender's frames back from its messages (a receiver keeps one per sender)."""

    def __init__(self) -> None:
        #: the last sequence number shown, and the last key (its number and record)
        self.seq: int | None = None
        self._key_seq: int | None = None
        self._key: np.ndarray | None = None

    def decode(self, message: bytes) -> tuple[int, float, InputFrame] | None:
        """(sequence number, sender time, frame), None for a delta whose base was missed
        (or an older message than the last), WireError for a bad message."""
        if len(message) > MAX_MESSAGE_BYTES:
            raise WireError(f"presence message of {len(message)} bytes (at most {MAX_MESSAGE_BYTES})")
        if len(message) < _HEADER.size:
            raise WireError(f"presence message of {len(message)} bytes is cut short")
        magic, kind, seq, t = _HEADER.unpack_from(message)
        if magic != MAGIC or kind not in (KEY, DELTA):
            raise WireError("not an xrjig presence message (unknown magic or kind)")
        if not np.isfinite(t):
            raise WireError("presence message with a non-finite time")
        try:
            raw = zstandard.ZstdDecompressor().decompress(
                message[_HEADER.size:], max_output_size=PACKED_DTYPE.itemsize
            )
        except zstandard.ZstdError as err:
            raise WireError(f"presence message does not decompress ({err})") from None
        if len(raw) != PACKED_DTYPE.itemsize:
            raise WireError(f"presence frame of {len(raw)} bytes (expected {PACKED_DTYPE.itemsize})")
        body = np.frombuffer(raw, np.uint8)
        if self.seq is not None and (self.seq - seq) & 0xFFFFFFFF < 2**31:
            return None  # not newer than what was shown already (delivery may reorder)
        if kind == DELTA:
            if self._key is None or self._key_seq is None or not 0 < (seq - self._key_seq) & 0xFFFFFFFF < KEY_EVERY:
                return None  # its key was lost: wait for the next one
            body = body ^ self._key
        packed = np.frombuffer(body.tobytes(), PACKED_DTYPE)
        # the packed floats are the only ones that can be non-finite: the rest are integers
        # on the recordings' grid, which decode_records only scales (one check, not one per field)
        floats = np.concatenate([packed[name].ravel() for name in _PACKED_FLOATS])
        if not np.isfinite(floats).all():
            bad = next(name for name in _PACKED_FLOATS if not np.isfinite(packed[name]).all())
            raise WireError(f"presence frame with a non-finite {bad}")
        self.seq = seq
        if kind == KEY:
            self._key_seq, self._key = seq, body
        return seq, t, InputFrame.from_record(decode_records(packed)[0])
