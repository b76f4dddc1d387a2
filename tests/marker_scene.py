"""Markers and boards drawn through the project's own renderer at exactly known poses.

The scene's world is the OpenCV camera frame (x right, y down, z forward, metres): each
marker is a textured quad whose node matrix is its ``camera_from_marker``, the view
matrix only turns OpenCV's axes into OpenGL's, and the projection comes from the
intrinsics (``CameraIntrinsics.gl_projection``), so a marker corner lands on the pixel
``cv2.projectPoints`` gives for it. Blur and sensor noise are added afterwards (seeded).
Used by tests/test_marker_render.py and bench/bench_markers.py.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from devices.camera.intrinsics import CV_TO_GL, CameraIntrinsics
from devices.camera.markers import dictionary_id
from scenes.model import Material, Mesh, Node, Primitive, Scene

#: texels per marker cell (a 6x6 marker with its border is 8 cells)
CELL_PX = 24


def marker_rgba(marker_id: int, dictionary: str = "DICT_6X6_250", quiet_cells: int = 1) -> tuple[np.ndarray, float]:
    """(rgba texture, quad side / marker side): the marker with a white quiet zone of
    ``quiet_cells`` cells around it, as it would be printed."""
    d = cv2.aruco.getPredefinedDictionary(dictionary_id(dictionary))
    cells = d.markerSize + 2
    marker = cv2.aruco.generateImageMarker(d, marker_id, cells * CELL_PX, borderBits=1)
    pad = quiet_cells * CELL_PX
    image = cv2.copyMakeBorder(marker, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    rgba = np.dstack([image, image, image, np.full_like(image, 255)])
    return rgba, (cells + 2 * quiet_cells) / cells


def quad_primitive(half_w: float, half_h: float, material: int) -> Primitive:
    """A quad in its node's x-y plane, facing +z, uv (0, 0) at the top-left (x -, y +)."""
    positions = np.array([[-half_w, half_h, 0], [half_w, half_h, 0], [half_w, -half_h, 0], [-half_w, -half_h, 0]], np.float32)
    uvs = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
    normals = np.tile(np.array([[0, 0, 1]], np.float32), (4, 1))
    indices = np.array([[0, 3, 2], [0, 2, 1]], np.uint32)
    return Primitive(positions, indices, normals, uvs, material)


def textured_scene(items: list[tuple[np.ndarray, float, float, np.ndarray]]) -> Scene:
    """A scene of textured quads: (rgba, half width, half height, (4, 4) node matrix)."""
    nodes, meshes, materials = [], [], []
    for i, (rgba, half_w, half_h, matrix) in enumerate(items):
        materials.append(Material(name=f"m{i}", base_color=(1.0, 1.0, 1.0, 1.0), texture=rgba,
                                  double_sided=True, unlit=True, texture_wrap=(33071, 33071)))
        meshes.append(Mesh(f"quad{i}", [quad_primitive(half_w, half_h, i)]))
        nodes.append(Node(i, f"quad{i}", f"quad{i}", np.asarray(matrix, dtype=np.float64), mesh=i))
    return Scene("markers", nodes, meshes, materials)


def marker_scene(markers: list[tuple[int, float, np.ndarray]], dictionary: str = "DICT_6X6_250") -> Scene:
    """Markers (id, side in metres, camera_from_marker) as quads with their quiet zone."""
    items = []
    for marker_id, size, pose in markers:
        rgba, ratio = marker_rgba(marker_id, dictionary)
        items.append((rgba, size * ratio / 2, size * ratio / 2, pose))
    return textured_scene(items)


def pose(distance: float, tilt_deg: float = 0.0, axis=(0.0, 1.0, 0.0), spin_deg: float = 0.0,
         offset=(0.0, 0.0)) -> np.ndarray:
    """camera_from_marker: the marker ``distance`` m ahead (plus an x, y ``offset``), facing
    the camera, turned ``spin_deg`` about its normal and tilted ``tilt_deg`` about ``axis``."""
    facing = np.diag([1.0, -1.0, -1.0])  # marker z towards the camera, marker y up in the image
    spin = cv2.Rodrigues(np.array([0.0, 0.0, math.radians(spin_deg)]))[0]
    a = np.asarray(axis, dtype=np.float64)
    tilt = cv2.Rodrigues(a / np.linalg.norm(a) * math.radians(tilt_deg))[0]
    m = np.eye(4)
    m[:3, :3] = tilt @ facing @ spin
    m[:3, 3] = [offset[0], offset[1], distance]
    return m


class MarkerRenderer:
    """Renders scenes of quads into (h, w, 3) BGR frames with the given intrinsics."""

    def __init__(self, intrinsics: CameraIntrinsics, samples: int = 4) -> None:
        from app.display.offscreen import OffscreenTarget

        assert intrinsics.width is not None and intrinsics.height is not None
        self.intrinsics = intrinsics
        self.width, self.height = intrinsics.width, intrinsics.height
        self.target = OffscreenTarget(self.width, self.height, samples=samples)
        from views.render_state import RenderState
        from views.renderer import Renderer

        self._renderer = Renderer()
        # a transparent clear: the alpha channel is then each pixel's coverage, to
        # composite the quads over a background (a grey card, a real video frame)
        self._state = RenderState(show_grid=False, background=None)

    def render(self, scene: Scene, background: np.ndarray | None = None) -> np.ndarray:
        """The scene as the camera sees it (no distortion), over a mid-grey or the given
        (h, w, 3) BGR background."""
        self.target.make_current()
        self._renderer.set_scene(scene)
        proj = self.intrinsics.gl_projection(0.01, 100.0)
        w, h = self.width, self.height
        rgba = self.target.render(lambda fb: self._renderer.draw(CV_TO_GL, proj, (0, 0, w, h), fb, self._state))
        alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
        under = np.full((h, w, 3), 115, np.float32) if background is None else background.astype(np.float32)
        # opaque quads over a transparent clear, resolved from 4 samples: the colour is
        # premultiplied by coverage
        bgr = rgba[:, :, 2::-1].astype(np.float32) + under * (1.0 - alpha)
        return np.clip(np.rint(bgr), 0, 255).astype(np.uint8)

    def close(self) -> None:
        self.target.make_current()
        self._renderer.release()
        self.target.close()


def degrade(bgr: np.ndarray, blur_sigma: float, noise_sigma: float, seed: int) -> np.ndarray:
    """Gaussian blur (defocus, motion) and Gaussian sensor noise, reproducibly."""
    out = bgr.astype(np.float32)
    if blur_sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur_sigma)
    if noise_sigma > 0:
        out += np.random.default_rng(seed).normal(0.0, noise_sigma, out.shape).astype(np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
