"""Recording: read an xrjig MCAP file, complete, cut short by a crash, or damaged.

Opening a properly closed file reads only its index (the MCAP summary); chunks are decoded
on demand (a small LRU cache), so seeking in an hour-long recording reads one ~25 KB chunk
instead of the whole file. A file without a usable summary (a crash, a damaged index) is
scanned record by record instead, checking every chunk's CRC.

Damage is never silent. The recording is used up to its first damaged or missing part,
because a replay cannot go on past a gap (the engine would miss what happened in it); what
lies beyond is still read to say what was skipped: ``damage`` holds where and how much (frames,
seconds, bytes), and ``warning`` says it in one line for the CLI, the report and the replay
window. A chunk found damaged while replaying a file whose index looked fine makes the reader
rescan the file, so the same words come out whichever way the damage was met. Metadata has no
CRC of its own in MCAP, so xrjig writes one into each record (``metadata_crc``); a record whose
checksum fails is a warning, and a session record that cannot be read at all is an error.
"""

from __future__ import annotations

import bisect
import io
import json
import os
import struct
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import zstandard
from mcap.exceptions import EndOfFile, McapError
from mcap.opcode import Opcode
from mcap.reader import SeekingReader
from mcap.records import Channel, Chunk, DataEnd, Footer, Message, Metadata
from mcap.stream_reader import CRCValidationError, StreamReader, breakup_chunk

from interaction.events import Event
from interaction.frame import FRAME_DTYPE, Button, GazeInput, HandInput, InputFrame
from interaction.recording import (
    COMMANDS_TOPIC,
    DEVICE_CHANGE_PREFIX,
    EVENTS_TOPIC,
    FORMAT_VERSION,
    FRAMES_TOPIC,
    METADATA_CRC_KEY,
    PACKED_DTYPE,
    PARAMS_TOPIC,
    PROFILE,
    decode_records,
    metadata_crc,
)
from interaction.recording_damage import Damage
from scenes.model import SceneError

#: refuse records larger than this (a corrupt length field must not allocate gigabytes)
RECORD_SIZE_LIMIT = 256 * 1024 * 1024
_BROKEN = (McapError, CRCValidationError, struct.error, ValueError, UnicodeDecodeError, zstandard.ZstdError,
           KeyError, TypeError, OverflowError, MemoryError)
#: an MCAP record starts with a 1-byte opcode and an 8-byte little-endian length
_RECORD_HEAD = struct.Struct("<BQ")
_MAGIC = b"\x89MCAP0\r\n"
_MAGIC_LENGTH = len(_MAGIC)
#: a Footer record: opcode, length, summary start, summary offset start, summary CRC
_FOOTER_LENGTH = 1 + 8 + 8 + 8 + 4
#: a DataEnd record: opcode, length, data section CRC
_DATA_END_LENGTH = 1 + 8 + 4


class _UnreadableRecord(Exception):
    """A record whose head (opcode, length) is plausible but whose body does not parse: the
    records after it can still be followed."""

    def __init__(self, length: int, opcode: int, err: Exception) -> None:
        super().__init__(str(err))
        self.length, self.opcode, self.err = length, opcode, err


def _what(err: Exception) -> str:
    """A reader's error in a researcher's words (the library's text stays for the expert)."""
    if isinstance(err, CRCValidationError):
        return "a chunk fails its checksum"
    if isinstance(err, zstandard.ZstdError) or "decompression" in str(err):
        return "a chunk cannot be decompressed"
    if isinstance(err, EndOfFile):
        return "a length inside it is wrong"
    return str(err) or type(err).__name__


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

    @property
    def end_index(self) -> int:
        """The index one past this chunk's last frame."""
        return self.first_index + len(self.records)


@dataclass
class _Tally:
    """What a scan saw past the first damage: how much the recording loses there."""

    frames_end: int = 0
    last_t: float | None = None

    def add(self, batch: Batch) -> None:
        if len(batch.records):
            self.frames_end = max(self.frames_end, batch.end_index)
            self.last_t = max(self.last_t or -np.inf, float(batch.times[-1]))


