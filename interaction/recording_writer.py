"""Recorder: writes a session to an xrjig MCAP file without ever stopping the session.

Frames, events, commands and preview poses are buffered and written as ONE chunk per
``flush_interval`` seconds of frame time (default 0.5 s), followed by ``Writer.flush()``:
a process killed mid-session leaves every completed chunk on disk, so a crash loses at most
the last half second. Frames go into one message per chunk (``PACKED_DTYPE`` records,
byte-planes transposed): that shuffle lets zstd find the slowly changing high bytes, which
took 2 h-hand 90 Hz input from 3.8 to 2.8 MB/min (bench/bench_recording.py).

Storage errors (disk full, unwritable path, a vanished USB stick) never raise into the caller:
the recorder stops, keeps the first error message in ``error`` and the session goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
from mcap.writer import CompressionType, Writer

from interaction.events import Event
from interaction.frame import FRAME_DTYPE, InputFrame
from interaction.recording import (
    COMMAND_SCHEMA,
    COMMANDS_TOPIC,
    EVENT_SCHEMA,
    EVENTS_TOPIC,
    FORMAT_VERSION,
    FRAMES_TOPIC,
    METADATA_CRC_KEY,
    OTHERS_TOPIC_PREFIX,
    PACKED_DTYPE,
    PARAMS_SCHEMA,
    PARAMS_TOPIC,
    PREVIEW_SCHEMA,
    PREVIEW_TOPIC,
    PROFILE,
    dtype_schema,
    encode_records,
    metadata_crc,
    preview_json,
)

log = logging.getLogger(__name__)

#: frames per chunk at most, whatever the frame rate (bounds memory and loss)
MAX_BATCH = 256


def seconds_to_ns(t: float) -> int:
    """MCAP times are unsigned nanoseconds; frame times before 0 are clamped."""
    return max(0, round(t * 1e9))


def shuffle_bytes(packed: np.ndarray) -> bytes:
    """(n,) PACKED_DTYPE -> bytes with byte-planes transposed (byte k of every record together)."""
    return packed.view(np.uint8).reshape(len(packed), PACKED_DTYPE.itemsize).T.tobytes()


class Recorder:
    """Record one session; see the module docstring. Use as a context manager or call close()."""

    def __init__(
        self,
        path: str | Path,
        session: Mapping[str, Any],
        *,
        flush_interval: float = 0.5,
        preview_hz: float = 10.0,
    ) -> None:
        self.path = Path(path)
        self.error: str | None = None
        self.frame_count = 0
        self._flush_interval = flush_interval
        self._preview_period = 1.0 / preview_hz if preview_hz > 0 else float("inf")
        self._last_preview_t = -float("inf")
        self._batch = np.zeros(MAX_BATCH, dtype=FRAME_DTYPE)
        self._batch_len = 0
        self._pending: list[tuple[int, int, bytes, int]] = []  # channel, log_time, data, sequence
        self._params_pending: list[tuple[bytes, int]] = []  # data, before_frame
        #: shared sessions: another participant's name -> its channel, and its frames
        #: received since the last chunk (their own ``t`` replaced by this session's time)
        self._others: dict[str, int] = {}
        self._others_pending: dict[str, list[np.ndarray]] = {}
        self._stream: IO[bytes] | None = None
        self._writer: Writer | None = None
        try:
            self._stream = open(self.path, "wb")  # noqa: SIM115 - closed in close()
            self._writer = Writer(self._stream, compression=CompressionType.ZSTD, chunk_size=1 << 30,
                                  enable_data_crcs=True)  # the reader checks the whole data section
            self._writer.start(profile=PROFILE, library="xrjig")
            self._register_channels()
            self._writer.add_metadata("xrjig.session", _as_strings(session))
            self._writer.flush()
        except OSError as err:
            self._fail(err)

    @property
    def ok(self) -> bool:
        return self.error is None

    def _register_channels(self) -> None:
        w = self._writer
        assert w is not None
        #: the packed frames' schema: this participant's channel, and each other's in a session
        self._frames_schema = w.register_schema("xrjig.PackedInputFrame", "numpy-dtype", dtype_schema(PACKED_DTYPE))
        self._frames = w.register_channel(
            FRAMES_TOPIC, "xrjig-packed-frames", self._frames_schema,
            {"format_version": str(FORMAT_VERSION), "layout": "byte-planes of n PACKED_DTYPE records"},
        )
        self._events = w.register_channel(
            EVENTS_TOPIC, "json", w.register_schema("xrjig.Event", "jsonschema", json.dumps(EVENT_SCHEMA).encode())
        )
        self._commands = w.register_channel(
            COMMANDS_TOPIC, "json",
            w.register_schema("xrjig.Command", "jsonschema", json.dumps(COMMAND_SCHEMA).encode()),
        )
        self._params = w.register_channel(
            PARAMS_TOPIC, "json",
            w.register_schema("xrjig.ParamsChange", "jsonschema", json.dumps(PARAMS_SCHEMA).encode()),
        )
        self._preview = w.register_channel(
            PREVIEW_TOPIC, "json",
            w.register_schema("foxglove.FrameTransforms", "jsonschema", json.dumps(PREVIEW_SCHEMA).encode()),
        )

    def write_frame(
        self, frame: InputFrame, events: Iterable[Event] = (), commands: Iterable[Any] = ()
    ) -> None:
        """Record one engine step: the frame the engine saw, its commands and its events.

        Pass the frame the engine was given (``interaction.recording.quantize(raw)``).
        ``commands`` are objects with ``to_dict()`` (interaction.commands) or plain dicts.
        """
        if self._writer is None:
            return
        index = self.frame_count
        self.frame_count += 1
        record = frame.to_record()
        self._batch[self._batch_len] = record
        self._batch_len += 1
        for command in commands:
            body = command if isinstance(command, Mapping) else command.to_dict()
            data = json.dumps({"frame": index, "command": body}, sort_keys=True, separators=(",", ":"))
            self._pending.append((self._commands, seconds_to_ns(frame.t), data.encode(), index))
        for event in events:
            self._pending.append((self._events, seconds_to_ns(event.t), event.to_json().encode(), index))
        if frame.t - self._last_preview_t >= self._preview_period:
            self._last_preview_t = frame.t
            self._pending.append((self._preview, seconds_to_ns(frame.t),
                                  preview_json(record, seconds_to_ns(frame.t)), index))
        first_t = float(self._batch["t"][0])
        if self._batch_len >= MAX_BATCH or frame.t - first_t >= self._flush_interval:
            self.flush()

    def write_other(self, name: str, frame: InputFrame, t: float) -> None:
        """Record another participant's input frame (a shared session), received when
        this session's clock read ``t``: written with the next chunk, so a crash loses
        what the chunk's own frames lose. ``name`` must be a checked participant name."""
        if self._writer is None:
            return
        record = frame.to_record()
        record["t"] = t
        self._others_pending.setdefault(name, []).append(record)

    def _other_channel(self, name: str) -> int:
        channel = self._others.get(name)
        if channel is None:
            w = self._writer
            assert w is not None
            channel = self._others[name] = w.register_channel(
                OTHERS_TOPIC_PREFIX + name, "xrjig-packed-frames", self._frames_schema,
                {"format_version": str(FORMAT_VERSION), "participant": name,
                 "layout": "byte-planes of n PACKED_DTYPE records, t: this recording's time at arrival"},
            )
        return channel

    def write_params(self, params: Mapping[str, Any], rebuilt: bool) -> None:
        """Record a live parameter change that applies from the next frame on.

        ``rebuilt``: the session built a new engine for it (snap / collision tolerances are
        baked in at build time), which restarts the task; a re-run must do the same.
        """
        if self._writer is None:
            return
        index = self.frame_count
        data = json.dumps({"before_frame": index, "params": dict(params), "rebuilt": bool(rebuilt)},
                          sort_keys=True, separators=(",", ":"))
        # written with the chunk of frame ``index`` (a change after the last frame changes nothing)
        self._params_pending.append((data.encode(), index))

    def flush(self) -> None:
        """Write the buffered frames and messages as one chunk and push it to the OS."""
        if self._writer is None or self._batch_len == 0:
            return
        n = self._batch_len
        first_index = self.frame_count - n
        packed = encode_records(self._batch[:n])
        first_ns = seconds_to_ns(float(packed["t"][0]))
        pending = [(self._params, first_ns, data, index) for data, index in self._params_pending]
        pending += self._pending
        others, self._others_pending = self._others_pending, {}
        self._pending, self._params_pending, self._batch_len = [], [], 0
        try:
            self._writer.add_message(self._frames, first_ns, shuffle_bytes(packed),
                                     seconds_to_ns(float(packed["t"][-1])), first_index)
            for name, records in others.items():
                theirs = encode_records(np.stack(records))
                self._writer.add_message(self._other_channel(name), seconds_to_ns(float(theirs["t"][0])),
                                         shuffle_bytes(theirs), seconds_to_ns(float(theirs["t"][-1])), first_index)
            for channel, log_time, data, sequence in pending:
                self._writer.add_message(channel, log_time, data, log_time, sequence)
            self._writer.flush()
        except OSError as err:
            self._fail(err)

    def add_metadata(self, name: str, values: Mapping[str, Any]) -> None:
        """A named metadata record (every value JSON-encoded)."""
        self.flush()
        if self._writer is None:
            return
        try:
            self._writer.add_metadata(name, _as_strings(values))
            self._writer.flush()
        except OSError as err:
            self._fail(err)

    def close(self) -> None:
        """Write the rest, the summary (indexes) and the footer. Safe to call twice."""
        self.flush()
        if self._writer is not None:
            try:
                self._writer.finish()
            except OSError as err:
                self._fail(err)
        self._writer = None
        self._close_stream()

    def _close_stream(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            try:
                stream.close()
            except OSError as err:  # disk full shows up again on the final flush
                log.debug("closing %s after an error: %s", self.path, err)

    def _fail(self, err: OSError) -> None:
        if self.error is None:
            reason = err.strerror or str(err)
            self.error = f"{self.path}: recording stopped: {reason}"
            log.warning("%s", self.error)
        self._writer = None
        self._close_stream()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _as_strings(values: Mapping[str, Any]) -> dict[str, str]:
    """MCAP metadata values are strings: every value is stored as JSON (strings quoted), with
    a checksum of them all so a reader can tell damaged metadata from what was written."""
    strings = {str(k): json.dumps(v, sort_keys=True) for k, v in values.items()}
    strings[METADATA_CRC_KEY] = json.dumps(metadata_crc(strings))
    return strings
