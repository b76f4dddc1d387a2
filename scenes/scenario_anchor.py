"""A scenario's ``anchor:`` block: which printed marker (or board) registers the model to
the camera picture in desktop AR, and where it sits on the model.

::

    anchor:
      marker: 23                 # an id of `dictionary` (or board: charuco:5x7:40:20:DICT_6X6_250)
      dictionary: DICT_6X6_250   # markers only (the default)
      size_mm: 50                # markers only: the printed black square's side
      node: as1/plate            # optional: the pose below is in this node's frame
      pose: {position: [0.10, 0.0, 0.05], rotation: [-0.7071068, 0, 0, 0.7071068]}
      lost_after_s: 0.25         # optional: unseen this long, the overlay hides

``pose`` is the marker's (board's) frame in the model (or in ``node``'s rigid frame: its
scale is left out), position in scene metres, rotation a quaternion x, y, z, w. The frames
are OpenCV's: a marker's origin at its centre, x right, y up, z out of the printed face; a
board's origin at its top-left corner, x right, y down, z into the board. The example
lays a marker face up on the plate (its z along the model's +y).

Pure data, read with the scenario's own field reader (line-numbered errors); a board spec
is checked for its shape here and fully (its dictionary's size) by
``devices.camera.boards.parse_board`` when tracking starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from scenes.model import Scene, SceneError
from scenes.transforms import matrix_to_pose, pose_to_matrix

#: OpenCV's predefined marker dictionaries (cv2.aruco 4.11; tests/test_scenario_anchor.py
#: holds this list to OpenCV's own)
MARKER_DICTIONARIES = (
    "DICT_4X4_50", "DICT_4X4_100", "DICT_4X4_250", "DICT_4X4_1000",
    "DICT_5X5_50", "DICT_5X5_100", "DICT_5X5_250", "DICT_5X5_1000",
    "DICT_6X6_50", "DICT_6X6_100", "DICT_6X6_250", "DICT_6X6_1000",
    "DICT_7X7_50", "DICT_7X7_100", "DICT_7X7_250", "DICT_7X7_1000",
    "DICT_ARUCO_ORIGINAL", "DICT_ARUCO_MIP_36h12",
    "DICT_APRILTAG_16h5", "DICT_APRILTAG_25h9", "DICT_APRILTAG_36h10", "DICT_APRILTAG_36h11",
)  # fmt: skip
DEFAULT_DICTIONARY = "DICT_6X6_250"
ANCHOR_KEYS = ("marker", "board", "dictionary", "size_mm", "node", "pose", "lost_after_s")
#: a marker placed on a face has its top edge (its y) along the model's up (glTF: +y)
#: projected on the face; on a face within about 26 degrees of level (|normal . up| above
#: LEVEL_COS), along the model's back (-z) projected instead, as a marker lying on a table
#: in front of the model is printed to be read from the front (tests/ar_scene.py)
MODEL_UP = np.array([0.0, 1.0, 0.0])
LEVEL_UP = np.array([0.0, 0.0, -1.0])
LEVEL_COS = 0.9
_BOARD = re.compile(r"(charuco|grid):(\d{1,2})[xX](\d{1,2}):([0-9.]+):([0-9.]+):(\w+)\Z")


class FieldReader(Protocol):
    """What the scenario reader offers (scenes/scenario.py ``_Reader``)."""

    def fail(self, key: str, message: str) -> SceneError: ...
    def text(self, value: Any, key: str) -> str: ...
    def number(self, value: Any, key: str, positive: bool = True, limit: float = ...) -> float: ...
    def mapping(self, value: Any, key: str) -> dict[str, Any]: ...
    def pose(self, value: Any, key: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Anchor:
    """Where the tracked target sits on the model (see the module docstring)."""

    #: (7,) the target's frame in the model (or ``node``'s rigid frame)
    pose: np.ndarray
    marker_id: int | None = None
    size_m: float | None = None
    dictionary: str = DEFAULT_DICTIONARY
    #: a ChArUco or grid board spec, instead of a marker
    board: str | None = None
    node: str | None = None
    lost_after_s: float = 0.25

    def model_from_target(self, scene: Scene) -> np.ndarray:
        """(4, 4) the target's frame in scene coordinates (authored poses)."""
        target = pose_to_matrix(self.pose)
        if self.node is None:
            return target
        index = next((n.index for n in scene.nodes if n.path == self.node), None)
        if index is None:
            raise KeyError(self.node)
        return pose_to_matrix(matrix_to_pose(scene.world_matrix(index))) @ target

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.board is not None:
            out["board"] = self.board
        else:
            out.update(marker=self.marker_id, dictionary=self.dictionary, size_mm=round((self.size_m or 0) * 1000, 6))
        if self.node is not None:
            out["node"] = self.node
        out["pose"] = {"position": [float(x) for x in self.pose[:3]], "rotation": [float(x) for x in self.pose[3:7]]}
        if self.lost_after_s != 0.25:
            out["lost_after_s"] = self.lost_after_s
        return out


