"""Recording: read an xrjig MCAP file, complete or cut short by a crash.

Opening reads only the index: from the MCAP summary when the file was closed properly, else
by scanning the top-level records and keeping every chunk that decodes with a valid CRC (a
crashed or truncated file yields its valid prefix and ONE warning line in ``warning``, which
the CLI prints and the GUI shows). Chunks
are decoded on demand (a small LRU cache), so seeking in an hour-long recording reads one
~25 KB chunk instead of the whole file.
"""

from __future__ import annotations

import bisect
import io
import json
import struct
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import zstandard
from mcap.exceptions import EndOfFile, McapError
from mcap.reader import SeekingReader
from mcap.records import Channel, Chunk, Message, Metadata
from mcap.stream_reader import CRCValidationError, StreamReader, breakup_chunk

from interaction.events import Event
from interaction.frame import FRAME_DTYPE, Button, GazeInput, HandInput, InputFrame
from interaction.recording import (
    COMMANDS_TOPIC,
    DEVICE_CHANGE_PREFIX,
    EVENTS_TOPIC,
    FORMAT_VERSION,
    FRAMES_TOPIC,
    PACKED_DTYPE,
    PARAMS_TOPIC,
    PROFILE,
    decode_records,
)
from scenes.model import SceneError

#: refuse records larger than this (a corrupt length field must not allocate gigabytes)
RECORD_SIZE_LIMIT = 256 * 1024 * 1024
_BROKEN = (McapError, CRCValidationError, struct.error, ValueError, UnicodeDecodeError, zstandard.ZstdError)


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

    @property
    def times(self) -> np.ndarray:
        return self.records["t"]


