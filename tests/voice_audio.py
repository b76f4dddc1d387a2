"""Synthesised speech for the voice tests and bench: Debian's espeak-ng, several voices and
speeds, resampled to 16 kHz, in room noise (pink noise plus 50 Hz mains hum) at a chosen
SNR. Deterministic: the same arguments give the same samples.

The voices and speeds are split: ``TUNING`` chose the recogniser's thresholds and
settings; ``HELD_OUT`` (other accents, other speeds, other noise) only measures them;
``FRESH`` (the held-out accents with other voice variants and speeds, other noise) was
first run after the 2026-12-04 settings were fixed, since ``HELD_OUT`` had been looked at,
and ``FRESH_2`` likewise after the 2026-12-05 ones.
No accent of the tuning set is in the other two.
"""

from __future__ import annotations

import io
import subprocess
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.signal import butter, resample_poly, sosfilt

RATE = 16000
SPEECH = Path(__file__).resolve().parent / "data" / "speech"

#: (voices, words per minute): thresholds were chosen on these (US, Scottish, Lancashire
#: and West Midlands accents)
TUNING = (("en-us", "en-gb-scotland", "en-us+f3", "en-gb-x-gbclan", "en-gb-x-gbcwmd+m3", "en-us+m7"),
          (130, 160, 175))
#: never used for choosing anything (British, Caribbean, New York, RP accents)
HELD_OUT = (("en-gb", "en-029", "en-us-nyc", "en-gb-x-rp+f2"), (150, 190))
#: the held-out accents in other voices and speeds: run only after the settings were fixed
FRESH = (("en-gb+m3", "en-029+f4", "en-us-nyc+m2", "en-gb-x-rp+f5"), (140, 200))
#: the held-out accents in yet other voices and speeds, added 2026-12-05 when ``FRESH`` had
#: been looked at too: first run after that day's settings were fixed
FRESH_2 = (("en-gb+m6", "en-029+m1", "en-us-nyc+f1", "en-gb-x-rp+m4"), (145, 180))

#: speech with none of the default commands: read by the synthesiser as false-accept material
NON_COMMANDS_TUNING = (
    "The weather was cold and the roads were empty all morning.",
    "She opened the window and looked at the garden for a while.",
    "Please bring the blue folder from the office upstairs.",
    "We drove to the coast and stayed in a small hotel near the harbour.",
)
NON_COMMANDS_HELD_OUT = (
    "The committee will meet again on Thursday to discuss the budget.",
    "He poured a cup of tea and read the newspaper quietly.",
    "Several boats were waiting at the mouth of the river.",
    "My brother plays the piano every evening after dinner.",
    "Our train leaves at six so we should eat early tonight.",
    "The children built a sandcastle and watched the tide come in.",
)

NARRATION = ("sense_and_sensibility_01_austen_64kb-0870.wav",
             "sense_and_sensibility_01_austen_64kb-0880.wav")


@lru_cache(maxsize=512)
def synth(text: str, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    """(n,) float64 samples at 16 kHz of espeak-ng saying ``text`` (trimmed of silence)."""
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
                         capture_output=True, check=True, timeout=30).stdout
    with wave.open(io.BytesIO(out)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    y = resample_poly(x, RATE, rate)
    loud = np.flatnonzero(np.abs(y) > 0.02 * np.abs(y).max())
    return y[loud[0]:loud[-1] + 1] if len(loud) else y


def room_noise(n: int, seed: int) -> np.ndarray:
    """(n,) unit-RMS pink noise with mains hum: a fan-and-lights room."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    k = np.arange(len(spectrum), dtype=np.float64)
    k[0] = 1.0
    pink = np.fft.irfft(spectrum / np.sqrt(k), n)
    t = np.arange(n) / RATE
    noise = pink / np.sqrt(np.mean(pink**2)) + 0.3 * np.sin(2 * np.pi * 50 * t)
    return noise / np.sqrt(np.mean(noise**2))


def hiss_bursts(seconds: float, seed: int, band: tuple[float, float] = (3000.0, 7000.0),
                length_s: tuple[float, float] = (0.3, 1.5), over_db: tuple[float, float] = (8.0, 20.0),
                level: float = 300.0) -> tuple[np.ndarray, int]:
    """Room noise with hiss bursts (an air hose, a valve: band-passed noise with a Hann
    envelope, ``over_db`` above the room in its band), 0.5-2 s apart; int16 samples and
    how many bursts."""
    rng = np.random.default_rng(seed)
    n = round(seconds * RATE)
    room = room_noise(n, seed=seed + 1) * level
    sos = butter(6, list(band), "bandpass", fs=RATE, output="sos")
    x, t, bursts = room.copy(), RATE, 0
    while t < n - 2 * RATE:
        d = int(rng.uniform(*length_s) * RATE)
        hiss = sosfilt(sos, rng.standard_normal(d)) * np.hanning(d)
        hiss *= np.sqrt(10 ** (rng.uniform(*over_db) / 10) * np.mean(sosfilt(sos, room[t:t + d]) ** 2) / np.mean(hiss**2))
        x[t:t + d] += hiss
        t, bursts = t + d + int(rng.uniform(0.5, 2.0) * RATE), bursts + 1
    return np.clip(x, -32768, 32767).astype(np.int16), bursts


def speech_stream(utterances: list[np.ndarray], snr_db: float = 10.0, seed: int = 0,
                  gap_s: float = 1.2, lead_s: float = 1.5) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The utterances one after another with ``gap_s`` between, in room noise at ``snr_db``
    (against the utterances' active level); int16 samples and each utterance's (start, end)."""
    parts, spans, pos, power = [np.zeros(round(lead_s * RATE))], [], round(lead_s * RATE), []
    for x in utterances:
        spans.append((pos / RATE, (pos + len(x)) / RATE))
        gap = np.zeros(round(gap_s * RATE))
        parts += [x, gap]
        pos += len(x) + len(gap)
        active = x[np.abs(x) > 0.05 * np.abs(x).max()]
        power.append(float(np.mean(active**2)))
    clean = np.concatenate(parts)
    noise = room_noise(len(clean), seed) * np.sqrt(np.mean(power) / 10 ** (snr_db / 10))
    return np.clip(clean + noise, -32768, 32767).astype(np.int16), spans


def command_streams(split: tuple[tuple[str, ...], tuple[int, ...]], phrases: list[str],
                    snr_db: float = 10.0) -> list[tuple[str, int, np.ndarray, list[tuple[float, float]]]]:
    """Per voice and speed of ``split``: (voice, speed, stream, spans) of every phrase in turn."""
    voices, speeds = split
    out = []
    for i, voice in enumerate(voices):
        for j, speed in enumerate(speeds):
            seed = 1000 + 10 * i + j + {HELD_OUT: 500, FRESH: 800, FRESH_2: 1100}.get(split, 0)
            stream, spans = speech_stream([synth(p, voice, speed) for p in phrases], snr_db, seed)
            out.append((voice, speed, stream, spans))
    return out


def read_speech(name: str) -> np.ndarray:
    """A file of tests/data/speech as int16 samples."""
    from devices.voice.audio_files import read_audio

    return read_audio(SPEECH / name)
