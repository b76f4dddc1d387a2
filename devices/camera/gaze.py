"""Eye gaze from MediaPipe face mesh landmarks (with iris refinement), in pure NumPy + cv2.

The gaze is the head's facing direction turned by the eyes: the head pose comes from
``cv2.solvePnP`` on six stable landmarks against a generic 3D face, the eye rotation from
where each iris sits between its eye corners and lids. Webcam gaze is coarse (several
degrees), so ``GazeCalibration`` fits a small polynomial from the raw angles to angles of
known targets, which a calibration dialog collects.

Landmark indices are MediaPipe's face mesh topology (478 points with ``refine_landmarks``),
given in a mirrored image (selfie view; the tracker flips MediaPipe's results).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: nose tip, chin, eye outer corners, mouth corners: stable under expressions. In a
#: mirrored image MediaPipe's "right eye" (33) is on the image right, hence this order.
_PNP_LANDMARKS = np.array([1, 152, 263, 33, 291, 61])
#: a generic face (m; x towards image right, y up, z out of the face), after the common
#: 6-point model (eye corners 9 cm apart)
_PNP_MODEL = 0.0002 * np.array(
    [
        [0.0, 0.0, 0.0],
        [0.0, -330.0, -65.0],
        [-225.0, 170.0, -135.0],
        [225.0, 170.0, -135.0],
        [-150.0, -150.0, -125.0],
        [150.0, -150.0, -125.0],
    ]
)
#: per eye: outer corner, inner corner, upper lid, lower lid, iris centre
_EYES = np.array([[33, 133, 159, 145, 468], [263, 362, 386, 374, 473]])
#: the only landmarks the gaze needs (the tracker reads just these of the 478)
USED_LANDMARKS = np.unique(np.concatenate([_PNP_LANDMARKS, _EYES.ravel()]))
#: the iris moves about this share of the eye width per radian of eye rotation
_IRIS_GAIN = 0.42
#: lids closer than this share of the eye width: a blink, the iris is not trusted
_MIN_OPENING = 0.12


@dataclass
class GazeEstimate:
    """One frame's gaze in the camera frame of the mirrored image (x right, y down, z ahead)."""

    #: (3,) midpoint between the eyes (m)
    origin: np.ndarray
    #: (3,) unit gaze direction
    direction: np.ndarray
    #: (3, 3) head rotation (generic face model -> camera)
    head_rotation: np.ndarray
    #: raw features (head yaw, head pitch, eye yaw, eye pitch), radians, relative to looking
    #: straight at the camera; the calibration input
    features: np.ndarray
    #: 1 face and both irises, 0.5 face but eyes closed or irises implausible
    confidence: float


def head_pose(
    pixels: np.ndarray, focal: float, center: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray] | None:
    """(R (3, 3), t (3,)) of the generic face in the camera, from (478, 2) landmark pixels.

    SQPnP: globally optimal for these six points and ~30 % cheaper than the iterative solver.
    """
    import cv2  # only here: importing cv2 changes Qt's environment (see PITFALLS.md)

    k = np.array([[focal, 0.0, center[0]], [0.0, focal, center[1]], [0.0, 0.0, 1.0]])
    ok, rvec, tvec = cv2.solvePnP(
        _PNP_MODEL, pixels[_PNP_LANDMARKS].astype(np.float64), k, None, flags=cv2.SOLVEPNP_SQPNP
    )
    if not ok or tvec[2, 0] <= 0:
        return None
    return cv2.Rodrigues(rvec)[0], tvec[:, 0]


