"""Streaming noise suppression for the recogniser: gentle spectral subtraction with the
noise spectrum tracked by minimum statistics (no voice activity decision needed).

Why (measured, README "Voice" and bench/bench_voice.py, tuning voices only): the
recogniser's errors in a 10 dB room are nearly all the noise's (the same commands at 20 dB
SNR: 159 of 162 right, at 10 dB: 137), and PocketSphinx's own noise removal (on in the
wheel's model) does not reach that far. Subtracting the tracked noise spectrum, but never
taking a frequency bin down by more than ``floor`` (0.5: 6 dB), took the tuning commands,
cut at their true bounds, from 137 to 157 of 162; a deeper cut (floor 0.2 and below) or a
high-pass filter instead made it worse: the acoustic model was trained on speech with its
noise, and a stripped spectrum sounds to it like other phones.

The noise estimate (Martin's minimum statistics, simplified): each bin's power is smoothed
over frames and its minimum over the last ``window_s`` seconds, times the estimator's bias
(``BIAS``: the mean over the minimum of pink and of white noise, both 2.0), is the noise.
Speech pauses of a fraction of a second are enough to follow a changing room; a stream that
starts with speech is over-estimated for its first ``window_s`` at worst, which the floor
bounds to 6 dB.

Audio is only held for one analysis window (32 ms); the output lags the input by
``delay`` samples (24 ms).
"""

from __future__ import annotations

import numpy as np

#: mean of the smoothed periodogram over its tracked minimum, for stationary noise
BIAS = 2.0


class NoiseSuppressor:
    """``process(int16 samples) -> float samples``: the same audio with the noise taken
    down; the output is ``delay`` samples behind the input (``flush`` returns the rest)."""

    def __init__(self, floor: float = 0.5, size: int = 512, hop: int = 128,
                 smoothing: float = 0.9, window_s: float = 1.5, rate: int = 16000) -> None:
        self.floor, self.size, self.hop, self.smoothing = floor, size, hop, smoothing
        self.window = np.hanning(size + 1)[:size]
        self._scale = hop / float(np.sum(self.window**2))  # overlap-add of window² is flat
        self.delay = size - hop
        #: frames per sub-window of the minimum search, and how many sub-windows
        self._sub = max(1, round(window_s * rate / hop / 8))
        self._subs = 8
        self.reset()
        self.noise: np.ndarray | None = None  # (size // 2 + 1,) power per bin
        self._smooth: np.ndarray | None = None
        self._minima: list[np.ndarray] = []
        self._current: np.ndarray | None = None
        self._count = 0
        self._first = np.zeros(size // 2 + 1)
        self._frames = 0

    def reset(self) -> None:
        """Forget the audio in flight (a gap in the stream); keep what is known of the noise."""
        self._in = np.zeros(self.size)
        self._out = np.zeros(self.size)
        self._pending = np.zeros(0)
        #: real samples in the analysis window: until it is full, its frames are partly the
        #: zeros it starts with, and their low power must not reach the noise minimum
        self._filled = 0
        self._padding = False

    def process(self, pcm: np.ndarray) -> np.ndarray:
        """(n,) samples in; (m,) float samples out, m a multiple of ``hop``."""
        self._pending = np.concatenate([self._pending, np.asarray(pcm, np.float64)])
        count = len(self._pending) // self.hop
        if count == 0:
            return np.zeros(0)
        out = np.empty(count * self.hop)
        for k in range(count):
            self._in[:-self.hop] = self._in[self.hop:]
            self._in[-self.hop:] = self._pending[k * self.hop:(k + 1) * self.hop]
            self._filled = min(self.size, self._filled + self.hop)
            out[k * self.hop:(k + 1) * self.hop] = self._frame()
        self._pending = self._pending[count * self.hop:]
        return out

    def flush(self) -> np.ndarray:
        """The output still held back (the last ``delay`` samples and any partial hop), then
        ``reset``; the length returned makes the total output equal the total input."""
        held = len(self._pending)
        self._padding = True  # the padding's frames are not the room's: not tracked
        out = self.process(np.zeros(self.delay + (-(held + self.delay)) % self.hop))
        self.reset()
        return out[: self.delay + held]

    def _frame(self) -> np.ndarray:
        spectrum = np.fft.rfft(self._in * self.window)
        power = spectrum.real**2 + spectrum.imag**2
        noise = self._track(power) if self._filled == self.size and not self._padding else self.noise
        if noise is None:  # nothing known yet: the stream's first 24 ms pass unchanged
            noise = np.zeros_like(power)
        gain = np.maximum(1.0 - noise / np.maximum(power, 1e-9), self.floor)
        frame = np.fft.irfft(spectrum * gain, self.size) * self.window * self._scale
        self._out += frame
        done = self._out[: self.hop].copy()
        self._out[: -self.hop] = self._out[self.hop:]
        self._out[-self.hop:] = 0.0
        return done

    def _track(self, power: np.ndarray) -> np.ndarray:
        """The noise power per bin after this frame (minimum statistics)."""
        self._frames += 1
        a = self.smoothing
        self._smooth = power.copy() if self._smooth is None else a * self._smooth + (1 - a) * power
        if not self._minima:  # the first sub-window: the plain mean so far
            self._first += power
            self.noise = self._first / self._frames
        self._current = self._smooth.copy() if self._current is None else np.minimum(self._current, self._smooth)
        self._count += 1
        if self._count == self._sub:
            self._minima = [*self._minima[-(self._subs - 1):], self._current]
            self._current, self._count = None, 0
            self.noise = BIAS * np.minimum.reduce(self._minima)
        return self.noise
