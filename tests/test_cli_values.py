"""Hostile numbers on the command line: every numeric option and every ``--set NAME=VALUE``
refuses 0 / negative / NaN / infinities / 1e308 / 2**64 / non-numbers with one line on
stderr and exit code 1 -- never a traceback, never argparse's usage dump and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from interaction.params import InteractionParams

ROOT = Path(__file__).resolve().parent.parent
GLB = ROOT / "tests" / "data" / "cad" / "glb" / "bug21802_as1-oc-214.glb"
SCENARIO = ROOT / "scenes" / "samples" / "as1-assembly.yaml"

#: value classes every numeric option must refuse (the "0" class where 0 is not meaningful)
HOSTILE = ["0", "-30", "nan", "-nan", "inf", "-inf", "1e308", "1e999", str(2**64), "-" + str(2**64),
           "abc", "", "1,5", "0x10", "2**64"]


def _run(capsys, argv: list[str]) -> tuple[int, list[str]]:
    """Run the CLI in-process: (exit code, stderr lines). argparse refusals raise SystemExit."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    return code, err.splitlines()


def _assert_one_line(code: int, lines: list[str], *needles: str) -> None:
    assert code == 1, lines
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("xrjig"), line
    assert "Traceback" not in line and "usage:" not in line
    for needle in needles:
        assert needle in line, line


# -- numeric options (refused by argparse, before anything is loaded) ------------------
OPTIONS = [
    (["track", "0"], "--fov"),
    (["track", "0"], "--max-frames"),
    (["replay", "x.mcap"], "--speed"),
    (["render", str(GLB), "--out", "x.png"], "--unit-scale"),
    (["render", str(GLB), "--out", "x.png"], "--size"),
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(("prefix", "option"), OPTIONS, ids=[o for _, o in OPTIONS])
def test_numeric_option_refuses_hostile_values(capsys, tmp_path, prefix, option, value):
    code, lines = _run(capsys, [*prefix, f"{option}={value}"])
    _assert_one_line(code, lines, f"argument {option}")
    assert lines[0].startswith("xrjig: ")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(("option", "value"), [
    ("--fov", "1"), ("--fov", "1.5"), ("--fov", "179"), ("--fov", "-30"), ("--fov", "180"),
    ("--speed", "0.2"), ("--speed", "17"), ("--max-frames", "1.5"), ("--max-frames", "-1"),
    ("--unit-scale", "1e-7"), ("--unit-scale", "1001"), ("--size", "8193x100"), ("--size", "0x0"),
])
def test_numeric_option_bounds_are_enforced(capsys, option, value):
    prefix = {"--fov": ["track", "0"], "--max-frames": ["track", "0"], "--speed": ["replay", "x.mcap"],
              "--unit-scale": ["render", str(GLB), "--out", "x.png"],
              "--size": ["render", str(GLB), "--out", "x.png"]}[option]
    code, lines = _run(capsys, [*prefix, option, value])
    _assert_one_line(code, lines, f"argument {option}")


def test_other_argparse_refusals_are_one_line_exit_1(capsys):
    for argv in (["render"], ["check"], ["track", "0", "--bogus"], ["render", str(GLB), "--out", "x.png",
                 "--view", "sideways"], ["--no-such-option"], ["render", str(GLB), "--out", "x.png",
                 "--unit", "mm", "--unit-scale", "0.001"]):
        code, lines = _run(capsys, argv)
        _assert_one_line(code, lines)
        assert lines[0].startswith("xrjig: ")


def test_help_still_exits_0(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["track", "--help"])
    assert exit_.value.code == 0
    assert "--fov" in capsys.readouterr().out


# -- --set NAME=VALUE (InteractionParams' own validation) ---------------------------------
#: every numeric interaction parameter; the allowed ranges include 0 for these ones
NUMERIC = [name for name, value in InteractionParams().to_dict().items()
           if isinstance(value, float)]
ZERO_OK = {"magnet_radius_mm", "dwell_time_s", "collision_tolerance_mm", "release_threshold"}
SET_HOSTILE = ["0", "-1", "nan", "inf", "-inf", "1e308", str(2**64), "abc", ""]


def _set_cases() -> list[tuple[str, str]]:
    return [(name, value) for name in NUMERIC for value in SET_HOSTILE
            if not (value == "0" and name in ZERO_OK)]


def test_every_numeric_parameter_is_covered():
    assert len(NUMERIC) >= 13 and "dwell_time_s" in NUMERIC


@pytest.mark.parametrize(("name", "value"), _set_cases())
def test_check_set_refuses_hostile_values(capsys, name, value):
    code, lines = _run(capsys, ["check", str(SCENARIO), "--set", f"{name}={value}"])
    _assert_one_line(code, lines, "--set", name)


@pytest.mark.parametrize("item", ["dwell_time_s", "=5", "no_such_param=1", "grab_mode=teleport",
                                  "collision_check=maybe"])
def test_check_set_refuses_malformed_assignments(capsys, item):
    code, lines = _run(capsys, ["check", str(SCENARIO), "--set", item])
    _assert_one_line(code, lines, "--set")


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("values") / "as1.mcap"
    assert main(["check", str(SCENARIO), "--record", str(path)]) == 0
    return path


@pytest.mark.parametrize("value", SET_HOSTILE)
def test_resim_set_refuses_hostile_values(capsys, recording, value):
    capsys.readouterr()
    code, lines = _run(capsys, ["resim", str(recording), "--set", f"dwell_time_s={value}"])
    if value == "0":  # an instant dwell is a legitimate what-if
        assert code == 0 and not any("Traceback" in line for line in lines)
        return
    _assert_one_line(code, lines, "--set", "'dwell_time_s'")


@pytest.mark.parametrize("name", [n for n in NUMERIC if n != "dwell_time_s"])
def test_resim_set_refuses_huge_values_of_every_parameter(capsys, recording, name):
    capsys.readouterr()
    code, lines = _run(capsys, ["resim", str(recording), "--set", f"{name}=1e308"])
    _assert_one_line(code, lines, "--set", repr(name))


def test_resim_set_in_range_still_runs(capsys, recording):
    capsys.readouterr()
    code, lines = _run(capsys, ["resim", str(recording), "--set", "dwell_time_s=60", "--json"])
    assert code == 0 and not any("Traceback" in line for line in lines)
