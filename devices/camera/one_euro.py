"""The One Euro filter (Casiez, Roussel and Vogel, CHI 2012) over whole NumPy arrays.

Webcam landmarks jitter by a few pixels even on a still hand; a fixed low-pass would
remove that but make a moving hand lag. The One Euro filter adapts its cut-off to the
signal's speed: strong smoothing when still, little when moving, so it cuts jitter
without adding visible lag. The PyPI package ``oneeurofilter`` filters one scalar per
call; here one call filters every coordinate of a hand (26 x 3 values) in a few
microseconds, which is what a per-frame budget of 1 ms needs.
"""

from __future__ import annotations

import math

import numpy as np


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Adaptive low-pass for an array signal of fixed shape.

    ``min_cutoff`` (Hz): smoothing at rest (lower = smoother, more lag at slow speeds);
    ``beta``: how fast the cut-off rises with speed (higher = less lag when moving);
    ``d_cutoff`` (Hz): smoothing of the speed estimate itself.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        """Forget the past (a hand left the view): the next value passes unfiltered."""
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t = 0.0

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        """Filter sample ``x`` taken at time ``t`` (seconds); returns a new array."""
        x = np.asarray(x, dtype=np.float64)
        if self._x is not None and self._x.shape == x.shape and t == self._t:
            return self._x.copy()  # a repeated timestamp carries no new information
        if self._x is None or self._x.shape != x.shape or t < self._t:
            # first sample, or time went back (a new stream): start over from it rather
            # than hold the old value until the clock catches up
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t
            return x.copy()
        dt = t - self._t
        dx = (x - self._x) / dt
        self._dx = self._dx + _alpha(self.d_cutoff, dt) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        self._x = self._x + _alpha(cutoff, dt) * (x - self._x)
        self._t = t
        return self._x.copy()
