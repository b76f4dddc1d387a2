"""``xrjig render`` end to end: a PNG of the requested size with the model in it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from app.display.application import DisplayUnavailable, prepare_qt
from tests.conftest import AS1, VALIDATOR_CASES, no_display

try:
    prepare_qt()  # 3.3 core default format before pytest-qt creates the QApplication
except DisplayUnavailable as err:
    no_display(str(err))

pytestmark = pytest.mark.gl


@pytest.mark.parametrize("view", ["iso", "top"])
def test_render_writes_png_of_requested_size_with_the_model(qapp, tmp_path, capsys, view):
    out = tmp_path / "as1.png"
    assert main(["render", str(AS1), "--out", str(out), "--size", "240x150", "--view", view]) == 0
    assert str(out) in capsys.readouterr().out
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert img.shape == (150, 240, 3)
    # the background is a grey gradient and the grid is grey: count saturated (model) pixels
    saturation = img.max(axis=2) - img.min(axis=2)
    assert (saturation > 60).mean() > 0.15
    assert saturation[0].max() < 20, "top row is background"


def test_render_bad_file_is_one_line_and_exit_1(qapp, tmp_path, capsys):
    bad = VALIDATOR_CASES / "glb" / "invalid_magic.glb"
    assert main(["render", str(bad), "--out", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("xrjig: ") and str(bad) in err and "\n" not in err
    assert not (tmp_path / "x.png").exists()


def test_render_rejects_a_bad_size(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["render", str(AS1), "--out", str(tmp_path / "x.png"), "--size", "big"])
    assert exc.value.code == 1
    assert "1280x720" in capsys.readouterr().err


def test_render_without_display_uses_egl_and_draws_the_same_picture(qapp, tmp_path):
    import os
    import subprocess
    import sys

    with_x = tmp_path / "x.png"
    headless = tmp_path / "egl.png"
    assert main(["render", str(AS1), "--out", str(with_x), "--size", "200x150"]) == 0
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "PYOPENGL_PLATFORM")}
    args = ["render", str(AS1), "--out", str(headless), "--size", "200x150"]
    proc = subprocess.run([sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    a = np.asarray(Image.open(with_x)).astype(int)
    b = np.asarray(Image.open(headless)).astype(int)
    assert a.shape == b.shape
    assert (np.abs(a - b).max(axis=2) > 8).mean() < 0.01


def test_render_takes_the_unit_by_name_as_info_does(qapp, tmp_path, capsys):
    from tests.conftest import PINS

    by_name, by_scale = tmp_path / "mm.png", tmp_path / "scale.png"
    assert main(["render", str(PINS), "--out", str(by_name), "--size", "160x120", "--unit", "mm"]) == 0
    assert main(["render", str(PINS), "--out", str(by_scale), "--size", "160x120", "--unit-scale", "0.001"]) == 0
    assert np.array_equal(np.asarray(Image.open(by_name)), np.asarray(Image.open(by_scale)))
    # the framing follows the model, the floor grid stays in metres: the unit shows in it
    as_metres = tmp_path / "m.png"
    assert main(["render", str(PINS), "--out", str(as_metres), "--size", "160x120"]) == 0
    assert not np.array_equal(np.asarray(Image.open(by_name)), np.asarray(Image.open(as_metres)))
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["render", str(PINS), "--out", str(by_name), "--unit", "mm", "--unit-scale", "0.001"])
    assert exit_info.value.code == 1 and "not allowed with" in capsys.readouterr().err
