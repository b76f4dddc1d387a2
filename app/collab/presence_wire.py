"""Presence on the wire: one participant's head, hands and gaze, as small as a recording
keeps them.

A message is ``MAGIC`` (4 bytes), its kind (``KEY`` or ``DELTA``), a sequence number
(uint32), the sender's session time (float64, seconds) and the frame's packed record
(interaction/recording.py: the same fixed grid a recording stores, 1030 bytes) compressed
with zstd level 1. A ``DELTA`` carries the record XOR the previous message's (consecutive
frames differ in a few low bytes, so it compresses to a fraction); every ``KEY_EVERY``-th
message is a ``KEY``, so a receiver that missed one (delivery is best effort) waits at most
that long. A desktop participant with synthesised finger joints: 626 bytes as keys, under
200 on average with deltas.

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

MAGIC = b"XJP1"
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
    """One sender's messages: keys and deltas against what it sent before."""

    def __init__(self) -> None:
        self.seq = 0
        self._previous: np.ndarray | None = None

    def encode(self, frame: InputFrame, t: float) -> bytes:
        """The next message, for ``frame`` (quantised on the recording's grid on the way)."""
        packed = np.frombuffer(encode_records(frame.to_record()).tobytes(), np.uint8)
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        kind, body = KEY, packed
        if self._previous is not None and (self.seq - 1) % KEY_EVERY:
            kind, body = DELTA, packed ^ self._previous
        self._previous = packed
        return _HEADER.pack(MAGIC, kind, self.seq, float(t)) + _compress(body.tobytes())


class Decoder:
    """One sender's frames back from its messages (a receiver keeps one per sender)."""

    def __init__(self) -> None:
        self.seq: int | None = None
        self._previous: np.ndarray | None = None

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
        if kind == DELTA:
            if self._previous is None or self.seq is None or seq != (self.seq + 1) & 0xFFFFFFFF:
                return None  # its base was lost: wait for the next key
            body = body ^ self._previous
        elif self.seq is not None and 0 < (self.seq - seq) & 0xFFFFFFFF < 2**31:
            return None  # older than what was shown already (delivery may reorder)
        record = decode_records(np.frombuffer(body.tobytes(), PACKED_DTYPE))[0]
        for name in record.dtype.names:
            value = record[name]
            if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                raise WireError(f"presence frame with a non-finite {name}")
        self.seq, self._previous = seq, body
        return seq, t, InputFrame.from_record(record)
