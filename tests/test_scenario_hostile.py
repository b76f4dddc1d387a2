"""Hostile scenario files: deep nesting, long ``requires`` chains and absurd numbers give one
SceneError naming the file and the field (or load fine) -- never RecursionError, TypeError,
OverflowError or ZeroDivisionError."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from interaction.assembly import AssemblyTask
from interaction.params import scenario_params
from interaction.state import EngineState
from scenes.model import SceneError
from scenes.scenario import Scenario, Step, load_scenario
from tests.conftest import AS1

PLATE = "as1/plate"
BRACKET = "as1/l-bracket-assembly[1]/l-bracket"
#: as YAML text: integers >= 2**64 (one of 401 digits), and floats YAML 1.1 reads as floats
#: (it needs the dot: ``1e308`` would be a string)
HUGE = [str(2**64), str(-(2**64)), str(2**70), str(10**400), "1.0e+308", "-1.0e+308", "1.0e+400"]


def _write(tmp_path: Path, text: str, name: str = "hostile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"model: {AS1}\n" + text, encoding="utf-8")
    return path


def _load(path: Path) -> None:
    scenario_params(load_scenario(path))  # tolerances are checked again as interaction parameters


def _fails(path: Path, *needles: str) -> str:
    with pytest.raises(SceneError) as info:
        _load(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message, message
    assert "got str" not in message and len(message) < 600, message
    for needle in needles:
        assert needle in message, message
    return message


# -- nesting -----------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [65, 900, 5000])
def test_deeply_nested_flow_lists_are_one_line(tmp_path, depth):
    path = _write(tmp_path, "steps: " + "[" * depth + "]" * depth + "\n")
    _fails(path, "nested deeper than")


def test_deeply_nested_flow_mappings_are_one_line(tmp_path):
    path = _write(tmp_path, "variants: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n")
    _fails(path, "nested deeper than", "line 2")


def test_deeply_nested_block_lists_are_one_line(tmp_path):
    text = "steps:\n" + "".join("  " * i + "-\n" for i in range(900)) + "  " * 900 + "- 1\n"
    _fails(_write(tmp_path, text), "nested deeper than")


def test_unclosed_deep_nesting_is_one_line(tmp_path):
    _fails(_write(tmp_path, "steps: " + "[" * 2000 + "\n"))


def test_ordinary_nesting_still_loads(tmp_path):
    path = _write(tmp_path, f"parts: [{PLATE}, '{BRACKET}']\nsteps:\n- {{id: a, parts: [{PLATE}]}}\n"
                            f"- {{id: b, parts: ['{BRACKET}'], requires: [a]}}\n")
    assert [s.id for s in load_scenario(path).steps] == ["a", "b"]


# -- long requires chains ------------------------------------------------------------------
def _chain(n: int, cycle: bool = False) -> str:
    steps = [{"id": f"s{i}", "parts": [f"p{i}"], "requires": [f"s{i - 1}"] if i else []}
             for i in range(n)]
    if cycle:
        steps[0]["requires"] = [f"s{n - 1}"]
    return yaml.safe_dump({"parts": [f"p{i}" for i in range(n)], "steps": steps})


@pytest.mark.parametrize("n", [1000, 5000])
def test_long_requires_chain_passes_the_precedence_check(tmp_path, n):
    # the chain itself is valid: what fails is the first made-up part name, against the model
    _fails(_write(tmp_path, _chain(n)), "field 'parts[0]'", "unknown part 'p0'")


@pytest.mark.parametrize("n", [1000, 5000])
def test_long_requires_cycle_is_one_line(tmp_path, n):
    message = _fails(_write(tmp_path, _chain(n, cycle=True)), "requires", "cycle")
    assert len(message) < 500


def test_short_cycle_names_its_steps(tmp_path):
    text = (f"parts: [{PLATE}, '{BRACKET}']\nsteps:\n- {{id: a, parts: [{PLATE}], requires: [b]}}\n"
            f"- {{id: b, parts: ['{BRACKET}'], requires: [a]}}\n")
    _fails(_write(tmp_path, text), "field 'steps[", "a -> b -> a")


def test_assembly_task_handles_a_long_chain():
    n = 3000
    steps = [Step(id=f"s{i}", parts=[f"p{i}"], requires=[f"s{i - 1}"] if i else []) for i in range(n)]
    task = AssemblyTask(Scenario(model=AS1, steps=steps), EngineState())
    assert task.state.steps["s0"].available and not task.state.steps["s1"].available
    events = task.set_requires("s0", (f"s{n - 1}",), 0, 0.0)  # would close a cycle: refused
    assert events[0].data["accepted"] is False


# -- absurd numbers --------------------------------------------------------------------------
@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("name", ["position_mm", "angle_deg", "magnet_mm"])
def test_huge_tolerances_are_one_line(tmp_path, name, value):
    _fails(_write(tmp_path, f"tolerances:\n  {name}: {value}\n"), f"tolerances.{name}", "line 3")


@pytest.mark.parametrize("value", HUGE)
def test_huge_part_tolerances_are_one_line(tmp_path, value):
    text = f"part_tolerances:\n  {PLATE}:\n    position_mm: {value}\n"
    _fails(_write(tmp_path, text), f"part_tolerances.{PLATE}.position_mm")


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("field", ["point", "normal"])
def test_huge_inspection_point_coordinates_are_one_line(tmp_path, field, value):
    vec = f"[0, {value}, 0]"
    other = "normal: [0, 1, 0]" if field == "point" else "point: [0, 0, 0]"
    text = f"inspection_points:\n- {{id: a, node: {PLATE}, {field}: {vec}, {other}}}\n"
    _fails(_write(tmp_path, text), f"inspection_points[0].{field}[1]", "line 3")


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("field", ["position", "rotation"])
@pytest.mark.parametrize("group", ["targets", "start_poses"])
def test_huge_pose_values_are_one_line(tmp_path, group, field, value):
    vec = f"[{value}, 0, 0]" if field == "position" else f"[0, 0, {value}, 1]"
    text = f"parts: [{PLATE}]\n{group}:\n  {PLATE}: {{{field}: {vec}}}\n"
    index = 0 if field == "position" else 2
    _fails(_write(tmp_path, text), f"{group}.{PLATE}.{field}[{index}]")


@pytest.mark.parametrize("value", HUGE)
def test_huge_variant_values_are_one_line(tmp_path, value):
    text = f"variants:\n  fast:\n    dwell_time_s: {value}\ndefault_variant: fast\n"
    _fails(_write(tmp_path, text), "variants.fast", "dwell_time_s")


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "0", "-1"])
def test_non_finite_and_non_positive_tolerances_are_one_line(tmp_path, value):
    _fails(_write(tmp_path, f"tolerances:\n  position_mm: {value}\n"), "tolerances.position_mm")


def test_tiny_quaternion_is_one_line(tmp_path):
    text = f"parts: [{PLATE}]\ntargets:\n  {PLATE}: {{rotation: [1.0e-300, 0, 0, 0]}}\n"
    _fails(_write(tmp_path, text), f"targets.{PLATE}.rotation", "cannot be zero")


def test_large_but_sensible_values_still_load(tmp_path):
    text = (f"parts: [{PLATE}]\ntolerances: {{position_mm: 1000, angle_deg: 180}}\n"
            f"targets:\n  {PLATE}: {{position: [1000, 0, -1000], rotation: [0, 0, 1000, 1000]}}\n")
    scenario = load_scenario(_write(tmp_path, text))
    assert scenario.targets is not None and scenario.targets[PLATE][0] == 1000.0
