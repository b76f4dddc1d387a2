"""Fiducial markers (ArUco, AprilTag) in camera frames: detection, pose and its residual.

Stateless per frame: ``MarkerDetector.detect`` finds markers of one dictionary, and the
``solve_*`` functions fit a pose to points; smoothing and the lost state over time are
marker_tracking.py. Everything runs on OpenCV's ``cv2.aruco`` (OpenCV >= 4.7 API:
``ArucoDetector``, ``solvePnP``; ``estimatePoseSingleMarkers`` is gone).

Frames and conventions (OpenCV's, so its documentation and tools apply unchanged):

- camera: x right, y down, z forward, metres; pixels x right, y down, (0, 0) the centre of
  the top-left pixel;
- a single marker: origin at its centre, x right, y up, z out of the marker towards a
  camera looking at it; corners in the order top-left, top-right, bottom-right,
  bottom-left of the printed marker (what ``detect`` returns and IPPE_SQUARE expects);
- a pose ``camera_from_target`` maps target coordinates into the camera frame.

A single square has two poses that image almost alike (the IPPE ambiguity, worst when
the marker faces the camera squarely): ``solve_marker_pose`` returns both, best first,
so a tracker can keep the one that agrees with the previous frame.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from devices.camera.intrinsics import CameraIntrinsics
from scenes.transforms import matrix_to_quat

DEFAULT_DICTIONARY = "DICT_6X6_250"


@functools.cache
def cv2_module():
    """cv2, imported on first use only: importing it changes Qt's environment
    (PITFALLS.md), so nothing here imports it at module level (the camera source's
    import, which also quiets OpenCV's own logging)."""
    from devices.camera.source import _cv2

    return _cv2()


def dictionary_names() -> list[str]:
    """The predefined dictionaries OpenCV offers, by their OpenCV names (OpenCV spells the
    AprilTag and MIP families twice, ``36h11`` and ``36H11``: the family's own lower-case
    spelling is kept)."""
    aruco = cv2_module().aruco
    by_upper: dict[str, str] = {}
    for name in dir(aruco):
        if name.startswith("DICT_") and isinstance(getattr(aruco, name), int):
            kept = by_upper.get(name.upper())
            if kept is None or kept == kept.upper():
                by_upper[name.upper()] = name
    return sorted(by_upper.values())


def resolve_dictionary(name: str) -> str:
    """The OpenCV name of a dictionary given as ``DICT_6X6_250``, ``6x6_250``,
    ``apriltag_36h11``, ``aruco_original`` ...; ValueError listing the names otherwise."""
    aruco = cv2_module().aruco
    key = name.strip().upper().replace("-", "_")
    if not key.startswith("DICT_"):
        key = "DICT_" + key
    if isinstance(getattr(aruco, key, None), int) and len(name) < 40:
        return next((n for n in dictionary_names() if n.upper() == key), key)
    raise ValueError(f"unknown marker dictionary {name[:60]!r} (known: {', '.join(dictionary_names())})")


def dictionary_id(name: str) -> int:
    """OpenCV's constant for a dictionary name (see ``resolve_dictionary``)."""
    return int(getattr(cv2_module().aruco, resolve_dictionary(name).upper()))


@dataclass
class MarkerDetection:
    """One marker seen in a frame.

    id      : the marker's id in its dictionary
    corners : (4, 2) float64 pixels, top-left, top-right, bottom-right, bottom-left of
              the printed marker (clockwise in the image)
    """

    id: int
    corners: np.ndarray


@dataclass
class PoseFit:
    """A pose fitted to points, with how well it explains them.

    camera_from_target : (4, 4) float64 rigid transform
    residual_px        : RMS reprojection error of the points it was fitted to (pixels)
    """

    camera_from_target: np.ndarray
    residual_px: float

    @property
    def position(self) -> np.ndarray:
        """(3,) the target's origin in the camera frame (m)."""
        return self.camera_from_target[:3, 3].copy()

    @property
    def rotation_xyzw(self) -> np.ndarray:
        """(4,) the target's orientation in the camera frame, unit quaternion, w >= 0."""
        return matrix_to_quat(self.camera_from_target)


class MarkerDetector:
    """Detects the markers of one dictionary; build once, call per frame.

    Poses depend on the corners far more than on anything else, so OpenCV's sub-pixel
    corners are refined once more from the marker's four outer edges
    (``refine_corners``): OpenCV's corner refinement is pulled inwards by blur (0.5 % of
    the distance at the median, up to 5 % on the rendered test views; ours 0.03 %, at
    most 0.94 %), its AprilTag refinement is unbiased but costs ~25 ms a frame. ``refine_edges=False`` keeps
    OpenCV's corners (bare cv2.aruco, the benchmark's peer).
    """

    def __init__(self, dictionary: str = DEFAULT_DICTIONARY, refine_edges: bool = True) -> None:
        cv2 = cv2_module()
        self.dictionary = resolve_dictionary(dictionary)
        self.refine_edges = refine_edges
        aruco_dictionary = cv2.aruco.getPredefinedDictionary(dictionary_id(self.dictionary))
        #: cells across a marker, its black border included
        self.cells = int(aruco_dictionary.markerSize) + 2
        params = cv2.aruco.DetectorParameters()
        params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
        self.parameters = params
        self._detector = cv2.aruco.ArucoDetector(aruco_dictionary, params)

    def detect(self, image: np.ndarray) -> list[MarkerDetection]:
        """The markers in a (h, w) grey or (h, w, 3) BGR uint8 image, by increasing id."""
        gray = to_gray(image)
        corners, ids, _ = self._detector.detectMarkers(gray)
        if ids is None:
            return []
        points = np.array(corners, dtype=np.float64).reshape(-1, 4, 2)
        if self.refine_edges:
            points = refine_corners(gray, points, self.cells)
        found = [MarkerDetection(int(i), c) for c, i in zip(points, ids.ravel(), strict=True)]
        return sorted(found, key=lambda m: m.id)


#: edge samples per side, and their span along the side (the corners themselves are left
#: out: the neighbouring edge's blur bends the profile there)
_EDGE_SAMPLES = np.linspace(0.15, 0.85, 10)
#: how far across the edge profiles reach, in cells (the border's inner edge is 1 cell in)
_EDGE_REACH_CELLS = 0.6
_EDGE_STEP_PX = 0.5


def _edge_lines(gray: np.ndarray, corners: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Lines fitted to the four outer edges of each of (M, 4, 2) roughly known marker
    corners: ((M, 4, 2, 2) a point and a unit direction per edge, (M,) whether every edge
    of that marker could be measured)."""
    cv2 = cv2_module()
    n = len(corners)
    a, b = corners, np.roll(corners, -1, axis=1)  # (M, 4, 2): each edge from a to b
    length = np.linalg.norm(b - a, axis=2)
    direction = (b - a) / np.maximum(length, 1e-9)[..., None]
    normal = np.stack([direction[..., 1], -direction[..., 0]], axis=-1)
    # how far each edge's profiles reach: a share of a cell measured across that edge (the
    # neighbouring edges' length: a marker seen at an angle has narrow cells one way), so
    # that no profile runs past the inner edge of the black border. The profiles of all
    # edges are sampled as far as the farthest reach, then each is cut to its own by
    # repeating its end values
    across = (np.roll(length, 1, axis=1) + np.roll(length, -1, axis=1)) / 2.0 / cells
    steps = np.ceil(np.clip(_EDGE_REACH_CELLS * across, 1.0, 5.0) / _EDGE_STEP_PX).astype(int)  # (M, 4)
    half = int(steps.max())
    offsets = _EDGE_STEP_PX * np.arange(-half, half + 1)  # symmetric about 0
    base = a[:, :, None, :] + _EDGE_SAMPLES[None, None, :, None] * (b - a)[:, :, None, :]  # (M, 4, S, 2)
    points = base[..., None, :] + offsets[:, None] * normal[:, :, None, None, :]  # (M, 4, S, K, 2)
    maps = points.reshape(-1, len(offsets), 2).astype(np.float32)
    profiles = cv2.remap(gray, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    profiles = profiles.astype(np.float64).reshape(n, 4, len(_EDGE_SAMPLES), len(offsets))
    if (steps < half).any():
        index = np.clip(np.arange(len(offsets)), (half - steps)[..., None], (half + steps)[..., None])  # (M, 4, K)
        profiles = np.take_along_axis(profiles, np.broadcast_to(index[:, :, None, :], profiles.shape), axis=3)
    # the dark border inside, the bright quiet zone outside: where the profile crosses
    # halfway between its darkest and brightest value is the edge, whatever the blur.
    # Profiles run outwards for OpenCV's clockwise corners; one that runs from bright to
    # dark is read backwards (offsets are symmetric, so its crossing is then at -s)
    flip = (profiles[..., -1] - profiles[..., 0]).sum(axis=2) < 0  # (M, 4)
    profiles[flip] = profiles[flip][..., ::-1]
    lo, hi = profiles.min(axis=3, keepdims=True), profiles.max(axis=3, keepdims=True)
    z = profiles - (lo + hi) / 2.0
    above = z > 0
    k = np.clip(np.argmax(above, axis=3), 1, len(offsets) - 1)
    z0 = np.take_along_axis(z, (k - 1)[..., None], 3)[..., 0]
    z1 = np.take_along_axis(z, k[..., None], 3)[..., 0]
    step = np.where(z1 - z0 > 0, z1 - z0, 1.0)
    s = offsets[k - 1] + _EDGE_STEP_PX * np.clip(-z0 / step, 0.0, 1.0)
    s = np.where(flip[..., None], -s, s)
    contrast = (hi - lo)[..., 0]
    usable = (contrast > 10.0) & ~above[..., 0]  # a profile that starts above halfway missed the edge
    ok = (usable.sum(axis=2) >= 3).all(axis=1) & (length.min(axis=1) >= 8.0)
    # a weighted total-least-squares line per edge, all at once
    w = np.where(usable, contrast, 0.0)
    p = base + s[..., None] * normal[:, :, None, :]  # (M, 4, S, 2)
    m = (p * w[..., None]).sum(axis=2) / np.maximum(w.sum(axis=2), 1e-9)[..., None]
    d = p - m[:, :, None, :]
    cov = np.einsum("mes,mesi,mesj->meij", w, d, d)
    lines = np.empty((n, 4, 2, 2))
    lines[:, :, 0] = m
    lines[:, :, 1] = np.linalg.eigh(cov)[1][..., 1]
    return lines, ok


def refine_corners(gray: np.ndarray, corners: np.ndarray, cells: int, passes: int = 2) -> np.ndarray:
    """Marker corners, (4, 2) or (M, 4, 2), moved onto the intersections of lines fitted
    to each marker's four outer edges (``cells`` across, border included). Each edge is
    sampled across at ten places and its position taken where the intensity is halfway
    between the black border and the white margin, which blur and noise leave in place.
    A marker whose corners would move more than a cell (half out of the picture, a
    damaged edge) keeps its corners; OpenCV's own are up to a third of a cell off on a
    small blurred marker. All markers of a frame go through at once."""
    start = np.asarray(corners, dtype=np.float64)
    single = start.ndim == 2
    start = start.reshape(-1, 4, 2)
    if not len(start):
        return start
    out, ok = start, np.ones(len(start), dtype=bool)
    for _ in range(passes):
        lines, measured = _edge_lines(gray, out, cells)
        # corner i is where edge i-1 (into it) meets edge i (out of it)
        m1, d1 = np.roll(lines[:, :, 0], 1, axis=1), np.roll(lines[:, :, 1], 1, axis=1)
        m2, d2 = lines[:, :, 0], lines[:, :, 1]
        cross = d1[..., 0] * d2[..., 1] - d1[..., 1] * d2[..., 0]
        ok &= measured & (np.abs(cross).min(axis=1) > 1e-6)
        gap = m2 - m1
        t = (gap[..., 0] * d2[..., 1] - gap[..., 1] * d2[..., 0]) / np.where(np.abs(cross) > 1e-6, cross, 1.0)
        out = np.where(ok[:, None, None], m1 + t[..., None] * d1, start)
    side = np.linalg.norm(np.roll(start, -1, axis=1) - start, axis=2).mean(axis=1)
    moved = np.linalg.norm(out - start, axis=2).max(axis=1)
    ok &= moved <= np.maximum(1.5, side / cells)
    out = np.where(ok[:, None, None], out, start)
    return out[0] if single else out


def to_gray(image: np.ndarray) -> np.ndarray:
    """A (h, w) uint8 grey image from a grey or BGR one (detection works on grey)."""
    if image.ndim == 2:
        return image
    cv2 = cv2_module()
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)


def marker_object_points(size_m: float) -> np.ndarray:
    """(4, 3) float64 corners of a marker of side ``size_m`` in its own frame, in detection
    order (top-left, top-right, bottom-right, bottom-left; y up)."""
    h = size_m / 2.0
    return np.array([[-h, h, 0.0], [h, h, 0.0], [h, -h, 0.0], [-h, -h, 0.0]])


def _matrix(rvec: np.ndarray, tvec: np.ndarray) -> np.ndarray:
    cv2 = cv2_module()
    m = np.eye(4)
    m[:3, :3] = cv2.Rodrigues(np.asarray(rvec, dtype=np.float64).reshape(3, 1))[0]
    m[:3, 3] = np.asarray(tvec, dtype=np.float64).ravel()
    return m


def project(points: np.ndarray, camera_from_target: np.ndarray, intrinsics: CameraIntrinsics) -> np.ndarray:
    """(n, 3) target points -> (n, 2) pixels through the camera, distortion included."""
    cv2 = cv2_module()
    rvec = cv2.Rodrigues(np.asarray(camera_from_target[:3, :3], dtype=np.float64))[0]
    px, _ = cv2.projectPoints(
        np.asarray(points, dtype=np.float64).reshape(-1, 1, 3), rvec, camera_from_target[:3, 3].astype(np.float64),
        intrinsics.matrix, intrinsics.distortion,
    )
    return px.reshape(-1, 2)


def reprojection_residual(
    object_points: np.ndarray, image_points: np.ndarray, camera_from_target: np.ndarray,
    intrinsics: CameraIntrinsics,
) -> float:
    """RMS distance (pixels) between ``image_points`` (n, 2) and ``object_points`` (n, 3)
    projected with the pose: how far a drawn overlay would sit from what the camera sees."""
    diff = project(object_points, camera_from_target, intrinsics) - np.asarray(image_points, dtype=np.float64).reshape(-1, 2)
    return float(np.sqrt(np.mean(np.sum(diff * diff, axis=1))))


def solve_marker_pose(corners: np.ndarray, size_m: float, intrinsics: CameraIntrinsics) -> list[PoseFit]:
    """The poses of a square marker of side ``size_m`` from its (4, 2) detected corners
    (IPPE_SQUARE): both solutions of the planar ambiguity, best residual first; [] when
    none is in front of the camera."""
    cv2 = cv2_module()
    obj = marker_object_points(size_m)
    img = np.asarray(corners, dtype=np.float64).reshape(4, 1, 2)
    n, rvecs, tvecs, errors = cv2.solvePnPGeneric(
        obj.reshape(4, 1, 3), img, intrinsics.matrix, intrinsics.distortion, flags=cv2.SOLVEPNP_IPPE_SQUARE
    )
    fits = []
    for i in range(int(n)):
        m = _matrix(rvecs[i], tvecs[i])
        if m[2, 3] > 0:
            fits.append(PoseFit(m, float(np.ravel(errors)[i]) if errors is not None else reprojection_residual(obj, corners, m, intrinsics)))
    return sorted(fits, key=lambda f: f.residual_px)


def solve_points_pose(
    object_points: np.ndarray, image_points: np.ndarray, intrinsics: CameraIntrinsics,
    guess: np.ndarray | None = None,
) -> PoseFit | None:
    """A pose from >= 4 matching points (n, 3) / (n, 2) of a rigid target (a board, several
    markers): SQPnP for a global solution (or ``guess``, the previous pose, as a start),
    refined by Levenberg-Marquardt. None when it fails or lands behind the camera."""
    cv2 = cv2_module()
    obj = np.asarray(object_points, dtype=np.float64).reshape(-1, 1, 3)
    img = np.asarray(image_points, dtype=np.float64).reshape(-1, 1, 2)
    if len(obj) < 4:
        return None
    if guess is not None:
        rvec = cv2.Rodrigues(np.asarray(guess[:3, :3], dtype=np.float64))[0]
        tvec = np.asarray(guess[:3, 3], dtype=np.float64).reshape(3, 1).copy()
        ok, rvec, tvec = cv2.solvePnP(obj, img, intrinsics.matrix, intrinsics.distortion, rvec, tvec,
                                      useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE)
    else:
        ok, rvec, tvec = cv2.solvePnP(obj, img, intrinsics.matrix, intrinsics.distortion, flags=cv2.SOLVEPNP_SQPNP)
    if not ok:
        return None
    rvec, tvec = cv2.solvePnPRefineLM(obj, img, intrinsics.matrix, intrinsics.distortion, rvec, tvec)
    m = _matrix(rvec, tvec)
    if m[2, 3] <= 0 or not np.all(np.isfinite(m)):
        return None
    return PoseFit(m, reprojection_residual(obj.reshape(-1, 3), img.reshape(-1, 2), m, intrinsics))
