"""Reading speech files for ``xrjig listen``: WAV or headerless 16 kHz mono 16-bit PCM.

The recogniser's model is 16 kHz, so other rates are refused rather than resampled behind
the user's back (a wrong rate would look like a recogniser failure). Sizes are checked
before anything is allocated; every problem is one line naming the file.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
#: one hour of 16 kHz 16-bit audio: plenty for a command file, bounded for a hostile one
MAX_BYTES = 3600 * SAMPLE_RATE * 2


class AudioError(ValueError):
    """A speech file that cannot be used: one line for the user."""


def read_audio(path: str | Path) -> np.ndarray:
    """(n,) int16 samples at 16 kHz from a .wav (PCM 16-bit, mono, 16 kHz) or any other
    file read as raw little-endian 16-bit PCM at 16 kHz."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES + 44:
            raise AudioError(f"{path}: larger than one hour of 16 kHz audio")
        with open(path, "rb") as f:
            head = f.read(12)
            if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
                f.seek(0)
                return _read_wav(f, path)
            if size % 2:
                raise AudioError(f"{path}: raw audio must be 16-bit samples (odd byte count)")
            f.seek(0)
            return np.frombuffer(f.read(), dtype="<i2").astype(np.int16)
    except OSError as err:
        raise AudioError(f"{path}: cannot be read ({err.strerror or err})") from None


def _read_wav(f, path: Path) -> np.ndarray:
    try:
        with wave.open(f, "rb") as w:
            rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            if rate != SAMPLE_RATE or channels != 1 or width != 2:
                raise AudioError(
                    f"{path}: needs 16 kHz mono 16-bit PCM, got {rate} Hz, {channels} channel(s), "
                    f"{8 * width}-bit (e.g. sox IN -r 16000 -c 1 -b 16 OUT.wav)")
            if frames * 2 > MAX_BYTES:
                raise AudioError(f"{path}: longer than one hour")
            data = w.readframes(frames)
    except (wave.Error, EOFError) as err:
        raise AudioError(f"{path}: not a readable WAV file ({err})") from None
    return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)