class Recording:
    """Read access to one recording. Raises SceneError(path, ...) if it is not one at all."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.warning: str | None = None
        self.metadata: dict[str, dict[str, str]] = {}
        self._topics: dict[int, str] = {}
        self._chunks: list[ChunkRef] = []
        self._starts: list[int] = []
        self._cache: OrderedDict[int, Batch] = OrderedDict()
        #: chunk number -> its first frame index, learnt by ``_chunk_of_index``
        self._first_index: dict[int, int] = {}
        #: events, commands and parameter changes of the whole recording (small; frames are not kept)
        self._all: Batch | None = None
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        except OSError as err:
            raise SceneError(self.path, f"cannot open recording: {err.strerror}") from None
        try:
            self._read_index()
        except SceneError:
            self.close()
            raise
        if "xrjig.session" not in self.metadata:
            self.close()
            raise SceneError(self.path, "not an xrjig recording (no xrjig.session metadata)")

    # -- index -------------------------------------------------------------------------
    def _read_index(self) -> None:
        try:
            reader = SeekingReader(self._file, record_size_limit=RECORD_SIZE_LIMIT)
            header = reader.get_header()
        except _BROKEN as err:
            raise SceneError(self.path, f"not an MCAP recording ({err})") from None
        if header.profile != PROFILE:
            raise SceneError(self.path, f"not an xrjig recording (MCAP profile {header.profile!r})")
        try:
            summary = reader.get_summary()
        except _BROKEN:
            summary = None
        if summary is not None and summary.chunk_indexes:
            self._topics = {cid: ch.topic for cid, ch in summary.channels.items()}
            self._chunks = [ChunkRef(c.chunk_start_offset, c.chunk_length, c.message_start_time)
                            for c in sorted(summary.chunk_indexes, key=lambda c: c.chunk_start_offset)]
            for m in reader.iter_metadata():
                self.metadata[m.name] = dict(m.metadata)
        else:
            self._scan()
        self._check_version()

    def _scan(self) -> None:
        """Index a file without a summary record by record, stopping at the first broken one."""
        self._file.seek(0)
        records = StreamReader(self._file, emit_chunks=True, record_size_limit=RECORD_SIZE_LIMIT).records
        offset = 0
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except EndOfFile:
                self._warn("ends early (was the recording interrupted?); using the complete part")
                break
            except _BROKEN as err:
                self._warn(f"is damaged after byte {offset} ({err}); using the part before it")
                break
            end = self._file.tell()
            if isinstance(record, Chunk):
                ref = ChunkRef(offset, end - offset, record.message_start_time)
                try:
                    self._parse_chunk(_chunk_records(record), 0)
                except _BROKEN as err:
                    self._warn(f"has a damaged chunk at byte {offset} ({err}); using the part before it")
                    break
                self._chunks.append(ref)
            elif isinstance(record, Metadata):
                self.metadata[record.name] = dict(record.metadata)
            elif isinstance(record, Channel):
                self._topics[record.id] = record.topic
            offset = end

    def _check_version(self) -> None:
        session = self.metadata.get("xrjig.session", {})
        version = int(json.loads(session.get("format_version", str(FORMAT_VERSION))))
        if version > FORMAT_VERSION:
            raise SceneError(self.path, f"recording format {version} is newer than this xrjig ({FORMAT_VERSION})")

    def _warn(self, message: str) -> None:
        if self.warning is None:
            self.warning = f"{self.path}: {message}"

    # -- chunks ------------------------------------------------------------------------
    def _decode(self, i: int) -> Batch:
        batch = self._cache.get(i)
        if batch is not None:
            self._cache.move_to_end(i)
            return batch
        ref = self._chunks[i]
        self._file.seek(ref.offset)
        raw = self._file.read(ref.length)
        try:
            chunk = next(StreamReader(io.BytesIO(raw), skip_magic=True, emit_chunks=True).records)
            if not isinstance(chunk, Chunk):
                raise McapError(f"expected a chunk at byte {ref.offset}")
            batch = self._parse_chunk(_chunk_records(chunk), ref.start_ns)
        except _BROKEN as err:
            raise SceneError(self.path, f"damaged chunk at byte {ref.offset}: {err}") from None
        self._cache[i] = batch
        if len(self._cache) > 8:
            self._cache.popitem(last=False)
        return batch

    def _parse_chunk(self, records: list[Any], start_ns: int) -> Batch:
        batch = Batch(0, np.zeros(0, dtype=FRAME_DTYPE))
        for r in records:
            if isinstance(r, Channel):
                self._topics[r.id] = r.topic
            elif isinstance(r, Message):
                topic = self._topics.get(r.channel_id)
                if topic == FRAMES_TOPIC:
                    batch.first_index = r.sequence
                    batch.records = decode_records(_unshuffle(r.data))
                elif topic == EVENTS_TOPIC:
                    batch.event_lines.append(r.data.decode())
                elif topic == COMMANDS_TOPIC:
                    body = json.loads(r.data)
                    batch.commands.append((int(body["frame"]), body["command"]))
                elif topic == PARAMS_TOPIC:
                    body = json.loads(r.data)
                    batch.params_changes.append((int(body["before_frame"]), dict(body["params"]), bool(body["rebuilt"])))
        return batch

    # -- public API ----------------------------------------------------------------------
    @property
    def session(self) -> dict[str, Any]:
        """The xrjig.session metadata with its JSON values decoded."""
        return _decode_values(self.metadata["xrjig.session"])

    @property
    def end(self) -> dict[str, Any]:
        return _decode_values(self.metadata.get("xrjig.end", {}))

    @property
    def questionnaires(self) -> dict[str, dict[str, Any]]:
        prefix = "xrjig.questionnaire."
        return {name[len(prefix):]: _decode_values(v) for name, v in self.metadata.items() if name.startswith(prefix)}

    @property
    def device_changes(self) -> list[dict[str, Any]]:
        """Device switches during the trial, in order: ``from_frame``, ``t`` (of the last
        frame before it), ``device``, ``reason`` (why the previous device stopped, or ""),
        ``assist`` (what the new device does for the participant, recordings since 2026-12)."""
        changes = [
            _decode_values(v) for name, v in self.metadata.items() if name.startswith(DEVICE_CHANGE_PREFIX)
        ]
        valid = [  # records another tool wrote differently are left out, not fatal
            c for c in changes
            if isinstance(c.get("from_frame"), int) and isinstance(c.get("t"), (int, float))
            and isinstance(c.get("device"), str)
        ]
        return sorted(valid, key=lambda c: c["from_frame"])

    @property
    def chunk_count(self) -> int:
        return len(self._chunks)

    @property
    def chunks(self) -> tuple[ChunkRef, ...]:
        """Where each chunk (~0.5 s of the session) lies in the file and when it starts."""
        return tuple(self._chunks)

    def _decode_or_cut(self, i: int) -> Batch | None:
        """Chunk ``i``, or None after cutting the recording to the valid prefix before it."""
        try:
            return self._decode(i)
        except SceneError as err:
            self._warn(str(err).split(": ", 1)[-1] + "; using the part before it")
            del self._chunks[i:]
            self._all = None
            return None

    def batches(self) -> Iterator[Batch]:
        """Every chunk in order; a damaged one ends the iteration (and the recording)."""
        i = 0
        while i < len(self._chunks):
            batch = self._decode_or_cut(i)
            if batch is None:
                return
            yield batch
            i += 1

    def _last(self) -> Batch | None:
        if not self._chunks:
            return None
        last = self._decode_or_cut(len(self._chunks) - 1)
        if last is None:  # damaged at the end: find the valid prefix from the start
            for _ in self.batches():
                pass
            return self._decode(len(self._chunks) - 1) if self._chunks else None
        return last

    def _messages(self) -> Batch:
        """Events, commands and parameter changes of every chunk (decoded once, kept)."""
        if self._all is None:
            total = Batch(0, np.zeros(0, dtype=FRAME_DTYPE))
            for b in self.batches():
                total.event_lines += b.event_lines
                total.commands += b.commands
                total.params_changes += b.params_changes
            self._all = total
        return self._all

    @property
    def frames(self) -> np.ndarray:
        """All frames as one (n,) FRAME_DTYPE array: 2 KB a frame, ~11 MB a minute at 90 Hz;
        use ``columns`` for long recordings."""
        return self.columns(FRAME_DTYPE.names)

    def columns(self, names: Sequence[str]) -> np.ndarray:
        """(n,) structured array of only the named FRAME_DTYPE fields of every frame
        (metrics need ~150 of the 2048 bytes a frame; an hour at 90 Hz stays ~50 MB)."""
        dtype = np.dtype([(name, FRAME_DTYPE.fields[name][0]) for name in names])
        parts = []
        for b in self.batches():
            part = np.zeros(len(b.records), dtype=dtype)
            for name in names:
                part[name] = b.records[name]
            parts.append(part)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    @property
    def event_lines(self) -> list[str]:
        return list(self._messages().event_lines)

    @property
    def events(self) -> list[Event]:
        return [Event.from_dict(json.loads(line)) for line in self.event_lines]

    @property
    def commands(self) -> dict[int, list[dict[str, Any]]]:
        """frame index -> the commands applied with that frame, in order."""
        out: dict[int, list[dict[str, Any]]] = {}
        for index, command in self._messages().commands:
            out.setdefault(index, []).append(command)
        return out

    @property
    def params_changes(self) -> dict[int, tuple[dict[str, Any], bool]]:
        """frame index -> (parameters from that frame on, whether the engine was rebuilt)."""
        return {index: (params, rebuilt) for index, params, rebuilt in self._messages().params_changes}

    def steps(self, start_index: int = 0) -> Iterator[tuple[int, InputFrame, list[dict[str, Any]]]]:
        """(frame index, InputFrame, commands of that frame) from ``start_index`` on,
        decoding one chunk at a time (what verify, resim and replay feed the engine)."""
        i = self._chunk_of_index(start_index) if self._chunks else 0
        while i < len(self._chunks):
            batch = self._decode_or_cut(i)
            if batch is None:
                return
            i += 1
            by_frame: dict[int, list[dict[str, Any]]] = {}
            for index, command in batch.commands:
                by_frame.setdefault(index, []).append(command)
            skip = max(0, start_index - batch.first_index)
            for j, frame in enumerate(frames_from_records(batch.records[skip:]), skip):
                index = batch.first_index + j
                yield index, frame, by_frame.get(index, [])

    def _chunk_of_index(self, index: int) -> int:
        """Binary search over chunks by their first frame index (decodes each chunk it
        visits once; the first indexes are kept, so a replay's per-tick lookups are free)."""
        lo, hi = 0, len(self._chunks) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            first = self._first_index.get(mid)
            if first is None:
                first = self._first_index[mid] = self._decode(mid).first_index
            if first <= index:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def frame_at(self, index: int) -> InputFrame:
        """Frame number ``index`` (0-based); IndexError beyond the recording."""
        if index < 0 or not self._chunks:
            raise IndexError(index)
        batch = self._decode(self._chunk_of_index(index))
        j = index - batch.first_index
        if j >= len(batch.records):
            raise IndexError(index)
        return InputFrame.from_record(batch.records[j])

    @property
    def start_t(self) -> float:
        return float(self._decode(0).times[0]) if self._chunks else 0.0

    @property
    def end_t(self) -> float:
        last = self._last()
        return float(last.times[-1]) if last is not None else 0.0

    @property
    def frame_count(self) -> int:
        last = self._last()
        return last.first_index + len(last.records) if last is not None else 0

    def seek(self, t: float) -> tuple[int, InputFrame]:
        """The last frame at or before ``t`` seconds (the first frame if ``t`` is earlier)."""
        if not self._chunks:
            raise SceneError(self.path, "the recording holds no frames")
        if len(self._starts) != len(self._chunks):
            self._starts = [c.start_ns for c in self._chunks]
        i = max(0, bisect.bisect_right(self._starts, max(0, round(t * 1e9))) - 1)
        batch = self._decode(i)
        j = max(0, int(np.searchsorted(batch.times, t, side="right")) - 1)
        return batch.first_index + j, InputFrame.from_record(batch.records[j])

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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


def _chunk_records(chunk: Chunk) -> list[Any]:
    """mcap's own chunk parser, with the chunk's CRC checked."""
    return breakup_chunk(chunk, validate_crc=True)


def _unshuffle(data: bytes) -> np.ndarray:
    size = PACKED_DTYPE.itemsize
    if len(data) % size:
        raise ValueError(f"frame batch of {len(data)} bytes is not a multiple of {size}")
    planes = np.frombuffer(data, dtype=np.uint8).reshape(size, len(data) // size)
    return np.ascontiguousarray(planes.T).view(PACKED_DTYPE).ravel()


def _decode_values(values: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:  # metadata written by another tool
            out[k] = v
    return out
