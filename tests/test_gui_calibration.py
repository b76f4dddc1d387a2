"""Device ▸ Calibrate the camera…, live: a video of the nine real chessboard photos (OpenCV's
tutorial set) plays as the camera; the dialog keeps distinct board views, shows coverage,
calibrates to OpenCV's own figure for these photos, and saves a camera file that desktop AR
then uses for this camera.
"""

from __future__ import annotations

import cv2
import pytest

from app.window.ar_mode import source_key
from app.window.camera_calibration import coverage
from devices.camera.intrinsics import read_camera_file
from tests.conftest import DATA, interaction_window

pytestmark = pytest.mark.gl
PHOTOS = sorted((DATA / "markers" / "chessboard-9x6").glob("left0*.jpg"))


@pytest.fixture
def board_video(tmp_path):
    path = tmp_path / "board.avi"
    first = cv2.imread(str(PHOTOS[0]))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (first.shape[1], first.shape[0]))
    for photo in PHOTOS:
        image = cv2.imread(str(photo))
        for _ in range(6):  # 0.6 s a view, as a person holding the board still
            writer.write(image)
    writer.release()
    return path


def test_calibrating_from_the_running_camera(qtbot, tmp_path, board_video):
    window, controller = interaction_window(qtbot, tmp_path)
    assert window.open_file(DATA / "cad" / "glb" / "bug21802_as1-oc-214.glb", remember=False)
    qtbot.waitUntil(lambda: controller.session is not None, timeout=20_000)
    calibration = controller.devices.camera_calibration
    assert not calibration.action.isEnabled() or controller.devices.camera is None
    assert controller.devices.choose(f"video:{board_video}")
    try:
        _calibrate_and_save(qtbot, window, controller, tmp_path)
    finally:  # the camera's tracker thread (MediaPipe's) must not outlive the test
        controller.session.stop()


def _calibrate_and_save(qtbot, window, controller, tmp_path) -> None:
    calibration = controller.devices.camera_calibration
    controller.devices._fill_menu()
    assert calibration.action.isEnabled()
    calibration.action.trigger()
    dialog = calibration.dialog
    assert dialog.isVisible() and not dialog.calibrate_button.isEnabled()
    qtbot.waitUntil(lambda: len(calibration.collector.views) >= 8, timeout=30_000)
    assert dialog.calibrate_button.isEnabled() and "■" in dialog.coverage.text()
    dialog.calibrate_button.click()
    intrinsics = calibration.result.intrinsics
    assert intrinsics.fx == pytest.approx(537, rel=0.02) and intrinsics.rms_px < 0.6
    assert "RMS" in dialog.result.text() and dialog.save_button.isEnabled()
    out = tmp_path / "webcam.yaml"
    assert calibration.save(str(out))
    again = read_camera_file(out)
    assert again.fx == pytest.approx(intrinsics.fx) and (again.width, again.height) == (640, 480)
    assert window.settings.value(source_key(controller.devices.camera.source)) == str(out.resolve())


def test_coverage_counts_the_regions_a_view_reaches():
    import numpy as np

    grid = coverage([np.array([[10.0, 10.0], [630.0, 470.0]]), np.array([[320.0, 240.0]])], (640, 480))
    assert grid == [[True, False, False], [False, True, False], [False, False, True]]
