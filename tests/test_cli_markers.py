"""``xrjig markers`` and ``xrjig calibrate``: real photos, a video made from them, the
printable marker, and bad input (one line on stderr, exit code 1, nothing written)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from app.cli import main
from devices.camera.intrinsics import read_camera_file
from tests.conftest import DATA, HANDS

ROOT = Path(__file__).resolve().parents[1]
MARKERS = DATA / "markers"
PHOTO = MARKERS / "singlemarkersoriginal.jpg"
CHESSBOARD = MARKERS / "chessboard-9x6"


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_markers_json_lists_the_photos_ids_without_poses(capsys):
    code, out, err = _run(capsys, "markers", str(PHOTO), "--json")
    assert code == 0 and err == ""
    (line,) = out.splitlines()
    record = json.loads(line)
    assert record["frame"] == 0
    assert [m["id"] for m in record["markers"]] == [23, 40, 62, 98, 124, 203]
    for m in record["markers"]:
        assert set(m) == {"id", "corners_px"} and len(m["corners_px"]) == 4
        assert all(0 <= x < 640 and 0 <= y < 480 for x, y in m["corners_px"])


def test_markers_with_a_camera_file_and_size_give_poses(capsys):
    code, out, err = _run(capsys, "markers", str(PHOTO), "--json", "--camera",
                          str(MARKERS / "tutorial_camera_params.yml"), "--size-mm", "25")
    assert code == 0 and err == ""
    markers = json.loads(out)["markers"]
    for m in markers:
        assert {"position_m", "rotation_xyzw", "residual_px"} <= set(m)
        assert 0.25 < m["position_m"][2] < 0.6  # a desk photo
        assert np.linalg.norm(m["rotation_xyzw"]) == pytest.approx(1.0, abs=1e-5)
    # OpenCV's frame: the marker in the picture's upper half has a negative y
    by_id = {m["id"]: m for m in markers}
    assert by_id[203]["position_m"][1] < 0 < by_id[40]["position_m"][1]


def test_markers_says_why_there_are_no_poses(capsys):
    code, out, err = _run(capsys, "markers", str(PHOTO), "--size-mm", "25")
    assert code == 0 and "no poses without intrinsics" in err
    assert out.startswith("frame     0: 6 marker(s): 23 at pixel (")


def test_an_image_without_markers_prints_an_empty_list(capsys):
    code, out, err = _run(capsys, "markers", str(HANDS / "mp_gesture_victory.jpg"), "--json")
    assert code == 0 and json.loads(out) == {"frame": 0, "t": 0.0, "markers": []}


def test_markers_in_a_video_one_line_per_frame(capsys, tmp_path):
    video = tmp_path / "sheet.avi"
    photo = cv2.imread(str(PHOTO))
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (640, 480))
    for shift in range(5):
        writer.write(np.roll(photo, 8 * shift, axis=1))
    writer.release()
    code, out, _ = _run(capsys, "markers", str(video), "--json", "--max-frames", "3")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["frame"] for r in records] == [0, 1, 2]
    assert [r["t"] for r in records] == pytest.approx([0.0, 0.1, 0.2])
    x0 = [m for m in records[0]["markers"] if m["id"] == 40][0]["corners_px"][0][0]
    x2 = [m for m in records[2]["markers"] if m["id"] == 40][0]["corners_px"][0][0]
    assert all(len(r["markers"]) == 6 for r in records) and x2 - x0 == pytest.approx(16, abs=0.5)


def test_charuco_board_pose(capsys):
    code, out, err = _run(capsys, "markers", str(MARKERS / "charucoboard.jpg"), "--json", "--fov", "60",
                          "--board", "charuco:5x7:40:20:DICT_6X6_250")
    board = json.loads(out)["board"]
    assert code == 0 and "approximate intrinsics" in err
    assert board["points"] == 24 and board["residual_px"] < 0.5
    # the image is the board seen square on: its plane faces the camera
    q = np.array(board["rotation_xyzw"])
    assert abs(q[0]) < 0.02 and abs(q[1]) < 0.02 and abs(q[2]) < 0.02


def test_print_writes_a_marker_that_is_found_again(capsys, tmp_path):
    png = tmp_path / "m.png"
    code, out, _ = _run(capsys, "markers", "--print", "7", "--dictionary", "apriltag_36h11", "--size-mm", "40",
                        "--dpi", "200", "--out", str(png))
    assert code == 0 and "print at 100 %" in out
    with Image.open(png) as image:
        assert image.info["dpi"] == pytest.approx((200, 200), abs=0.01)
    code, out, _ = _run(capsys, "markers", str(png), "--json", "--dictionary", "DICT_APRILTAG_36h11")
    (marker,) = json.loads(out)["markers"]
    side = np.linalg.norm(np.subtract(marker["corners_px"][1], marker["corners_px"][0]))
    assert marker["id"] == 7 and side == pytest.approx(40 / 25.4 * 200, abs=1.0)


def test_calibrate_json_from_the_chessboard_folder(capsys, tmp_path):
    out_file = tmp_path / "camera.yaml"
    code, out, err = _run(capsys, "calibrate", str(CHESSBOARD), "--board", "chessboard:9x6", "--out", str(out_file),
                          "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert {"fx", "fy", "cx", "cy", "rms_px", "images_used", "width", "height"} <= set(result)
    assert result["fx"] == pytest.approx(537, rel=0.01) and result["rms_px"] < 0.6
    assert (result["images_used"], result["width"], result["height"]) == (9, 640, 480)
    assert read_camera_file(out_file).fx == pytest.approx(result["fx"], abs=1e-3)


def test_calibrate_from_a_video_keeps_each_pose_once(capsys, tmp_path):
    video = tmp_path / "board.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 15.0, (640, 480))
    for path in sorted(CHESSBOARD.glob("*.jpg")):
        for _ in range(4):  # each pose held for four frames
            writer.write(cv2.imread(str(path)))
    writer.release()
    code, out, err = _run(capsys, "calibrate", str(video), "--board", "chessboard:9x6", "--out",
                          str(tmp_path / "c.yaml"), "--json")
    result = json.loads(out)
    assert code == 0 and result["images_used"] == 9
    assert result["fx"] == pytest.approx(537, rel=0.01)
    assert err.count("view ") == 0  # --json: no progress lines


def _bad(capsys, tmp_path, *args: str) -> str:
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as stop:  # argparse refusals
        main(list(args))
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert sorted(tmp_path.rglob("*")) == before
    return err


@pytest.mark.parametrize(("args", "expected"), [
    (["markers", "PHOTO", "--dictionary", "DICT_9X9"], "unknown marker dictionary 'DICT_9X9'"),
    (["markers", "PHOTO", "--board", "charuco:5x7:40"], "board 'charuco:5x7:40': expected"),
    (["markers", "PHOTO", "--board", "chessboard:9x6"], "a chessboard has no identity"),
    (["markers", "PHOTO", "--size-mm", "0"], "outside the allowed range"),
    (["calibrate", "PHOTO", "--board", "chessboard:9"], "must look like 9x6"),
    (["calibrate", "PHOTO", "--board", "chessboard:9x6"], "required: --out"),
])
def test_bad_options_are_one_line(capsys, tmp_path, args, expected):
    args = [str(PHOTO) if a == "PHOTO" else a for a in args]
    err = _bad(capsys, tmp_path, *args)
    assert expected in err and len(err.strip().splitlines()) == 1


def test_bad_input_is_one_line_naming_it(capsys, tmp_path):
    bad_yaml = tmp_path / "camera.yaml"
    bad_yaml.write_text("camera_matrix: [[1, 0], [0, 1]]\n")
    not_image = tmp_path / "photo.jpg"
    not_image.write_bytes(b"\xff\xd8\xff" + b"\x00" * 100)
    cases = [
        (["markers", str(PHOTO), "--camera", str(bad_yaml), "--size-mm", "25"], f"{bad_yaml}: field 'camera_matrix'"),
        (["markers", str(not_image)], f"{not_image}: not a readable image"),
        (["markers", str(tmp_path / "gone.mp4")], "gone.mp4: no such file"),
        (["markers", "97"], "camera 97: no camera"),
        (["calibrate", *map(str, sorted(CHESSBOARD.glob("*.jpg"))[:2]), "--board", "chessboard:9x6", "--out",
          str(tmp_path / "c.yaml")], "found in 2 of 2 images; at least 3 views are needed"),
        (["calibrate", str(PHOTO), str(CHESSBOARD / "left01.jpg"), str(HANDS / "mp_gesture_victory.jpg"),
          "--board", "chessboard:9x6", "--out", str(tmp_path / "c.yaml")], "is 640x480: calibrate with images from one camera"),
        (["markers", "--print", "250", "--out", str(tmp_path / "m.png")], "DICT_6X6_250 has ids 0..249, not 250"),
        (["markers", "--print", "chessboard:9x6", "--out", str(tmp_path / "m.png")], "has no square size"),
    ]
    for args, expected in cases:
        before = sorted(tmp_path.iterdir())
        code, out, err = _run(capsys, *args)
        assert code == 1, args
        assert expected in err and len(err.strip().splitlines()) == 1, err
        assert sorted(tmp_path.iterdir()) == before


def test_the_installed_command_has_no_traceback_on_bad_input(tmp_path):
    """Through ``python -m app``, as a person runs it."""
    bad = tmp_path / "cam.yml"
    bad.write_text("%YAML:1.0\ncamera_matrix: !!opencv-matrix\n  rows: 3\n")
    for args, expected in ((["markers", str(PHOTO), "--camera", str(bad), "--size-mm", "25"], "cam.yml"),
                           (["calibrate", str(tmp_path), "--board", "chessboard:9x6", "--out", str(tmp_path / "o.yml")],
                            "a folder without images")):
        p = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert p.returncode == 1 and p.stdout == "" and "Traceback" not in p.stderr
        assert expected in p.stderr and len(p.stderr.strip().splitlines()) == 1


HOSTILE = ["0", "-30", "nan", "inf", "-inf", "1e308", str(2**64), "abc", "", "1,5"]
NUMERIC = [(["markers", "x.png"], "--size-mm"), (["markers", "x.png"], "--fov"), (["markers", "x.png"], "--max-frames"),
           (["markers", "--print", "3", "--out", "x.png"], "--dpi"),
           (["calibrate", "x.png", "--board", "chessboard:9x6", "--out", "c.yaml"], "--max-views"),
           (["calibrate", "x.png", "--board", "chessboard:9x6", "--out", "c.yaml"], "--max-frames")]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(("prefix", "option"), NUMERIC, ids=[f"{p[0]} {o}" for p, o in NUMERIC])
def test_numeric_options_refuse_hostile_values(capsys, tmp_path, monkeypatch, prefix, option, value):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main([*prefix, f"{option}={value}"])
    err = capsys.readouterr().err.splitlines()
    assert stop.value.code == 1 and len(err) == 1 and f"argument {option}" in err[0]
    assert list(tmp_path.iterdir()) == []