def eye_angles(pixels: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, opening) of the eyes relative to the head, from (478, 2) landmark pixels.

    Yaw > 0: looking towards image right; pitch > 0: looking up. Both eyes averaged.
    """
    outer, inner, upper, lower, iris = (pixels[_EYES[:, i]] for i in range(5))
    axis = inner - outer
    width = np.linalg.norm(axis, axis=1)
    axis = axis / width[:, None]
    # the axis points from the outer to the inner corner: towards the image's middle
    sign = np.sign(axis[:, 0])
    centre = 0.5 * (outer + inner)
    normal = np.stack([-axis[:, 1], axis[:, 0]], axis=1) * sign[:, None]  # image "down"
    lid_mid = 0.5 * (upper + lower)
    u = np.sum((iris - centre) * axis, axis=1) * sign / width
    v = -np.sum((iris - lid_mid) * normal, axis=1) / width
    opening = float(np.mean(np.linalg.norm(lower - upper, axis=1) / width))
    yaw = float(np.arcsin(np.clip(np.mean(u) / _IRIS_GAIN, -1.0, 1.0)))
    pitch = float(np.arcsin(np.clip(np.mean(v) / _IRIS_GAIN, -1.0, 1.0)))
    return yaw, pitch, opening


def yaw_pitch(direction: np.ndarray) -> tuple[float, float]:
    """Angles of a camera-frame direction seen from the face (towards the camera is 0, 0)."""
    return float(np.arctan2(direction[0], -direction[2])), float(
        np.arcsin(np.clip(-direction[1], -1, 1))
    )


def direction_from_angles(yaw: float, pitch: float) -> np.ndarray:
    """Camera-frame unit direction for (yaw, pitch) as returned by ``yaw_pitch``."""
    return np.array([np.sin(yaw) * np.cos(pitch), -np.sin(pitch), -np.cos(yaw) * np.cos(pitch)])


def estimate_gaze(
    landmarks: np.ndarray, width: int, height: int, focal: float
) -> GazeEstimate | None:
    """Gaze from (478, 3) normalised face mesh landmarks of a mirrored ``width`` x ``height`` image."""
    pixels = landmarks[:, :2] * np.array([width, height])
    pose = head_pose(pixels, focal, (width / 2.0, height / 2.0))
    if pose is None:
        return None
    rotation, translation = pose
    eyes_model = 0.5 * (_PNP_MODEL[2] + _PNP_MODEL[3])
    origin = rotation @ eyes_model + translation
    # angles relative to looking straight at the camera (the screen), so the features do
    # not change when the user sits off the camera's axis
    base_yaw, base_pitch = yaw_pitch(-origin / np.linalg.norm(origin))
    face_yaw, face_pitch = yaw_pitch(rotation @ np.array([0.0, 0.0, 1.0]))
    eye_yaw, eye_pitch, opening = eye_angles(pixels)
    confidence = 1.0
    if opening < _MIN_OPENING or max(abs(eye_yaw), abs(eye_pitch)) > np.radians(45):
        eye_yaw = eye_pitch = 0.0
        confidence = 0.5
    features = np.array([face_yaw - base_yaw, face_pitch - base_pitch, eye_yaw, eye_pitch])
    direction = direction_from_angles(
        base_yaw + features[0] + eye_yaw, base_pitch + features[1] + eye_pitch
    )
    return GazeEstimate(origin, direction, rotation, features, confidence)


def _design(features: np.ndarray, degree: int) -> np.ndarray:
    """(n, k) features -> (n, m) polynomial design matrix (1, linear, squares if degree 2)."""
    f = np.atleast_2d(np.asarray(features, dtype=np.float64))
    cols = [np.ones((len(f), 1)), f]
    if degree == 2:
        cols.append(f**2)
    return np.hstack(cols)


class GazeCalibration:
    """Least-squares map from raw gaze features to (yaw, pitch) target angles.

    Collect a few samples while the user looks at known targets: ``features`` (n, k),
    e.g. ``GazeEstimate.features``; ``targets`` (n, 2) the directions from the eyes to the
    targets as (yaw, pitch) in the viewer's head frame (yaw > 0 right, pitch > 0 up; the
    convention of ``yaw_pitch`` / ``direction_from_angles``). Degree 1 is affine (needs k + 1 samples), degree 2 adds squares.
    """

    def __init__(self, degree: int = 1) -> None:
        if degree not in (1, 2):
            raise ValueError("degree must be 1 or 2")
        self.degree = degree
        self.coefficients: np.ndarray | None = None
        #: root-mean-square fit error on the samples (rad)
        self.rms_error = float("nan")

    def fit(self, features: np.ndarray, targets: np.ndarray) -> float:
        """Fit and return the RMS error; raises ValueError with too few samples."""
        a = _design(features, self.degree)
        b = np.asarray(targets, dtype=np.float64)
        if len(a) < a.shape[1]:
            raise ValueError(f"need at least {a.shape[1]} calibration samples, got {len(a)}")
        self.coefficients, *_ = np.linalg.lstsq(a, b, rcond=None)
        self.rms_error = float(np.sqrt(np.mean((a @ self.coefficients - b) ** 2)))
        return self.rms_error

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(n, 2) or (2,) calibrated (yaw, pitch) for (n, k) or (k,) features."""
        if self.coefficients is None:
            raise ValueError("the gaze calibration has not been fitted")
        out = _design(features, self.degree) @ self.coefficients
        return out[0] if np.ndim(features) == 1 else out
