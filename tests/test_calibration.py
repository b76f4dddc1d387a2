"""Camera calibration and camera files, against independent references: the classic
OpenCV chessboard photos (fx ≈ 537 px, RMS ≈ 0.45 px, as stated with the data), OpenCV's own
tutorial camera files, and OpenCV's own FileStorage reader."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from devices.camera.boards import BoardDetector, parse_board
from devices.camera.calibration import MIN_VIEWS, ViewCollector, calibrate, calibrate_frames
from devices.camera.intrinsics import (
    CameraIntrinsics,
    camera_file_text,
    gl_view_matrix,
    head_matrix,
    read_camera_file,
    write_camera_file,
)
from scenes.model import SceneError
from tests.conftest import DATA

MARKERS = DATA / "markers"
CHESSBOARD = sorted((MARKERS / "chessboard-9x6").glob("left*.jpg"))


@pytest.fixture(scope="module")
def chessboard_calibration():
    assert len(CHESSBOARD) == 9
    return calibrate_frames(((p.name, cv2.imread(str(p))) for p in CHESSBOARD), parse_board("chessboard:9x6"))


def test_nine_chessboard_photos_give_the_known_focal_length(chessboard_calibration):
    result, collector = chessboard_calibration
    cam = result.intrinsics
    assert cam.images_used == 9 and collector.missed == []
    assert (cam.width, cam.height) == (640, 480)
    assert cam.fx == pytest.approx(537, rel=0.01) and cam.fy == pytest.approx(537, rel=0.01)
    assert cam.rms_px < 0.6
    # a principal point near the image centre, a barrel lens (k1 < 0), as for any webcam
    assert abs(cam.cx - 319.5) < 30 and abs(cam.cy - 239.5) < 30
    assert cam.distortion[0] < 0
    assert [name for name, _ in result.per_view_rms_px] == [p.name for p in CHESSBOARD]


def test_camera_file_round_trips_and_opencv_reads_it(chessboard_calibration, tmp_path):
    cam = chessboard_calibration[0].intrinsics
    path = tmp_path / "camera.yaml"
    write_camera_file(path, cam, note='board "9x6"\nsecond line')
    back = read_camera_file(path)
    np.testing.assert_array_equal(back.matrix, cam.matrix)
    np.testing.assert_array_equal(back.distortion, cam.distortion)
    assert (back.width, back.height, back.rms_px, back.images_used) == (640, 480, cam.rms_px, 9)
    fs = cv2.FileStorage(str(path), cv2.FILE_STORAGE_READ)  # OpenCV's own reader, independently
    try:
        np.testing.assert_allclose(fs.getNode("camera_matrix").mat(), cam.matrix, rtol=1e-12)
        np.testing.assert_allclose(fs.getNode("distortion_coefficients").mat().ravel(), cam.distortion, rtol=1e-12)
        assert fs.getNode("image_width").real() == 640 and fs.getNode("image_height").real() == 480
        assert fs.getNode("info").string() == 'board "9x6" second line'
    finally:
        fs.release()


def test_opencv_tutorial_camera_files_are_read():
    cam = read_camera_file(MARKERS / "tutorial_camera_params.yml")  # no image size in it
    assert (cam.fx, cam.fy, cam.cx, cam.cy) == (628.158, 628.156, 324.099, 260.908)
    np.testing.assert_array_equal(cam.distortion, [0.0995485, -0.206384, 0.00754589, 0.00336531, 0])
    assert cam.width is None and cam.for_size(640, 480).matrix is cam.matrix
    charuco = read_camera_file(MARKERS / "tutorial_camera_charuco.yml")
    assert (charuco.width, charuco.height) == (640, 480)
    assert charuco.fx == pytest.approx(452.51072219637672) and charuco.rms_px == pytest.approx(0.18234905535936044)


@pytest.mark.parametrize(("text", "problem"), [
    ("camera_matrix: [1, 2", "not valid YAML"),
    ("- 1\n- 2\n", "not a camera file"),
    ("image_width: 640\n", "no 'camera_matrix'"),
    ("camera_matrix: [[1, 0, 2], [0, 1, 2]]\n", "expected a 3x3 matrix, got 2x3"),
    ("camera_matrix: [[-5, 0, 2], [0, 5, 2], [0, 0, 1]]\n", "not a camera matrix"),
    ("camera_matrix: [[.nan, 0, 2], [0, 5, 2], [0, 0, 1]]\n", "finite numbers"),
    ("camera_matrix: [[5, 0, 2], [0, 5, 2], [0, 0, 1]]\ndistortion_coefficients: [1, 2, 3]\n",
     "expected 4, 5, 8, 12 or 14 coefficients, got 3"),
    ("camera_matrix: [[5, 0, 2], [0, 5, 2], [0, 0, 1]]\nimage_width: 640\n", "only one of image_width"),
    ("camera_matrix: [[5, 0, 2], [0, 5, 2], [0, 0, 1]]\nimage_width: 99999\nimage_height: 1\n", "1..8192"),
    ("camera_matrix: !!opencv-matrix\n  rows: 3\n  cols: 3\n  data: [1, 2]\n", "expected 3x3 = 9 numbers"),
    ("a: &x [1, 2]\nb: *x\n", "aliases are not supported"),
    ("camera_matrix: !!python/object:os.system [1]\n", "not valid YAML"),
])
def test_malformed_camera_file_is_one_sentence_naming_it(tmp_path, text, problem):
    path = tmp_path / "cam.yml"
    path.write_text("%YAML:1.0\n" + text)
    with pytest.raises(SceneError) as err:
        read_camera_file(path)
    message = str(err.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_unreadable_camera_files(tmp_path):
    big = tmp_path / "big.yml"
    big.write_bytes(b"#" * 300_000)
    binary = tmp_path / "bin.yml"
    binary.write_bytes(bytes(range(256)))
    for path, problem in ((tmp_path / "none.yml", "no such file"), (tmp_path, "not a regular file"),
                          (big, "not a camera file"), (binary, "UTF-8")):
        with pytest.raises(SceneError, match=problem):
            read_camera_file(path)


@pytest.mark.parametrize(("text", "kind", "cols", "rows", "square", "marker"), [
    ("chessboard:9x6", "chessboard", 9, 6, None, None),
    ("chessboard:9X6:24.5", "chessboard", 9, 6, 0.0245, None),
    ("charuco:5x7:40:20:DICT_6X6_250", "charuco", 5, 7, 0.04, 0.02),
    ("grid:3x2:50:10:apriltag_36h11", "grid", 3, 2, 0.05, 0.01),
])
def test_board_specs_parse(text, kind, cols, rows, square, marker):
    spec = parse_board(text)
    assert (spec.kind, spec.cols, spec.rows) == (kind, cols, rows)
    assert spec.square_m == (None if square is None else pytest.approx(square))
    assert spec.marker_m == (None if marker is None else pytest.approx(marker))


@pytest.mark.parametrize(("text", "problem"), [
    ("chess:9x6", "unknown kind"),
    ("chessboard:9*6", "must look like 9x6"),
    ("chessboard:2x6", "outside 3..64"),
    ("chessboard:9x6:abc", "number of millimetres"),
    ("chessboard:9x6:0", "outside 0.1..10000 mm"),
    ("charuco:5x7:40:20", "expected chessboard"),
    ("charuco:5x7:20:40:DICT_6X6_250", "must be smaller than the square"),
    ("charuco:5x7:40:20:DICT_NOPE", "unknown marker dictionary"),
    ("grid:20x20:10:2:DICT_4X4_50", "needs 400 markers, DICT_4X4_50 has 50"),
])
def test_bad_board_specs_say_what_is_wrong(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_board(text)


def test_too_few_views_and_mixed_sizes_are_refused():
    collector = ViewCollector(parse_board("chessboard:9x6"))
    for p in CHESSBOARD[: MIN_VIEWS - 1]:
        assert collector.offer(p.name, cv2.imread(str(p)))
    assert collector.image_size is not None
    with pytest.raises(ValueError, match=f"found in {MIN_VIEWS - 1} view"):
        calibrate(collector.views, collector.image_size)
    with pytest.raises(ValueError, match="left01.jpg is 640x480"):
        collector.offer("small.png", np.zeros((240, 320, 3), np.uint8))
    # no board at all in a frame: it is named as missed, not kept
    assert not collector.offer("grey.png", np.full((480, 640, 3), 128, np.uint8))
    assert collector.missed == ["grey.png"]


def test_a_board_held_still_counts_once_from_a_video():
    collector = ViewCollector(parse_board("chessboard:9x6"))
    first, second = cv2.imread(str(CHESSBOARD[0])), cv2.imread(str(CHESSBOARD[1]))
    kept = [collector.offer(f"v#{i}", img, moved_only=True) for i, img in enumerate([first] * 5 + [second] * 5)]
    assert kept == [True, False, False, False, False, True, False, False, False, False]
    # photos the person chose are all used, even repeats
    assert ViewCollector(parse_board("chessboard:9x6")).offer("a.jpg", first) is True


def test_chessboard_corners_are_found_in_row_order():
    view = BoardDetector(parse_board("chessboard:9x6:25")).find(cv2.imread(str(CHESSBOARD[0])))
    assert view is not None and view.object_points.shape == (54, 3) and view.image_points.shape == (54, 2)
    np.testing.assert_allclose(view.object_points[:2], [[0, 0, 0], [0.025, 0, 0]])
    steps = np.linalg.norm(np.diff(view.image_points[:9], axis=0), axis=1)  # along one row
    assert steps.min() > 15 and steps.max() < 60


def test_scaled_intrinsics_see_the_same_rays():
    cam = CameraIntrinsics(np.array([[500.0, 0, 310.0], [0, 505.0, 250.0], [0, 0, 1]]), np.zeros(5), 640, 480)
    big = cam.for_size(1280, 960)
    # the centre of a pixel region, through both: the same ray
    for u, v in ((0.0, 0.0), (310.0, 250.0), (639.0, 479.0)):
        ray = ((u - cam.cx) / cam.fx, (v - cam.cy) / cam.fy)
        u2, v2 = 2 * u + 0.5, 2 * v + 0.5  # the centre of the 2x2 block of the same area
        assert ((u2 - big.cx) / big.fx, (v2 - big.cy) / big.fy) == pytest.approx(ray)
    with pytest.raises(ValueError, match="another aspect ratio"):
        cam.for_size(1280, 720)
    approx = CameraIntrinsics.from_fov(640, 480, 60.0)
    assert approx.approximate and approx.fx == pytest.approx(320 / math.tan(math.radians(30)))


def test_gl_projection_lands_on_opencv_pixels():
    cam = CameraIntrinsics(np.array([[520.0, 0, 300.3], [0, 530.0, 250.7], [0, 0, 1]]), np.zeros(5), 640, 480)
    points = np.array([[0.1, -0.2, 1.0], [-0.3, 0.1, 2.5], [0.0, 0.0, 0.7]])
    expected, _ = cv2.projectPoints(points, np.zeros(3), np.zeros(3), cam.matrix, None)
    world_from_camera = np.eye(4)
    world_from_camera[:3, 3] = [1.0, 2.0, 3.0]
    world = points + world_from_camera[:3, 3]
    view = gl_view_matrix(np.linalg.inv(world_from_camera))
    clip = (cam.gl_projection(0.1, 10.0) @ view @ np.c_[world, np.ones(3)].T).T
    ndc = clip[:, :3] / clip[:, 3:]
    # window coordinates (GL: origin bottom-left, pixel centres at +0.5) -> OpenCV pixels
    u = (ndc[:, 0] + 1) / 2 * 640 - 0.5
    v = 480 - (ndc[:, 1] + 1) / 2 * 480 - 0.5
    np.testing.assert_allclose(np.c_[u, v], expected.reshape(-1, 2), atol=1e-9)
    assert np.all(np.abs(ndc[:, 2]) < 1)
    # the head matrix looks along OpenXR's -z where the camera looks along its +z
    head = head_matrix(world_from_camera)
    np.testing.assert_allclose(head[:3, :3] @ [0, 0, -1], world_from_camera[:3, :3] @ [0, 0, 1])


def test_camera_file_needs_an_image_size():
    with pytest.raises(ValueError, match="image size"):
        camera_file_text(CameraIntrinsics(np.eye(3)))


def test_of_many_video_views_the_most_unlike_are_used():
    collector = ViewCollector(parse_board("chessboard:9x6"), max_views=3)
    for p in CHESSBOARD:
        assert collector.offer(p.name, cv2.imread(str(p)), moved_only=True)
    assert collector.distinct_video_views == 9 and not collector.full
    chosen = collector.views
    assert len(chosen) == 3

    def closest_pair(views):
        return min(np.linalg.norm(a.image_points - b.image_points, axis=1).mean()
                   for i, a in enumerate(views) for b in views[i + 1:])

    first = ViewCollector(parse_board("chessboard:9x6"), max_views=3)
    for p in CHESSBOARD[:3]:
        first.offer(p.name, cv2.imread(str(p)), moved_only=True)
    assert closest_pair(chosen) > 1.5 * closest_pair(first.views)
