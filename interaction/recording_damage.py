"""What a damaged or cut-short recording loses, in words a researcher can act on.

Recordings are research data: a replay, a verify or a report that silently used part of one
would be read as the whole trial. The reader (``recording_reader``) uses a recording up to its
first damaged or missing part and keeps reading past it only to count; this module turns that
count into the one line shown on stderr, in the report and in the replay window.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Damage:
    """The first damage found in a recording and what lies beyond it.

    ``truncated``: the file ends inside a record or without its closing summary (a crash or a
    cut copy), rather than holding a record that fails its checks.
    ``kept_frames`` / ``kept_until_s``: what is used (the frames before the damage).
    ``later_frames_end`` / ``later_until_s``: the end of the last readable chunk after the damage
    (0 / None when none could be read).
    ``expected_frames`` / ``expected_until_s``: what the recording's end record says it holds
    (None when it has none: a crashed session writes none).
    ``unread_bytes``: bytes whose records could not even be told apart.
    ``indexed_chunks_after``: chunks the file's index lists after the damage (None: no index).
    """

    offset: int
    truncated: bool
    detail: str
    kept_frames: int
    kept_until_s: float | None
    later_frames_end: int = 0
    later_until_s: float | None = None
    expected_frames: int | None = None
    expected_until_s: float | None = None
    unread_bytes: int = 0
    indexed_chunks_after: int | None = None

    @property
    def lost_frames(self) -> int | None:
        """Frames recorded but not used (None when nothing says how many there were)."""
        ends = [n for n in (self.later_frames_end, self.expected_frames) if n]
        if ends:
            return max(0, max(ends) - self.kept_frames)
        return 0 if self.indexed_chunks_after == 0 else None

    @property
    def lost_s(self) -> float | None:
        ends = [t for t in (self.later_until_s, self.expected_until_s) if t is not None]
        if not ends or self.kept_until_s is None:
            return max(ends) if ends else None
        return max(0.0, max(ends) - self.kept_until_s)

    def describe(self) -> str:
        """One line, e.g. ``is damaged at byte 4440 (CRC mismatch): using the first 49 frames
        (to t=5.4 s); skipped 61 frames (6.6 s) after it``."""
        if self.truncated:
            head = f"ends early at byte {self.offset} (was the recording interrupted?)"
        else:
            head = f"is damaged at byte {self.offset} ({self.detail})"
        if self.kept_frames:
            used = f"using the first {self.kept_frames} frames (to t={self.kept_until_s:.1f} s)"
        else:
            used = "no frame before it can be used"
        lost = self.lost_frames
        if lost == 0:
            skipped = "no frame is lost"
        elif lost is not None:
            seconds = f", {self.lost_s:.1f} s" if self.lost_s is not None else ""
            skipped = f"skipped {lost} frames{seconds} after it"
        elif self.truncated:
            skipped = "what was recorded after it is missing"
        else:
            skipped = "skipped everything after it (how much is unknown)"
        unread = f"; {self.unread_bytes} bytes at the end could not be read" if self.unread_bytes else ""
        return f"{head}: {used}; {skipped}{unread}"
