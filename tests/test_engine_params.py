"""InteractionParams: overrides by name with string parsing (``--set NAME=VALUE``),
validation, dict round trip, and a scenario's tolerances and variants."""

from __future__ import annotations

import os

import pytest
import yaml

from interaction.params import GrabMode, HighlightStyle, InteractionParams, scenario_params
from scenes.model import SceneError
from scenes.scenario import load_scenario
from tests.conftest import NESTED


def test_string_overrides_are_parsed_to_field_types():
    p = InteractionParams().replace_from_strings(
        ["snap_position_mm=15", "grab_mode=SMOOTHED", "collision_check=off", "highlight = tint", "smoothing=0.5"]
    )
    assert p.snap_position_mm == 15.0 and isinstance(p.snap_position_mm, float)
    assert p.grab_mode is GrabMode.SMOOTHED
    assert p.collision_check is False
    assert p.highlight is HighlightStyle.TINT
    assert p.smoothing == 0.5
    assert InteractionParams().replace(collision_check="yes", dwell_time_s=2).dwell_time_s == 2.0


@pytest.mark.parametrize(("assignment", "message"), [
    ("snap_radius_mm=15", "unknown interaction parameter 'snap_radius_mm'"),
    ("snap_position_mm=wide", "expected a number"),
    ("snap_position_mm=-1", "must be > 0"),
    ("snap_position_mm=nan", "must be finite"),
    ("collision_check=maybe", "expected on/off"),
    ("grab_mode=sticky", "not one of kinematic, smoothed"),
    ("release_threshold=0.9", "release_threshold < press_threshold"),
    ("smoothing=0", "'smoothing' must be in (0, 1]"),
    ("snap_position_mm", "expected NAME=VALUE"),
])
def test_bad_overrides_raise_clear_value_errors(assignment, message):
    with pytest.raises(ValueError) as err:
        InteractionParams().replace_from_strings([assignment])
    assert message in str(err.value)


def test_wrong_python_types_are_refused():
    with pytest.raises(ValueError, match="expected a number"):
        InteractionParams().replace(snap_angle_deg=True)
    with pytest.raises(ValueError, match="expected a number"):
        InteractionParams().replace(snap_angle_deg=[1])


def test_dict_round_trip_is_plain_and_exact():
    p = InteractionParams(grab_mode=GrabMode.SMOOTHED, magnet_radius_mm=12.5, collision_check=False)
    d = p.to_dict()
    assert d["grab_mode"] == "smoothed" and d["highlight"] == "outline"
    assert yaml.safe_load(yaml.safe_dump(d)) == d  # plain types only
    assert InteractionParams.from_dict(d) == p


def _scenario(tmp_path, **body):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"model": os.path.relpath(NESTED, tmp_path), **body}, sort_keys=False))
    return load_scenario(path)


def test_scenario_tolerances_then_variant_then_overrides(tmp_path):
    s = _scenario(tmp_path, tolerances={"position_mm": 8, "magnet_mm": 40},
                  variants={"loose": {"snap_position_mm": "15", "grab_mode": "smoothed"}, "tight": {}},
                  default_variant="tight")
    base = scenario_params(s)
    assert (base.snap_position_mm, base.magnet_radius_mm, base.grab_mode) == (8.0, 40.0, GrabMode.KINEMATIC)
    loose = scenario_params(s, "loose")
    assert (loose.snap_position_mm, loose.magnet_radius_mm, loose.grab_mode) == (15.0, 40.0, GrabMode.SMOOTHED)
    assert loose.replace_from_strings(["snap_position_mm=2"]).snap_position_mm == 2.0
    with pytest.raises(SceneError, match="unknown variant 'nope'"):
        scenario_params(s, "nope")


def test_bad_variant_parameter_names_the_scenario_line(tmp_path):
    s = _scenario(tmp_path, variants={"v": {"dwell_time_s": 1, "snap_radius": 3}})
    with pytest.raises(SceneError) as err:
        scenario_params(s, "v")
    text = str(err.value)
    assert text.startswith(str(tmp_path / "s.yaml"))
    assert "field 'variants.v.snap_radius'" in text and "unknown interaction parameter" in text
    line = next(i for i, t in enumerate((tmp_path / "s.yaml").read_text().splitlines(), 1) if "snap_radius" in t)
    assert f"line {line}:" in text
