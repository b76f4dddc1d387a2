"""Camera math checked against independent constructions (no GL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from views.camera import NAMED_VIEWS, Camera, perspective, project_points


def test_perspective_maps_frustum_corners_to_ndc_cube():
    near, far, fov, aspect = 0.1, 10.0, math.radians(60), 1.5
    m = perspective(fov, aspect, near, far)
    for z in (near, far):
        y = z * math.tan(fov / 2)
        x = y * aspect
        clip = m @ np.array([x, y, -z, 1.0])
        np.testing.assert_allclose(clip[:3] / clip[3], [1, 1, -1 if z == near else 1], atol=1e-9)


def test_ray_through_pixel_projects_back_to_that_pixel():
    cam = Camera(target=np.array([0.2, -0.1, 0.3]), distance=2.0, yaw=0.7, pitch=-0.4)
    w, h = 640, 360
    view, proj = cam.view_matrix(), cam.projection_matrix(w / h)
    for x, y in ((320, 180), (10, 20), (600, 300)):
        origin, direction = cam.ray(x, y, w, h)
        np.testing.assert_allclose(origin, cam.eye())
        assert np.linalg.norm(direction) == pytest.approx(1.0)
        px = project_points((origin + 1.7 * direction)[None], view, proj, w, h)[0]
        np.testing.assert_allclose(px[:2], [x, y], atol=1e-6)


def test_centre_ray_is_the_view_direction_towards_the_target():
    cam = Camera(target=np.array([1.0, 2.0, 3.0]), distance=5.0, yaw=-1.0, pitch=0.3)
    origin, direction = cam.ray(50, 40, 100, 80)
    np.testing.assert_allclose(origin + direction * 5.0, cam.target, atol=1e-9)


@pytest.mark.parametrize("view", sorted(NAMED_VIEWS))
@pytest.mark.parametrize("aspect", [0.5, 1.0, 2.0])
def test_frame_puts_every_bound_corner_inside_the_picture(view, aspect):
    bounds = np.array([[-0.3, 0.0, -2.0], [0.9, 0.05, 0.4]])
    cam = Camera()
    cam.frame(bounds, aspect, view)
    w, h = int(400 * aspect), 400
    corners = np.array([[bounds[i][0], bounds[j][1], bounds[k][2]] for i in (0, 1) for j in (0, 1) for k in (0, 1)])
    px = project_points(corners, cam.view_matrix(), cam.projection_matrix(aspect), w, h)
    assert np.all(px[:, 0] >= 0) and np.all(px[:, 0] <= w)
    assert np.all(px[:, 1] >= 0) and np.all(px[:, 1] <= h)
    assert np.all((px[:, 2] > 0) & (px[:, 2] < 1)), "inside the clip planes"
    # the bounding sphere touches the picture's narrower side: the framing is tight
    extent = max(np.ptp(px[:, 0]) / w, np.ptp(px[:, 1]) / h)
    assert extent > 0.4
    expected = -np.asarray(NAMED_VIEWS[view]) / np.linalg.norm(NAMED_VIEWS[view])
    assert np.dot(cam.forward(), expected) > 0.999


def test_orbit_keeps_target_and_distance_and_clamps_pitch():
    cam = Camera(target=np.array([1.0, 0.0, 0.0]), distance=2.0)
    cam.orbit(0.5, 10.0)
    assert cam.pitch == pytest.approx(math.radians(89))
    assert np.linalg.norm(cam.eye() - cam.target) == pytest.approx(2.0)


def test_look_turns_around_the_eye():
    cam = Camera(distance=3.0)
    eye = cam.eye()
    cam.look(0.4, 0.2)
    np.testing.assert_allclose(cam.eye(), eye, atol=1e-12)


def test_pan_moves_the_target_with_the_cursor():
    cam = Camera(distance=2.0, yaw=0.3, pitch=-0.2)
    w, h = 800, 600
    before = project_points(np.zeros((1, 3)), cam.view_matrix(), cam.projection_matrix(w / h), w, h)[0]
    cam.pan(40, -25, h)
    after = project_points(np.zeros((1, 3)), cam.view_matrix(), cam.projection_matrix(w / h), w, h)[0]
    np.testing.assert_allclose(after[:2] - before[:2], [40, -25], atol=1e-6)


def test_zoom_and_fly():
    cam = Camera(distance=2.0, scene_radius=1.0)
    cam.zoom(1)
    assert cam.distance == pytest.approx(1.7)
    eye = cam.eye()
    cam.fly(np.array([0.0, 0.0, -1.0]), 0.5)
    moved = cam.eye() - eye
    assert np.dot(moved / np.linalg.norm(moved), cam.forward()) == pytest.approx(1.0)
