"""Whether camera hand and gaze tracking can run on this Python at all, and if not, why.

MediaPipe 0.10.21 is the last release whose wheel ships its hand, face and iris models, and
it has no build for Python 3.13 or newer; there the package installs without it (and
without its NumPy < 2 pin) and everything but camera tracking works. Camera devices, the
device chooser, ``xrjig devices`` and ``xrjig track`` all say the same sentence, from here.
OpenCV comes as its own dependency (markers and calibration need it without MediaPipe).
"""

from __future__ import annotations

import importlib.util
import sys


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a broken install, or an import refused on purpose
        return True


def tracking_problem() -> str:
    """"" when camera tracking can run here, else one sentence saying why not."""
    if _absent("cv2"):
        return "camera tracking needs OpenCV: the Python package 'opencv-contrib-python' is not installed"
    if _absent("mediapipe"):
        if sys.version_info >= (3, 13):
            return ("camera tracking needs MediaPipe 0.10.21, which has no build for Python "
                    f"{sys.version_info.major}.{sys.version_info.minor}: use Python 3.10-3.12 for it")
        return "camera tracking needs MediaPipe: the Python package 'mediapipe' is not installed"
    return ""
