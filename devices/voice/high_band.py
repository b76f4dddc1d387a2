"""Speech the voice activity detector cannot hear: energy above 4 kHz.

The WebRTC VAD judges every frame at 8 kHz (it halves the rate first), so it is deaf to
what lies above 4 kHz: the /s/ and /t/ bursts of "next step", the end of "pass". On the
tuning voices in a 10 dB room it heard up to 0.3 s of "non-speech" inside "next step" (the
whole "kst st"), so an utterance ending after 0.3 s of non-speech split the phrase in two
("defect" + "fail"), and any shorter end would split it more often. A frame whose power
above 4 kHz stands ``threshold_db`` over the room's in that band counts as speech too.

The room's level is followed the way ``denoise.py`` follows the noise: the band power,
smoothed over frames, its minimum over the last ``window_s``, times the bias of that
minimum for steady noise; no speech/non-speech decision is needed to learn it.
"""

from __future__ import annotations

from collections import deque

import numpy as np

#: lower edge of the band the WebRTC VAD does not see (it works at 8 kHz)
BAND_HZ = 4000.0
#: mean of the band power over its tracked minimum, for steady noise (measured: 1.15 on
#: pink noise with hum, 1.18 on white; the band sums 120 bins, so it varies little)
BIAS = 1.2


class HighBandActivity:
    """``frame -> bool``: whether a frame has energy above 4 kHz well over the room's (and
    learn the room from it)."""

    def __init__(self, threshold_db: float = 6.0, frame: int = 480, rate: int = 16000,
                 window_s: float = 1.5, smoothing: float = 0.5) -> None:
        self.ratio = 10 ** (threshold_db / 10)
        self.window = np.hanning(frame)
        self.band = np.fft.rfftfreq(frame, 1 / rate) >= BAND_HZ
        self.smoothing = smoothing
        self._recent: deque[float] = deque(maxlen=max(1, round(window_s * rate / frame)))
        self._smooth: float | None = None

    @property
    def room(self) -> float | None:
        """The room's band power per frame (None before the first frame)."""
        return BIAS * min(self._recent) if self._recent else None

    def __call__(self, frame: np.ndarray) -> bool:
        spectrum = np.fft.rfft(np.asarray(frame, np.float64) * self.window)
        power = float(np.sum(spectrum.real[self.band] ** 2 + spectrum.imag[self.band] ** 2))
        room = self.room
        a = self.smoothing
        self._smooth = power if self._smooth is None else a * self._smooth + (1 - a) * power
        self._recent.append(self._smooth)
        return room is not None and power > self.ratio * room
