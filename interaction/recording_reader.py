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

Single records and chunk checks: mcap_records.py; the record-by-record scan: recording_scan.py;
decoded chunks: recording_chunks.py; what damage costs, in words: recording_damage.py.
"""

from __future__ import annotations

import bisect
import io
import json
import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from mcap.exceptions import EndOfFile, McapError
from mcap.reader import SeekingReader
from mcap.records import Chunk, DataEnd, Footer, Metadata
from mcap.stream_reader import StreamReader

from interaction.events import Event
from interaction.frame import FRAME_DTYPE, InputFrame
from interaction.mcap_records import (
    BROKEN,
    DATA_END_LENGTH,
    FOOTER_LENGTH,
    MAGIC,
    MAGIC_LENGTH,
    RECORD_SIZE_LIMIT,
    UnreadableRecord,
    chunk_records,
    crc_of,
    record_at,
)
from interaction.recording import (
    DEVICE_CHANGE_PREFIX,
    FORMAT_VERSION,
    METADATA_CRC_KEY,
    PROFILE,
    decode_metadata_values,
    metadata_crc,
)
from interaction.recording_chunks import (
    Batch,
    ChunkRef,
    field_subset,
    fields_dtype,
    frames_from_records,
    parse_chunk,
)
from interaction.recording_damage import Damage
from interaction.recording_scan import scan_records
from scenes.model import SceneError

__all__ = ["Batch", "ChunkRef", "Recording", "frames_from_records"]


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
            self._closed = self._size >= 2 * MAGIC_LENGTH and self._tail() == MAGIC
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
        self._file.seek(self._size - MAGIC_LENGTH)
        tail = self._file.read(MAGIC_LENGTH)
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
        except BROKEN as err:
            raise SceneError(self.path, f"not an MCAP recording ({err})") from None
        if header.profile != PROFILE:
            raise SceneError(self.path, f"not an xrjig recording (MCAP profile {header.profile!r})")
        try:
            summary = reader.get_summary()
        except BROKEN:
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
        at = summary_start - DATA_END_LENGTH
        try:
            record = record_at(self._file, at, self._size)[0] if at > MAGIC_LENGTH else None
        except (*BROKEN, EndOfFile, UnreadableRecord):
            return
        if isinstance(record, DataEnd):
            self._data_end = (at, record.data_section_crc)

    def _footer(self) -> Footer | None:
        """The footer record just before the closing magic (None if it is not there)."""
        at = self._size - MAGIC_LENGTH - FOOTER_LENGTH
        try:
            record = record_at(self._file, at, self._size)[0] if at > MAGIC_LENGTH else None
        except (*BROKEN, EndOfFile, UnreadableRecord):
            return None
        return record if isinstance(record, Footer) else None

    def _summary_crc_holds(self) -> bool:
        """The summary section (indexes, statistics) against the footer's CRC of it, which
        covers the summary and the footer's own fields before the CRC."""
        footer = self._footer()
        if footer is None or not footer.summary_crc or not footer.summary_start:
            return footer is not None
        end = self._size - MAGIC_LENGTH - 4  # the CRC is the footer's last field
        if not MAGIC_LENGTH <= footer.summary_start < end:
            return False
        return crc_of(self._file, footer.summary_start, end) == footer.summary_crc

    def _index_is_sound(self, summary: Any) -> bool:
        """The summary's chunk list agrees with itself and with its statistics: chunks lie
        inside the file, in order, without overlapping, as many as the statistics count (a
        damaged index can silently leave chunks out)."""
        stats = summary.statistics
        if stats is None or stats.chunk_count != len(self._chunks):
            return False
        end = MAGIC_LENGTH
        for c in self._chunks:
            if c.offset < end or c.length > RECORD_SIZE_LIMIT or c.offset + c.length > self._size:
                return False
            end = c.offset + c.length
        return True

    def _read_metadata_at(self, offset: int) -> bool:
        """Keep the metadata record at ``offset``; False if there is none to read there."""
        try:
            record = record_at(self._file, offset, self._size)[0]
        except (*BROKEN, EndOfFile, UnreadableRecord):
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

    def _scan(self) -> None:
        """Index the file record by record (``recording_scan``): the chunks before the first
        damaged or missing part are used, the ones after only counted (``damage``)."""
        scan = scan_records(self._file, self._size, self._closed, [c.offset for c in self._chunks], self._topics)
        self._scanned = True
        self._chunks = scan.chunks
        for record in scan.metadata:
            self._keep_metadata(record)
        for note in scan.notes:
            self._warn(note)
        self._data_end = scan.data_end or self._data_end
        if scan.first is not None:
            end = decode_metadata_values(self.metadata.get("xrjig.end", {}))
            self.damage = scan.damage(end, self.start_t if self._chunks else None)
            self._warn(self.damage.describe())
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
            batch = parse_chunk(chunk_records(chunk), self._topics)
        except BROKEN as err:
            raise SceneError(self.path, f"damaged chunk at byte {ref.offset}: {err}") from None
        self._cache[i] = batch
        if len(self._cache) > 8:
            self._cache.popitem(last=False)
        return batch

    # -- public API ----------------------------------------------------------------------
    @property
    def session(self) -> dict[str, Any]:
        """The xrjig.session metadata with its JSON values decoded."""
        return decode_metadata_values(self.metadata["xrjig.session"])

    @property
    def end(self) -> dict[str, Any]:
        return decode_metadata_values(self.metadata.get("xrjig.end", {}))

    @property
    def questionnaires(self) -> dict[str, dict[str, Any]]:
        prefix = "xrjig.questionnaire."
        return {name[len(prefix):]: decode_metadata_values(v) for name, v in self.metadata.items() if name.startswith(prefix)}

    @property
    def device_changes(self) -> list[dict[str, Any]]:
        """Device switches during the trial, in order: ``from_frame``, ``t`` (of the last
        frame before it), ``device``, ``reason`` (why the previous device stopped, or ""),
        ``assist`` (what the new device does for the participant, recordings since 2026-12)."""
        changes = [
            decode_metadata_values(v) for name, v in self.metadata.items() if name.startswith(DEVICE_CHANGE_PREFIX)
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
        if crc and crc_of(self._file, 0, offset) != crc:
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
        parts = [field_subset(b.records, fields_dtype(names)) for b in self.batches()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=fields_dtype(names))

    def others(self, names: Sequence[str] = FRAME_DTYPE.names) -> dict[str, np.ndarray]:
        """A shared session's others: name -> their frames as received, like ``columns``
        but ``t`` on this recording's clock; sorted by name, {} for a trial done alone."""
        parts: dict[str, list[np.ndarray]] = {}
        for name, records in ((n, r) for b in self.batches() for n, r in b.others):
            parts.setdefault(name, []).append(field_subset(records, fields_dtype(names)))
        return {name: np.concatenate(parts[name]) for name in sorted(parts)}

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
