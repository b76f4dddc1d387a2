"""Energy in a frequency band, over the room's: what the voice activity detector misses.

**Above 4 kHz: speech the VAD cannot hear.**

The WebRTC VAD judges every frame at 8 kHz (it halves the rate first), so it is deaf to
what lies above 4 kHz: the /s/ and /t/ bursts of "next step", the end of "pass". On the
tuning voices in a 10 dB room it heard up to 0.3 s of "non-speech" inside "next step" (the
whole "kst st"), so an utterance ending after 0.3 s of non-speech split the phrase in two
("defect" + "fail"), and any shorter end would split it more often. A frame whose power
above 4 kHz stands ``threshold_db`` over the room's in that band counts as speech too.

**Below 1 kHz: a voice.** Every command has vowels, whose first formant lies below 1 kHz.
A hiss (an air hose, a valve) has none, but the VAD took its part below 4 kHz for speech and
the grammar forced a command onto it: a minute of hiss bursts gave 33 false commands.

The room's level is followed the way ``denoise.py`` follows the noise: the band power,
smoothed over frames, its minimum over the last ``window_s``, times the bias of that
minimum for steady noise; no speech/non-speech decision is needed to learn it.
"""

from __future__ import annotations

from collections import deque

import numpy as np

#: the band the WebRTC VAD does not see (it works at 8 kHz)
HIGH_BAND = (4000.0, 8000.0)
#: vowels' first formant (above the mains hum)
VOICE_BAND = (100.0, 1000.0)
#: mean of the band power over its tracked minimum, for steady noise (measured: 1.15 on
#: pink noise with hum, 1.18 on white; the band sums 120 bins, so it varies little)
BIAS = 1.2


def frame_power(frame: np.ndarray) -> np.ndarray:
    """The power spectrum of one frame (Hann window): what every band of it is judged on, so
    two bands of the same frame cost one transform."""
    spectrum = np.fft.rfft(np.asarray(frame, np.float64) * np.hanning(len(frame)))
    return spectrum.real**2 + spectrum.imag**2


class BandActivity:
    """``frame -> bool``: whether a frame has energy in ``band`` (Hz) well over the room's
    (and learn the room from it); ``hears(frame_power(frame))`` is the same."""

    def __init__(self, band: tuple[float, float], threshold_db: float = 6.0, frame: int = 480,
                 rate: int = 16000, window_s: float = 1.5, smoothing: float = 0.5) -> None:
        self.ratio = 10 ** (threshold_db / 10)
        freqs = np.fft.rfftfreq(frame, 1 / rate)
        self.band = (freqs >= band[0]) & (freqs <= band[1])
        self.smoothing = smoothing
        self._recent: deque[float] = deque(maxlen=max(1, round(window_s * rate / frame)))
        self._smooth: float | None = None

    @property
    def room(self) -> float | None:
        """The room's band power per frame (None before the first frame)."""
        return BIAS * min(self._recent) if self._recent else None

    def __call__(self, frame: np.ndarray) -> bool:
        return self.hears(frame_power(frame))

    def hears(self, spectrum_power: np.ndarray) -> bool:
        """``__call__`` on a frame's ``frame_power``."""
        power = float(np.sum(spectrum_power[self.band]))
        room = self.room
        a = self.smoothing
        self._smooth = power if self._smooth is None else a * self._smooth + (1 - a) * power
        self._recent.append(self._smooth)
        return room is not None and power > self.ratio * room