class Recording:
    """Read access to one recording. Raises SceneError(path, ...) if it is not one at all."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        #: one line each, in the order found: the recording's damage, damaged metadata
        self.warnings: list[str] = []
        #: where the recording stops being usable and what lies beyond (None: it is whole)
        self.damage: Damage | None = None
        self.metadata: dict[str, dict[str, str]] = {}
        self._topics: dict[int, str] = {}
        self._chunks: list[ChunkRef] = []
        self._starts: list[int] = []
        self._cache: OrderedDict[int, Batch] = OrderedDict()
        #: chunk number -> its first frame index, learnt by ``_chunk_of_index``
        self._first_index: dict[int, int] = {}
        #: events, commands and parameter changes of the whole recording (small; frames are not kept)
        self._all: Batch | None = None
        self._scanned = False
        #: (offset, data section CRC) of the DataEnd record, once known
        self._data_end: tuple[int, int] | None = None
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 - closed in close()
            self._size = os.fstat(self._file.fileno()).st_size
            #: ends with MCAP's closing magic: a file cut short ends inside its records instead
            self._closed = self._size >= 2 * _MAGIC_LENGTH and self._tail() == _MAGIC
        except OSError as err:
            raise SceneError(self.path, f"cannot open recording: {err.strerror}") from None
        try:
            self._read_index()
        except SceneError:
            self.close()
            raise
        if "xrjig.session" not in self.metadata:
            self.close()
            if self.warnings:
                raise SceneError(self.path, "its xrjig.session metadata is damaged or missing; it cannot be replayed")
            raise SceneError(self.path, "not an xrjig recording (no xrjig.session metadata)")

    def _tail(self) -> bytes:
        self._file.seek(self._size - _MAGIC_LENGTH)
        tail = self._file.read(_MAGIC_LENGTH)
        self._file.seek(0)
        return tail

    @property
    def warning(self) -> str | None:
        """Every warning in one line (None for a whole recording). Damage met while reading
        shows up here as soon as it is met: ask after reading what you use."""
        return "; ".join(self.warnings) if self.warnings else None

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
        footer = self._footer()
        if footer is not None and footer.summary_start:
            self._find_data_end(footer.summary_start)
        if summary is not None and not self._closed:
            self._warn("its closing bytes (the MCAP magic) are damaged; the rest reads as written")
        if summary is not None and summary.chunk_indexes:
            self._topics = {cid: ch.topic for cid, ch in summary.channels.items()}
            self._chunks = [ChunkRef(c.chunk_start_offset, c.chunk_length, c.message_start_time)
                            for c in sorted(summary.chunk_indexes, key=lambda c: c.chunk_start_offset)]
            sound = self._summary_crc_holds() and self._index_is_sound(summary)
            if not sound or not all(self._read_metadata_at(i.offset) for i in summary.metadata_indexes):
                self._rescan()  # the metadata index or a record is damaged: find what is readable
        elif self._closed:
            self._rescan()  # closed properly, so it had an index: a damaged one
        else:
            self._scan()
        self._check_version()

    def _find_data_end(self, summary_start: int) -> None:
        """The DataEnd record (opcode, length, CRC: 13 bytes) ends where the summary starts."""
        at = summary_start - _DATA_END_LENGTH
        try:
            record = self._record_at(at)[0] if at > _MAGIC_LENGTH else None
        except (*_BROKEN, EndOfFile, _UnreadableRecord):
            return
        if isinstance(record, DataEnd):
            self._data_end = (at, record.data_section_crc)

    def _footer(self) -> Footer | None:
        """The footer record just before the closing magic (None if it is not there)."""
        at = self._size - _MAGIC_LENGTH - _FOOTER_LENGTH
        try:
            record = self._record_at(at)[0] if at > _MAGIC_LENGTH else None
        except (*_BROKEN, EndOfFile, _UnreadableRecord):
            return None
        return record if isinstance(record, Footer) else None

    def _summary_crc_holds(self) -> bool:
        """The summary section (indexes, statistics) against the footer's CRC of it, which
        covers the summary and the footer's own fields before the CRC."""
        footer = self._footer()
        if footer is None or not footer.summary_crc or not footer.summary_start:
            return footer is not None
        end = self._size - _MAGIC_LENGTH - 4  # the CRC is the footer's last field
        if not _MAGIC_LENGTH <= footer.summary_start < end:
            return False
        return _crc_of(self._file, footer.summary_start, end) == footer.summary_crc

    def _index_is_sound(self, summary: Any) -> bool:
        """The summary's chunk list agrees with itself and with its statistics: chunks lie
        inside the file, in order, without overlapping, as many as the statistics count (a
        damaged index can silently leave chunks out)."""
        stats = summary.statistics
        if stats is None or stats.chunk_count != len(self._chunks):
            return False
        end = _MAGIC_LENGTH
        for c in self._chunks:
            if c.offset < end or c.length > RECORD_SIZE_LIMIT or c.offset + c.length > self._size:
                return False
            end = c.offset + c.length
        return True

    def _read_metadata_at(self, offset: int) -> bool:
        """Keep the metadata record at ``offset``; False if there is none to read there."""
        try:
            record = self._record_at(offset)[0]
        except (*_BROKEN, EndOfFile, _UnreadableRecord):
            return False
        if not isinstance(record, Metadata):
            return False
        self._keep_metadata(record)
        return True

    def _keep_metadata(self, record: Metadata) -> None:
        values = dict(record.metadata)
        stored = values.pop(METADATA_CRC_KEY, None)
        if stored is not None and stored != json.dumps(metadata_crc(values)):
            self._warn(f"its {record.name!r} metadata is damaged (checksum mismatch): "
                       "values in it may be wrong")
        self.metadata[record.name] = values

    def _record_at(self, offset: int) -> tuple[Any, int]:
        """The record starting at ``offset`` and its length with its head. EndOfFile when the
        file ends inside it, McapError when its head cannot be right (the records cannot be
        followed past it), _UnreadableRecord when the head is plausible but the body is not."""
        self._file.seek(offset)
        head = self._file.read(_RECORD_HEAD.size)
        if len(head) < _RECORD_HEAD.size:
            raise EndOfFile()
        opcode, length = _RECORD_HEAD.unpack(head)
        if length > RECORD_SIZE_LIMIT or opcode == 0:
            raise McapError(f"no valid record (opcode {opcode}, length {length})")
        if offset + _RECORD_HEAD.size + length > self._size:
            raise EndOfFile()
        body = self._file.read(length)
        reader = StreamReader(io.BytesIO(head + body), skip_magic=True, emit_chunks=True,
                              record_size_limit=RECORD_SIZE_LIMIT)
        try:
            return next(reader.records, None), _RECORD_HEAD.size + length
        except _BROKEN as err:
            raise _UnreadableRecord(_RECORD_HEAD.size + length, opcode, err) from None

    def _scan(self) -> None:
        """Index the file record by record, checking every chunk; the chunks before the first
        damaged or missing part are used, the ones after only counted (``damage``). Where the
        records cannot even be framed (a zeroed block), the scan goes on at the next chunk the
        file's index knew of, if it had one."""
        self._scanned = True
        known = sorted(c.offset for c in self._chunks)
        self._chunks = []
        kept: Batch | None = None
        first: tuple[int, bool, str] | None = None  # offset, truncated, detail of the first damage
        later = _Tally()
        offset, unread = _MAGIC_LENGTH, 0
        while offset < self._size:
            try:
                record, length = self._record_at(offset)
            except EndOfFile:
                if not self._closed:
                    first = first or (offset, True, "")
                    break
                first = first or (offset, False, "a record runs past the end of the file")
                resume = next((o for o in known if o > offset), self._size)
                unread += resume - offset
                offset = resume
                continue
            except _UnreadableRecord as bad:
                if bad.opcode == Opcode.METADATA:
                    self._warn(f"a metadata record at byte {offset} is damaged ({_what(bad.err)}); left out")
                elif bad.opcode != Opcode.MESSAGE_INDEX:  # message indexes are not used; anything else may be a chunk
                    first = first or (offset, False, _what(bad.err))
                offset += bad.length
                continue
            except _BROKEN as err:
                first = first or (offset, False, _what(err))
                resume = next((o for o in known if o > offset), self._size)
                unread += resume - offset
                offset = resume
                continue
            if record is None:  # an opcode xrjig never writes: a damaged record head
                first = first or (offset, False, "a record of an unknown kind")
            elif isinstance(record, Chunk):
                try:
                    batch = self._parse_chunk(_chunk_records(record), record.message_start_time)
                except _BROKEN as err:
                    first = first or (offset, False, _what(err))
                else:
                    if first is None and len(batch.records) and batch.first_index != (kept.end_index if kept else 0):
                        first = (offset, False, f"frames before frame {batch.first_index} are missing")
                    if first is None:
                        self._chunks.append(ChunkRef(offset, length, record.message_start_time))
                        kept = batch if len(batch.records) else kept
                    else:
                        later.add(batch)
            elif isinstance(record, Metadata):
                self._keep_metadata(record)
            elif isinstance(record, Channel):
                self._topics[record.id] = record.topic
            elif isinstance(record, DataEnd):
                self._data_end = (offset, record.data_section_crc)
                if not self._closed and first is None:
                    self._warn("ends early, inside its index (was it cut short?); every frame is there")
                    break
            elif isinstance(record, Footer):
                after = self._size - (offset + length + _MAGIC_LENGTH)
                if after > 0:
                    self._warn(f"has {after} bytes after its end (joined with other data?); they were not read")
                break
            offset += length
        else:
            first = first or (offset, True, "")
        if first is not None:
            self._set_damage(first, kept, later, unread, sum(o > first[0] for o in known) if known else None)
        self._cache.clear()
        self._first_index.clear()
        self._all = None

    def _rescan(self) -> None:
        """Scan a file whose index led to something unreadable; if the scan finds nothing
        wrong, it was the index that was damaged (and nothing is lost)."""
        before = len(self.warnings)
        self._scan()
        if len(self.warnings) == before:
            self._warn("its index (MCAP summary) is damaged; read record by record instead, nothing is lost")

    def _set_damage(self, first: tuple[int, bool, str], kept: Batch | None, later: _Tally, unread: int,
                    indexed_after: int | None) -> None:
        offset, truncated, detail = first
        end = _decode_values(self.metadata.get("xrjig.end", {}))
        frames, duration = end.get("frames"), end.get("duration_s")
        start = self.start_t if self._chunks else None
        self.damage = Damage(
            offset=offset, truncated=truncated, detail=detail,
            kept_frames=kept.end_index if kept is not None else 0,
            kept_until_s=float(kept.times[-1]) if kept is not None else None,
            later_frames_end=later.frames_end, later_until_s=later.last_t,
            expected_frames=frames if isinstance(frames, int) and frames >= 0 else None,
            expected_until_s=(start + duration if start is not None and isinstance(duration, (int, float))
                              and np.isfinite(duration) else None),
            unread_bytes=unread, indexed_chunks_after=indexed_after,
        )
        self._warn(self.damage.describe())

    def _check_version(self) -> None:
        session = self.metadata.get("xrjig.session", {})
        try:
            version = int(json.loads(session.get("format_version", str(FORMAT_VERSION))))
        except (ValueError, TypeError):
            raise SceneError(self.path, "its format version is not a number (damaged session metadata?)") from None
        if version > FORMAT_VERSION:
            raise SceneError(self.path, f"recording format {version} is newer than this xrjig ({FORMAT_VERSION})")

    def _warn(self, message: str) -> None:
        line = f"{self.path}: {message}"
        if line not in self.warnings:
            self.warnings.append(line)

    # -- chunks ------------------------------------------------------------------------
    def _decode(self, i: int) -> Batch:
        batch = self._cache.get(i)
        if batch is not None:
            self._cache.move_to_end(i)
            return batch
        ref = self._chunks[i]
        self._file.seek(ref.offset)
        raw = self._file.read(min(ref.length, RECORD_SIZE_LIMIT))
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
        """Chunk ``i``, or None when it is damaged: the file is then scanned whole (once), which
        cuts the recording before its first damage and says what that skips."""
        try:
            return self._decode(i)
        except SceneError:
            if self._scanned:
                raise
            self._rescan()
            return self._decode(i) if i < len(self._chunks) else None

    def batches(self) -> Iterator[Batch]:
        """Every chunk in order; a damaged one ends the iteration (and the recording). Frames
        follow each other without a gap (a scan checks it; an index is checked here)."""
        i, expected = 0, 0
        while i < len(self._chunks):
            batch = self._decode_or_cut(i)
            if batch is None:
                return
            if len(batch.records) and batch.first_index != expected and not self._scanned:
                self._rescan()  # the index skipped a chunk; a scan finds it, or the damage
                continue
            expected = batch.end_index if len(batch.records) else expected
            yield batch
            i += 1

    def _last(self) -> Batch | None:
        """The last usable chunk: every chunk is read once first (``_messages``), so the end
        of a recording damaged in its middle is where the damage is, not where the file ends."""
        self._messages()
        return self._decode(len(self._chunks) - 1) if self._chunks else None

    def _messages(self) -> Batch:
        """Events, commands and parameter changes of every chunk (decoded once, kept)."""
        if self._all is None:
            total = Batch(0, np.zeros(0, dtype=FRAME_DTYPE))
            for b in self.batches():
                total.event_lines += b.event_lines
                total.commands += b.commands
                total.params_changes += b.params_changes
            self._all = total
            self._check_count(total)
            self._check_data_crc()
        return self._all

    def _check_data_crc(self) -> None:
        """Recordings since 2026-12 carry a CRC of their whole data section (DataEnd): it also
        covers what xrjig does not read (message indexes), so damage there is said too."""
        if self._data_end is None or self.damage is not None:
            return
        offset, crc = self._data_end
        if crc and _crc_of(self._file, 0, offset) != crc:
            self._warn("its data section fails its checksum outside the chunks and records read "
                       "(each of those passed its own check): some other part of the file is damaged")

    def _check_count(self, total: Batch) -> None:
        """Chunks that all pass their checks can still be fewer than were written (an index
        that lost entries): the end record says how many frames the session recorded."""
        expected = self.end.get("frames")
        if self.damage is None and isinstance(expected, int) and not isinstance(expected, bool):
            have = self._decode(len(self._chunks) - 1).end_index if self._chunks else 0
            if have < expected:
                self._warn(f"holds {have} of the {expected} frames its end record counts; the rest is missing")

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
    """mcap's own chunk parser, with the chunk's CRC checked. MCAP lets a writer leave the
    CRC out (0); xrjig never does, so a zero there is damage, not a choice. The CRC covers
    the records, not the chunk's own size fields, so those are checked against the data."""
    if chunk.uncompressed_crc == 0:
        raise McapError("a chunk has lost its checksum")
    if chunk.compression == "zstd":
        try:
            content = zstandard.frame_content_size(chunk.data)
        except zstandard.ZstdError as err:
            raise McapError(f"a chunk's compressed data is damaged ({err})") from None
        if content >= 0 and content != chunk.uncompressed_size:
            raise McapError("a chunk's size fields do not match its data")
    return breakup_chunk(chunk, validate_crc=True)


def _crc_of(file: Any, start: int, end: int) -> int:
    """CRC-32 of the file's bytes [start, end), read in 1 MB blocks."""
    crc = 0
    file.seek(start)
    while start < end:
        block = file.read(min(1 << 20, end - start))
        if not block:
            break
        crc = zlib.crc32(block, crc)
        start += len(block)
    return crc


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
