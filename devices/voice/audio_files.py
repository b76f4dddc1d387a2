"""Reading speech files for ``xrjig listen``: WAV (PCM, any rate, any channels) or headerless
16 kHz mono 16-bit PCM.

The recogniser's model is 16 kHz. A WAV says its rate, so it is resampled (polyphase,
scipy) and its channels averaged: espeak-ng writes 22.05 kHz, phones and recorders 44.1
or 48 kHz, and refusing them only sent people to sox. A headerless file says nothing, so
it must be 16 kHz 16-bit. Sizes are checked before anything is allocated; every problem
is one line naming the file.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
#: one hour of 16 kHz 16-bit audio: plenty for a command file, bounded for a hostile one
MAX_BYTES = 3600 * SAMPLE_RATE * 2
#: a WAV's samples, whatever their rate: 23 minutes of 48 kHz stereo
MAX_WAV_BYTES = 256 << 20


class AudioError(ValueError):
    """A speech file that cannot be used: one line for the user."""


def read_audio(path: str | Path) -> np.ndarray:
    """(n,) int16 samples at 16 kHz from a .wav (PCM, resampled and mixed to mono) or any
    other file read as raw little-endian 16-bit PCM at 16 kHz."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(12)
            if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
                f.seek(0)
                return _read_wav(f, path)
            if size > MAX_BYTES:
                raise AudioError(f"{path}: larger than one hour of 16 kHz audio")
            if size % 2:
                raise AudioError(f"{path}: raw audio must be 16-bit samples (odd byte count)")
            f.seek(0)
            return np.frombuffer(f.read(), dtype="<i2").astype(np.int16)
    except OSError as err:
        raise AudioError(f"{path}: cannot be read ({err.strerror or err})") from None


#: sample rates a speech WAV may have (a telephone's to a studio's)
MIN_RATE, MAX_RATE = 8000, 192000


def _read_wav(f, path: Path) -> np.ndarray:
    try:
        with wave.open(f, "rb") as w:
            rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            if not MIN_RATE <= rate <= MAX_RATE or not 1 <= channels <= 8 or width not in (1, 2, 3, 4):
                raise AudioError(f"{path}: unsupported WAV: {rate} Hz, {channels} channel(s), {8 * width}-bit "
                                 f"(PCM at {MIN_RATE // 1000}-{MAX_RATE // 1000} kHz, 8-32 bit, up to 8 channels)")
            if frames > 3600 * rate or frames * channels * width > MAX_WAV_BYTES:
                raise AudioError(f"{path}: too long (one hour at most, {MAX_WAV_BYTES >> 20} MiB of samples)")
            data = w.readframes(frames)
    except (wave.Error, EOFError) as err:
        raise AudioError(f"{path}: not a readable WAV file ({err})") from None
    return _to_16k_mono(data, rate, channels, width)


def _to_16k_mono(data: bytes, rate: int, channels: int, width: int) -> np.ndarray:
    """int16 mono 16 kHz from interleaved little-endian PCM (8-bit unsigned, else signed)."""
    frames = len(data) // (width * channels)
    if (rate, channels, width) == (SAMPLE_RATE, 1, 2):
        return np.frombuffer(data[: frames * 2], dtype="<i2").astype(np.int16)
    raw = np.frombuffer(data[: frames * width * channels], np.uint8).reshape(frames * channels, width)
    if width == 1:
        x = (raw[:, 0].astype(np.float64) - 128.0) * 256.0
    else:  # the top two bytes of each sample, as a signed 16-bit value (the rest is below 16-bit)
        x = raw[:, -2:].copy().view("<i2")[:, 0].astype(np.float64)
    x = x.reshape(frames, channels).mean(axis=1)
    if rate != SAMPLE_RATE:
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(SAMPLE_RATE, rate)
        x = resample_poly(x, SAMPLE_RATE // g, rate // g)
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)
