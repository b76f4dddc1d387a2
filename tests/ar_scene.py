"""Desktop AR test set-up: AS1 with a printed marker lying beside it, seen by a camera at a
known pose, rendered through our own renderer (tests/marker_scene.py).

The marker (id 23, 60 mm) lies face up on the table 6 cm in front of the plate, its top
edge towards the model: the ``anchor:`` block a designer would write for it is
``ANCHOR_YAML``. A "camera picture" holds only the marker on a coloured card (the real
part is not drawn), so wherever the AR view draws the model differs from the picture:
that is how the model's silhouette is read back.
"""

from __future__ import annotations

import math

import numpy as np

from devices.camera.intrinsics import CV_TO_GL, CameraIntrinsics
from scenes.model import Scene
from scenes.scenario_anchor import Anchor
from scenes.transforms import look_at
from tests.marker_scene import MarkerRenderer, marker_scene

MARKER_ID = 23
SIDE_M = 0.06
ANCHOR_YAML = (
    "anchor:\n"
    "  marker: 23        # printed at 60 mm, face up in front of the plate\n"
    "  size_mm: 60\n"
    "  pose: {position: [0.09, 0.0, 0.06], rotation: [-0.7071068, 0, 0, 0.7071068]}\n"
)
ANCHOR = Anchor(np.array([0.09, 0.0, 0.06, -math.sqrt(0.5), 0.0, 0.0, math.sqrt(0.5)]), marker_id=MARKER_ID,
                size_m=SIDE_M)
#: what the camera looks at: AS1's middle, between the model and the marker
AIM = np.array([0.09, 0.02, -0.03])
#: a webcam: 640x480, about 55 degrees across, with a barrel lens
K = np.array([[612.0, 0.0, 331.2], [0.0, 607.0, 236.8], [0.0, 0.0, 1.0]])
LENS = np.array([-0.21, 0.06, 0.0008, -0.0005, 0.0])
PINHOLE = CameraIntrinsics(K, np.zeros(5), 640, 480)
CAMERA = CameraIntrinsics(K, LENS, 640, 480)
#: a saturated card under the marker, a colour no AS1 surface has (BGR)
CARD = (200, 40, 200)


def world_from_camera(azimuth_deg: float, elevation_deg: float, distance: float,
                      aim: np.ndarray = AIM) -> np.ndarray:
    """(4, 4) OpenCV camera pose (x right, y down, z ahead) in AS1's frame: ``distance`` m
    from ``aim``, ``elevation_deg`` above the table, turned ``azimuth_deg`` about y from +z."""
    a, e = math.radians(azimuth_deg), math.radians(elevation_deg)
    eye = aim + distance * np.array([math.sin(a) * math.cos(e), math.sin(e), math.cos(a) * math.cos(e)])
    return look_at(eye, aim) @ CV_TO_GL


def model_from_target(scene: Scene) -> np.ndarray:
    return ANCHOR.model_from_target(scene)


def picture(renderer: MarkerRenderer, scene: Scene, camera_pose: np.ndarray) -> np.ndarray:
    """(480, 640, 3) BGR: the marker on the card as the (pinhole) camera at ``camera_pose``
    sees it."""
    camera_from_marker = np.linalg.inv(camera_pose) @ model_from_target(scene)
    card = np.empty((renderer.height, renderer.width, 3), np.uint8)
    card[:] = CARD
    return renderer.render(marker_scene([(MARKER_ID, SIDE_M, camera_from_marker)]), card)


def distort_maps(k: np.ndarray = K, lens: np.ndarray = LENS, size: tuple[int, int] = (640, 480)):
    """remap() maps that turn a pinhole picture into what ``lens`` would show."""
    import cv2

    w, h = size
    grid = np.mgrid[0:h, 0:w][::-1].reshape(2, -1).T.astype(np.float64)
    ideal = cv2.undistortPoints(grid.reshape(-1, 1, 2), k, lens, P=k).reshape(h, w, 2).astype(np.float32)
    return ideal[..., 0], ideal[..., 1]


def distorted(bgr: np.ndarray, maps) -> np.ndarray:
    import cv2

    return cv2.remap(bgr, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
