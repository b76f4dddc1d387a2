"""Calibration and pose boards: their text specs, and finding their points in an image.

One spec syntax serves ``xrjig calibrate --board`` and ``xrjig markers --board``:

- ``chessboard:COLSxROWS[:SQUARE_MM]`` - a plain chessboard, counted in *inner corners*
  (OpenCV's ``findChessboardCorners``; the classic 9x6 sample has 10 x 7 squares). Without
  a square size the board is measured in squares: intrinsics come out the same, poses
  are not metric.
- ``charuco:COLSxROWS:SQUARE_MM:MARKER_MM:DICT`` - a ChArUco board, counted in *squares*
  (OpenCV's ``CharucoBoard``, as OpenCV >= 4.6 draws it). Partly hidden boards still give
  their visible corners, which is why it is the better calibration target.
- ``grid:COLSxROWS:MARKER_MM:GAP_MM:DICT`` - an ArUco grid board (``GridBoard``), counted in
  markers, ids from 0; for poses only.

A board's frame is OpenCV's: origin at the top-left corner of the printed board, x right,
y down, z into the board (metres). ``BoardDetector.find`` returns the object points and
image points it sees in one frame, which calibration and pose fitting both consume.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from devices.camera.markers import (
    MarkerDetection,
    MarkerDetector,
    cv2_module,
    dictionary_id,
    resolve_dictionary,
    to_gray,
)

BOARD_KINDS = ("chessboard", "charuco", "grid")
#: the largest board side we accept (corners, squares or markers)
MAX_BOARD_SIDE = 64
#: sizes accepted for squares, markers and gaps (mm)
SIZE_RANGE_MM = (0.1, 10000.0)
#: fewest ChArUco corners a view must show to constrain a pose or a calibration
MIN_CHARUCO_CORNERS = 6

_SPEC_HELP = ("chessboard:COLSxROWS[:SQUARE_MM], charuco:COLSxROWS:SQUARE_MM:MARKER_MM:DICT "
              "or grid:COLSxROWS:MARKER_MM:GAP_MM:DICT")


@dataclass(frozen=True)
class BoardSpec:
    """A parsed board spec (see the module docstring); lengths in metres."""

    kind: str
    cols: int
    rows: int
    #: chessboard / ChArUco square, or grid marker side; None: a chessboard in squares
    square_m: float | None
    #: ChArUco marker side, or grid gap between markers
    marker_m: float | None = None
    dictionary: str | None = None
    text: str = ""

    @property
    def metric(self) -> bool:
        return self.square_m is not None


def _size_mm(text: str, what: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"board {spec!r}: {what} must be a number of millimetres, not {text!r}") from None
    lo, hi = SIZE_RANGE_MM
    if not lo <= value <= hi:
        raise ValueError(f"board {spec!r}: {what} {text} mm is outside {lo:g}..{hi:g} mm")
    return value / 1000.0


def parse_board(text: str) -> BoardSpec:
    """A ``BoardSpec`` from its text; ValueError with a sentence naming what is wrong."""
    parts = text.strip().split(":")
    kind = parts[0].lower()
    if kind not in BOARD_KINDS:
        raise ValueError(f"board {text!r}: unknown kind {parts[0]!r} (use {_SPEC_HELP})")
    wanted = {"chessboard": (2, 3), "charuco": (5, 5), "grid": (5, 5)}[kind]
    if not wanted[0] <= len(parts) <= wanted[1]:
        raise ValueError(f"board {text!r}: expected {_SPEC_HELP}")
    match = re.fullmatch(r"(\d{1,3})[xX](\d{1,3})", parts[1])
    if not match:
        raise ValueError(f"board {text!r}: the size must look like 9x6, not {parts[1]!r}")
    cols, rows = int(match[1]), int(match[2])
    low = 3 if kind == "chessboard" else (2 if kind == "charuco" else 1)
    if not (low <= cols <= MAX_BOARD_SIDE and low <= rows <= MAX_BOARD_SIDE and cols * rows >= 2):
        raise ValueError(f"board {text!r}: {cols}x{rows} is outside {low}..{MAX_BOARD_SIDE} per side")
    if kind == "chessboard":
        square = _size_mm(parts[2], "the square size", text) if len(parts) == 3 else None
        return BoardSpec(kind, cols, rows, square, text=text)
    first = _size_mm(parts[2], "the square size" if kind == "charuco" else "the marker size", text)
    second = _size_mm(parts[3], "the marker size" if kind == "charuco" else "the gap", text)
    if kind == "charuco" and second >= first:
        raise ValueError(f"board {text!r}: the marker ({parts[3]} mm) must be smaller than the square ({parts[2]} mm)")
    dictionary = resolve_dictionary(parts[4])
    needed = cols * rows // 2 if kind == "charuco" else cols * rows
    available = len(cv2_module().aruco.getPredefinedDictionary(dictionary_id(dictionary)).bytesList)
    if needed > available:
        raise ValueError(f"board {text!r}: needs {needed} markers, {dictionary} has {available}")
    return BoardSpec(kind, cols, rows, first, second, dictionary, text)


@dataclass
class BoardView:
    """What one frame shows of a board: matching points in the board frame and the image.

    object_points : (n, 3) float32, metres (or squares for a chessboard without a size)
    image_points  : (n, 2) float32 pixels
    markers       : the ArUco markers found on the way (ChArUco, grid), else []
    """

    object_points: np.ndarray
    image_points: np.ndarray
    markers: list[MarkerDetection]


class BoardDetector:
    """Finds one board in frames; keeps the OpenCV objects between frames."""

    def __init__(self, spec: BoardSpec) -> None:
        self.spec = spec
        cv2 = cv2_module()
        self._cv2 = cv2
        self._board = None
        self.markers: MarkerDetector | None = None
        if spec.kind == "chessboard":
            unit = spec.square_m if spec.square_m is not None else 1.0
            grid = np.mgrid[0 : spec.cols, 0 : spec.rows].T.reshape(-1, 2)
            self._chessboard = np.c_[grid * unit, np.zeros(len(grid))].astype(np.float32)
            return
        assert spec.dictionary is not None and spec.marker_m is not None and spec.square_m is not None
        dictionary = cv2.aruco.getPredefinedDictionary(dictionary_id(spec.dictionary))
        self.markers = MarkerDetector(spec.dictionary)
        if spec.kind == "charuco":
            self._board = cv2.aruco.CharucoBoard((spec.cols, spec.rows), spec.square_m, spec.marker_m, dictionary)
            params = cv2.aruco.CharucoParameters()
            params.tryRefineMarkers = True
            self._charuco = cv2.aruco.CharucoDetector(self._board, params, self.markers.parameters)
            self._corners = np.asarray(self._board.getChessboardCorners(), dtype=np.float32)
        else:
            self._board = cv2.aruco.GridBoard((spec.cols, spec.rows), spec.square_m, spec.marker_m, dictionary)

    def find(self, image: np.ndarray, markers: list[MarkerDetection] | None = None) -> BoardView | None:
        """The board's points seen in ``image`` (BGR or grey), or None when too little of it
        shows. ``markers``: this frame's detections in the board's dictionary, if the caller
        already has them (ChArUco and grid boards), so they are not searched twice."""
        gray = to_gray(image)
        if self.spec.kind == "chessboard":
            return self._find_chessboard(gray)
        assert self.markers is not None
        if markers is None:
            markers = self.markers.detect(gray)
        if self.spec.kind == "grid":
            if not markers:
                return None
            corners = tuple(m.corners.reshape(1, 4, 2).astype(np.float32) for m in markers)
            ids = np.array([[m.id] for m in markers], dtype=np.int32)
            obj, img = self._board.matchImagePoints(corners, ids)
            if obj is None or len(obj) < 4:
                return None
            return BoardView(obj.reshape(-1, 3), img.reshape(-1, 2), markers)
        return self._find_charuco(gray, markers)

    def _find_chessboard(self, gray: np.ndarray) -> BoardView | None:
        cv2 = self._cv2
        size = (self.spec.cols, self.spec.rows)
        flags = cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE | cv2.CALIB_CB_FAST_CHECK
        found, corners = cv2.findChessboardCorners(gray, size, flags=flags)
        if not found:
            return None
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.001)
        corners = cv2.cornerSubPix(gray, corners, (11, 11), (-1, -1), criteria)
        return BoardView(self._chessboard.copy(), corners.reshape(-1, 2).astype(np.float32), [])

    def _find_charuco(self, gray: np.ndarray, markers: list[MarkerDetection]) -> BoardView | None:
        cv2 = self._cv2
        if not markers:
            return None
        marker_corners = tuple(m.corners.reshape(1, 4, 2).astype(np.float32) for m in markers)
        marker_ids = np.array([[m.id] for m in markers], dtype=np.int32)
        corners, ids, _, _ = self._charuco.detectBoard(gray, markerCorners=marker_corners, markerIds=marker_ids)
        if ids is None or len(ids) < MIN_CHARUCO_CORNERS:
            return None
        ids = ids.ravel()
        if cv2.aruco.testCharucoCornersCollinear(self._board, ids.reshape(-1, 1)):
            return None  # a single row of corners fixes no plane
        # OpenCV up to 4.12 returns ChArUco corners half a pixel off (opencv/opencv#25539,
        # fixed by #28380): refine them once more from the saddle points themselves, which
        # is right with or without that fix
        corners = corners.reshape(-1, 1, 2).astype(np.float32)
        # the window stays inside the white between a corner and the markers beside it
        spacing = float(np.median(np.linalg.norm(np.diff(corners[:, 0], axis=0), axis=1))) if len(corners) > 1 else 20.0
        assert self.spec.square_m is not None and self.spec.marker_m is not None
        gap = (self.spec.square_m - self.spec.marker_m) / 2.0 / self.spec.square_m * spacing
        half = int(np.clip(0.8 * gap, 2, 10))
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 40, 0.001)
        corners = cv2.cornerSubPix(gray, corners, (half, half), (-1, -1), criteria)
        return BoardView(self._corners[ids].copy(), corners.reshape(-1, 2), markers)

    def draw(self, width_px: int, height_px: int, margin_px: int = 0) -> np.ndarray:
        """The board as a (height, width) uint8 image for printing (OpenCV's drawing)."""
        if self._board is not None:
            return self._board.generateImage((width_px, height_px), marginSize=margin_px, borderBits=1)
        cols, rows = self.spec.cols + 1, self.spec.rows + 1  # squares
        cell = min((width_px - 2 * margin_px) // cols, (height_px - 2 * margin_px) // rows)
        image = np.full((height_px, width_px), 255, np.uint8)
        x0, y0 = (width_px - cols * cell) // 2, (height_px - rows * cell) // 2
        for r in range(rows):
            for c in range(cols):
                if (r + c) % 2 == 0:
                    image[y0 + r * cell : y0 + (r + 1) * cell, x0 + c * cell : x0 + (c + 1) * cell] = 0
        return image

    def printed_size_m(self) -> tuple[float, float] | None:
        """(width, height) of the printed board without margins, None for a chessboard in squares."""
        s = self.spec
        if s.square_m is None:
            return None
        if s.kind == "chessboard":
            return (s.cols + 1) * s.square_m, (s.rows + 1) * s.square_m
        if s.kind == "charuco":
            return s.cols * s.square_m, s.rows * s.square_m
        assert s.marker_m is not None
        return (s.cols * s.square_m + (s.cols - 1) * s.marker_m, s.rows * s.square_m + (s.rows - 1) * s.marker_m)