def _dictionary(r: FieldReader, value: Any, key: str) -> str:
    name = r.text(value, key).strip()
    wanted = name.upper().replace("-", "_")
    wanted = wanted if wanted.startswith("DICT_") else "DICT_" + wanted
    for known in MARKER_DICTIONARIES:
        if known.upper() == wanted:
            return known
    raise r.fail(key, f"unknown marker dictionary {name[:60]!r} (known: {', '.join(MARKER_DICTIONARIES)})")


def read_anchor(r: FieldReader, value: Any, key: str = "anchor") -> Anchor:
    """The ``anchor:`` block, checked field by field (errors name line and field)."""
    d = r.mapping(value, key)
    for name in d:
        if name not in ANCHOR_KEYS:
            raise r.fail(f"{key}.{name}", f"unknown field (use {', '.join(ANCHOR_KEYS)})")
    if ("marker" in d) == ("board" in d):
        raise r.fail(key, "an anchor names either a 'marker' (an id) or a 'board' (a spec)")
    if "pose" not in d:
        raise r.fail(key, "an anchor needs 'pose': where the marker or board sits on the model")
    pose = r.pose(d["pose"], f"{key}.pose")
    node = r.text(d["node"], f"{key}.node") if d.get("node") is not None else None
    lost = r.number(d.get("lost_after_s", 0.25), f"{key}.lost_after_s", limit=10.0)
    if "board" in d:
        for name in ("dictionary", "size_mm"):
            if name in d:
                raise r.fail(f"{key}.{name}", "a board spec carries its own sizes and dictionary")
        spec = r.text(d["board"], f"{key}.board").strip()
        match = _BOARD.match(spec)
        if match is None:
            raise r.fail(f"{key}.board", "expected charuco:COLSxROWS:SQUARE_MM:MARKER_MM:DICT or "
                                         "grid:COLSxROWS:MARKER_MM:GAP_MM:DICT")
        _dictionary(r, match[6], f"{key}.board")
        return Anchor(pose, board=spec, node=node, lost_after_s=lost)
    marker = d["marker"]
    if isinstance(marker, bool) or not isinstance(marker, int) or not 0 <= marker < 100_000:
        raise r.fail(f"{key}.marker", "expected a marker id (a whole number from 0)")
    if "size_mm" not in d:
        raise r.fail(key, "a marker anchor needs 'size_mm': the printed black square's side")
    size = r.number(d["size_mm"], f"{key}.size_mm", limit=5000.0)
    dictionary = _dictionary(r, d.get("dictionary", DEFAULT_DICTIONARY), f"{key}.dictionary")
    return Anchor(pose, marker_id=marker, size_m=size / 1000.0, dictionary=dictionary, node=node, lost_after_s=lost)


def check_anchor(anchor: Anchor, scene: Scene, fail: Any, key: str = "anchor") -> None:
    """The anchor's node must exist in the model (``fail(key, message)`` builds the error)."""
    if anchor.node is not None and anchor.node not in {n.path for n in scene.nodes}:
        raise fail(f"{key}.node", f"unknown node {anchor.node!r}")


def marker_frame(point: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """(4, 4) a marker's frame lying on a face: origin at ``point`` (3,), z along the
    face's ``normal`` (3,, out of the printed face), y (its top edge) chosen as
    ``MODEL_UP`` explains, x = y x z. Deterministic, so the same click places the same
    marker; turning it differently means editing ``pose`` in the file."""
    z = np.asarray(normal, dtype=np.float64)
    z = z / np.linalg.norm(z)
    hint = LEVEL_UP if abs(float(z @ MODEL_UP)) > LEVEL_COS else MODEL_UP
    y = hint - (hint @ z) * z
    y /= np.linalg.norm(y)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = np.cross(y, z), y, z, point
    return m
