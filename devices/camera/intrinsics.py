"""A webcam's intrinsics (pinhole matrix + lens distortion) and the camera files that hold them.

Marker poses are only as good as the intrinsics they are computed with, so these travel
with the image size they were measured at: a camera that delivers another resolution of
the same aspect ratio gets the matrix scaled (``for_size``), and one of another aspect
ratio is refused rather than silently mis-projected (a 4:3 calibration says nothing
about a 16:9 crop). Without a calibration, a horizontal field of view gives approximate
intrinsics (``from_fov``: principal point at the centre, no distortion), flagged
``approximate`` so a view can say so.

Camera files are OpenCV FileStorage YAML (``%YAML:1.0``, ``!!opencv-matrix``), the format of
OpenCV's own calibration samples and of its tutorial files, so files from either side open
in the other. They are parsed here with PyYAML's safe loader, not cv2.FileStorage: a camera
file is user input, and a bounded pure-Python parse turns every malformed file into one
``SceneError`` naming it.

Conventions: OpenCV's camera frame (x right, y down, z forward, metres) and pixel
coordinates (x right, y down, the centre of the top-left pixel at (0, 0)).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from scenes.model import SceneError

#: the numbers of distortion coefficients OpenCV's models have (k1 k2 p1 p2 [k3 [k4 k5 k6
#: [s1..s4 [tx ty]]]])
DISTORTION_SIZES = (4, 5, 8, 12, 14)
#: camera files are a few hundred bytes; anything this large is not one
MAX_CAMERA_FILE_BYTES = 256 * 1024
#: the largest image side we accept (the image pixel budget's side, scenes/image_budget.py)
MAX_IMAGE_SIDE = 8192
#: OpenCV camera axes (x right, y down, z forward) <-> OpenGL eye axes (x right, y up, z
#: back): a half turn about x, its own inverse
CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])

_MATRIX_KEYS = ("camera_matrix", "cameraMatrix", "K")
_DISTORTION_KEYS = ("distortion_coefficients", "dist_coeffs", "distCoeffs", "D")


@dataclass(frozen=True)
class CameraIntrinsics:
    """A pinhole camera with lens distortion, for images of ``width`` x ``height`` pixels.

    matrix     : (3, 3) float64 ``[[fx, 0, cx], [0, fy, cy], [0, 0, 1]]`` (pixels)
    distortion : (k,) float64 OpenCV coefficients, k in DISTORTION_SIZES
    width, height : the image size it was measured at; None when the file does not say
                    (OpenCV's tutorial files), then any frame size is taken as it
    """

    matrix: np.ndarray
    distortion: np.ndarray = field(default_factory=lambda: np.zeros(5))
    width: int | None = None
    height: int | None = None
    #: True when made from a field of view, not measured: poses are rough
    approximate: bool = False
    #: the calibration's RMS reprojection error (pixels) and views used, when known
    rms_px: float | None = None
    images_used: int | None = None

    @property
    def fx(self) -> float:
        return float(self.matrix[0, 0])

    @property
    def fy(self) -> float:
        return float(self.matrix[1, 1])

    @property
    def cx(self) -> float:
        return float(self.matrix[0, 2])

    @property
    def cy(self) -> float:
        return float(self.matrix[1, 2])

    @classmethod
    def from_fov(cls, width: int, height: int, horizontal_fov_deg: float) -> CameraIntrinsics:
        """Approximate intrinsics from a horizontal field of view: square pixels, principal
        point at the image centre, no distortion (what a webcam roughly is)."""
        f = 0.5 * width / math.tan(math.radians(horizontal_fov_deg) / 2.0)
        k = np.array([[f, 0.0, (width - 1) / 2.0], [0.0, f, (height - 1) / 2.0], [0.0, 0.0, 1.0]])
        return cls(k, np.zeros(5), width, height, approximate=True)

    def for_size(self, width: int, height: int) -> CameraIntrinsics:
        """These intrinsics for frames of ``width`` x ``height``: unchanged when the size is
        the same or unknown, scaled for the same aspect ratio at another resolution;
        ValueError (a sentence) for another aspect ratio."""
        if self.width is None or self.height is None:
            return replace(self, width=width, height=height)
        if (width, height) == (self.width, self.height):
            return self
        sx, sy = width / self.width, height / self.height
        if abs(sx - sy) > 0.01 * max(sx, sy):
            raise ValueError(
                f"the camera was calibrated at {self.width}x{self.height}, but the frames are "
                f"{width}x{height} (another aspect ratio): calibrate at this size"
            )
        k = self.matrix.copy()
        # pixel centres: x' + 0.5 = s (x + 0.5)
        k[0, 0] *= sx
        k[1, 1] *= sy
        k[0, 2] = sx * (k[0, 2] + 0.5) - 0.5
        k[1, 2] = sy * (k[1, 2] + 0.5) - 0.5
        return replace(self, matrix=k, width=width, height=height)

    def gl_projection(self, near: float, far: float) -> np.ndarray:
        """(4, 4) OpenGL projection (clip z in [-w, w]) that puts a point where this camera
        would image it without distortion: OpenCV pixel (u, v) lands on the centre of
        window pixel (u, height - 1 - v). Pair it with a view matrix from
        ``gl_view_matrix`` and an undistorted camera image behind the scene."""
        if self.width is None or self.height is None:
            raise ValueError("the image size is unknown: call for_size(width, height) first")
        w, h = self.width, self.height
        m = np.zeros((4, 4))
        m[0, 0] = 2.0 * self.fx / w
        m[0, 1] = -2.0 * float(self.matrix[0, 1]) / w  # skew (0 for any real calibration)
        m[0, 2] = 1.0 - (2.0 * self.cx + 1.0) / w
        m[1, 1] = 2.0 * self.fy / h
        m[1, 2] = (2.0 * self.cy + 1.0) / h - 1.0
        m[2, 2] = (far + near) / (near - far)
        m[2, 3] = 2.0 * far * near / (near - far)
        m[3, 2] = -1.0
        return m


def gl_view_matrix(camera_from_world: np.ndarray) -> np.ndarray:
    """(4, 4) OpenGL view matrix (world -> eye, -z forward, y up) for an OpenCV camera
    pose ``camera_from_world`` (world -> camera, z forward, y down)."""
    return CV_TO_GL @ np.asarray(camera_from_world, dtype=np.float64)


def head_matrix(world_from_camera: np.ndarray) -> np.ndarray:
    """(4, 4) head pose for an InputFrame (OpenXR axes: -z forward, y up) of a camera whose
    OpenCV pose in the world is ``world_from_camera``."""
    return np.asarray(world_from_camera, dtype=np.float64) @ CV_TO_GL


# -- camera files ----------------------------------------------------------------------------


class _CameraLoader(yaml.SafeLoader):
    """Safe YAML plus OpenCV's ``!!opencv-matrix`` tag (read as a plain mapping)."""


def _opencv_matrix(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    if not isinstance(node, yaml.MappingNode):
        raise yaml.constructor.ConstructorError(None, None, "an opencv-matrix must be a mapping", node.start_mark)
    return {"__opencv_matrix__": True, **loader.construct_mapping(node, deep=True)}


_CameraLoader.add_constructor("tag:yaml.org,2002:opencv-matrix", _opencv_matrix)


def _matrix(value: Any, key: str, path: Path) -> np.ndarray:
    """An opencv-matrix mapping or a nested list -> a finite float64 array."""
    if isinstance(value, dict) and value.get("__opencv_matrix__"):
        rows, cols, data = value.get("rows"), value.get("cols"), value.get("data")
        if not (isinstance(rows, int) and isinstance(cols, int) and 1 <= rows <= 16 and 1 <= cols <= 16):
            raise SceneError(path, f"field '{key}': an opencv-matrix needs rows and cols in 1..16")
        if not isinstance(data, list) or len(data) != rows * cols:
            raise SceneError(path, f"field '{key}': expected {rows}x{cols} = {rows * cols} numbers in 'data'")
        value = [data[i * cols : (i + 1) * cols] for i in range(rows)]
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise SceneError(path, f"field '{key}': expected numbers") from None
    if array.dtype != np.float64 or array.ndim > 2 or not np.all(np.isfinite(array)):
        raise SceneError(path, f"field '{key}': expected a matrix of finite numbers")
    return array


def _first(data: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, Any] | None:
    for key in keys:
        if key in data:
            return key, data[key]
    return None


def _side(data: dict[str, Any], key: str, path: Path) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_IMAGE_SIDE:
        raise SceneError(path, f"field '{key}': expected a whole number of pixels in 1..{MAX_IMAGE_SIDE}")
    return value


def _read_text(path: Path) -> str:
    try:
        if not path.is_file():
            raise SceneError(path, "no such file" if not path.exists() else "not a regular file")
        if path.stat().st_size > MAX_CAMERA_FILE_BYTES:
            raise SceneError(path, f"larger than {MAX_CAMERA_FILE_BYTES // 1024} KB: not a camera file")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SceneError(path, "not a camera file (UTF-8 YAML text)") from None
    except OSError as err:
        raise SceneError(path, f"cannot be read ({err.strerror or err})") from None


def _parse(text: str, path: Path) -> dict[str, Any]:
    # OpenCV writes "%YAML:1.0", which PyYAML does not take as a directive: drop it
    text = re.sub(r"\A\s*%YAML[: ]1\.\d+[^\n]*\n", "", text)
    try:
        for event in yaml.parse(text, Loader=_CameraLoader):
            if isinstance(event, yaml.AliasEvent):
                raise SceneError(path, f"line {event.start_mark.line + 1}: YAML aliases are not supported")
        data = yaml.load(text, Loader=_CameraLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise SceneError(path, f"{where}not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise SceneError(path, "not a camera file (expected a mapping with camera_matrix and distortion_coefficients)")
    return data


def read_camera_file(path: str | Path) -> CameraIntrinsics:
    """Read a camera file: ours (``write_camera_file``) or OpenCV's FileStorage YAML
    (``camera_matrix``, ``distortion_coefficients``, optional ``image_width`` /
    ``image_height``). Raises SceneError naming the file and the problem."""
    path = Path(path)
    data = _parse(_read_text(path), path)
    found = _first(data, _MATRIX_KEYS)
    if found is None:
        raise SceneError(path, "not a camera file: no 'camera_matrix'")
    key, value = found
    k = _matrix(value, key, path)
    if k.shape != (3, 3):
        raise SceneError(path, f"field '{key}': expected a 3x3 matrix, got {'x'.join(map(str, k.shape))}")
    if not (k[0, 0] > 0 and k[1, 1] > 0 and k[2, 2] == 1 and k[1, 0] == k[2, 0] == k[2, 1] == 0):
        raise SceneError(path, f"field '{key}': not a camera matrix ([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], fx, fy > 0)")
    if max(k[0, 0], k[1, 1], abs(k[0, 2]), abs(k[1, 2])) > 1e6:
        raise SceneError(path, f"field '{key}': focal length or principal point beyond 1e6 pixels")
    dist = np.zeros(5)
    found = _first(data, _DISTORTION_KEYS)
    if found is not None:
        dkey, dvalue = found
        dist = _matrix(dvalue, dkey, path).ravel()
        if dist.size not in DISTORTION_SIZES:
            raise SceneError(path, f"field '{dkey}': expected 4, 5, 8, 12 or 14 coefficients, got {dist.size}")
        if np.abs(dist).max(initial=0.0) > 1e4:
            raise SceneError(path, f"field '{dkey}': coefficients beyond 1e4")
    width, height = _side(data, "image_width", path), _side(data, "image_height", path)
    if (width is None) != (height is None):
        raise SceneError(path, "gives only one of image_width and image_height")
    rms = data.get("avg_reprojection_error", data.get("rms_px"))
    used = data.get("images_used", data.get("nframes"))
    return CameraIntrinsics(
        k, dist, width, height,
        rms_px=float(rms) if isinstance(rms, (int, float)) and not isinstance(rms, bool) and math.isfinite(rms) else None,
        images_used=used if isinstance(used, int) and not isinstance(used, bool) else None,
    )


def _opencv_matrix_text(name: str, m: np.ndarray) -> str:
    m = np.atleast_2d(m)
    data = ", ".join(repr(float(v)) for v in m.ravel())
    return (f"{name}: !!opencv-matrix\n   rows: {m.shape[0]}\n   cols: {m.shape[1]}\n"
            f"   dt: d\n   data: [ {data} ]\n")


def camera_file_text(intrinsics: CameraIntrinsics, note: str = "") -> str:
    """The camera file for ``intrinsics``: OpenCV FileStorage YAML, which OpenCV's own
    ``cv2.FileStorage`` and its calibration samples read too."""
    if intrinsics.width is None or intrinsics.height is None:
        raise ValueError("a camera file keeps its image size: width and height are needed")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        "%YAML:1.0\n---\n",
        f'calibration_time: "{when}"\n',
        f"image_width: {intrinsics.width}\nimage_height: {intrinsics.height}\n",
        _opencv_matrix_text("camera_matrix", intrinsics.matrix),
        _opencv_matrix_text("distortion_coefficients", intrinsics.distortion.reshape(1, -1)),
    ]
    if intrinsics.rms_px is not None:
        lines.append(f"avg_reprojection_error: {intrinsics.rms_px!r}\n")
    if intrinsics.images_used is not None:
        lines.append(f"images_used: {intrinsics.images_used}\n")
    if note:
        lines.append(f"info: {_quoted(note)}\n")
    return "".join(lines)


def _quoted(text: str) -> str:
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_camera_file(path: str | Path, intrinsics: CameraIntrinsics, note: str = "") -> None:
    """Write ``camera_file_text`` to ``path`` (the person asked for it: ``--out``)."""
    Path(path).write_text(camera_file_text(intrinsics, note), encoding="utf-8")
