"""The per-eye projection built from OpenXR's four half-angles (XrFovf), checked against
independent constructions (no GL, no runtime)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from views.camera import fov_projection, perspective


def _ndc(m: np.ndarray, point: tuple[float, float, float]) -> np.ndarray:
    clip = m @ np.array([*point, 1.0])
    return clip[:3] / clip[3]


def test_symmetric_fov_is_the_ordinary_perspective():
    half_y, aspect = math.radians(45), 0.9
    half_x = math.atan(math.tan(half_y) * aspect)
    m = fov_projection(-half_x, half_x, half_y, -half_y, 0.05, 100.0)
    np.testing.assert_allclose(m, perspective(2 * half_y, aspect, 0.05, 100.0), atol=1e-12)


@pytest.mark.parametrize(
    "fov",
    [
        (-0.9, 0.7, 0.8, -0.95),  # a left eye: wider towards the nose's other side
        (-0.7, 0.9, 0.8, -0.95),  # the matching right eye
        (-0.2, 1.1, 0.3, 0.1),  # a frustum entirely right of and above the view axis
    ],
)
def test_frustum_edges_map_to_the_ndc_cube_edges(fov):
    left, right, up, down = fov
    near, far = 0.1, 20.0
    m = fov_projection(left, right, up, down, near, far)
    for z, depth in ((near, -1.0), (far, 1.0)):
        for ax, ndc_x in ((left, -1.0), (right, 1.0)):
            for ay, ndc_y in ((down, -1.0), (up, 1.0)):
                point = (z * math.tan(ax), z * math.tan(ay), -z)
                np.testing.assert_allclose(_ndc(m, point), [ndc_x, ndc_y, depth], atol=1e-9)


def test_view_axis_lands_off_centre_in_an_asymmetric_frustum():
    """Straight ahead of a left eye whose frustum reaches further left than right is right
    of the image centre, by the share of the width the left part takes."""
    left, right = -0.9, 0.7
    m = fov_projection(left, right, 0.8, -0.8, 0.1, 10.0)
    ndc = _ndc(m, (0.0, 0.0, -1.0))
    tl, tr = math.tan(left), math.tan(right)
    assert ndc[0] == pytest.approx(-(tr + tl) / (tr - tl))
    assert ndc[0] > 0
    assert ndc[1] == pytest.approx(0.0)
