"""The scenario document's undo history without Qt (scenes/undo.py, scenes/scenario_document.py):
macros are one step, a new edit drops what was undone, the clean mark follows saves and is
lost once its state cannot come back, and ``changed`` says what kind of thing changed."""

from __future__ import annotations

from scenes.scenario import load_scenario
from scenes.scenario_document import ScenarioDocument
from scenes.undo import Command, UndoStack
from tests.conftest import AS1


def _counter_stack() -> tuple[UndoStack, list[int]]:
    return UndoStack(), [0]


def _add(stack: UndoStack, value: list[int], n: int, text: str = "") -> None:
    def do() -> None:
        value[0] += n

    def undo() -> None:
        value[0] -= n

    stack.push(Command(text or f"add {n}", do, undo))


def test_push_undo_redo_and_a_new_edit_drops_the_undone():
    stack, value = _counter_stack()
    seen = []
    stack.changed.connect(lambda: seen.append((stack.can_undo, stack.can_redo)))
    _add(stack, value, 1)
    _add(stack, value, 10)
    assert value[0] == 11 and stack.undo_text == "add 10"
    stack.undo()
    assert value[0] == 1 and stack.can_redo and stack.redo_text == "add 10"
    _add(stack, value, 100)  # the undone "add 10" is gone
    assert value[0] == 101 and not stack.can_redo
    stack.redo()  # nothing to redo: no change, no event
    assert value[0] == 101 and seen[-1] == (True, False) and len(seen) == 4


def test_a_macro_is_one_step_and_an_empty_one_none():
    stack, value = _counter_stack()
    stack.begin_macro("edit parameters")
    _add(stack, value, 1)
    stack.begin_macro("nested")
    _add(stack, value, 2)
    stack.end_macro()
    stack.end_macro()
    assert value[0] == 3 and stack.undo_text == "edit parameters"
    stack.undo()
    assert value[0] == 0 and not stack.can_undo
    stack.redo()
    assert value[0] == 3
    stack.begin_macro("nothing")
    stack.end_macro()
    assert stack.undo_text == "edit parameters"


def test_the_clean_mark_follows_saves_and_is_lost_when_unreachable():
    stack, value = _counter_stack()
    assert stack.is_clean()
    _add(stack, value, 1)
    assert not stack.is_clean()
    stack.set_clean()
    _add(stack, value, 2)
    stack.undo()
    assert stack.is_clean()  # back to what was saved
    stack.undo()
    assert not stack.is_clean()
    _add(stack, value, 5)  # the saved state can no longer be reached by undo or redo
    stack.undo()
    stack.redo()
    assert not stack.is_clean()


def test_the_document_edits_a_scenario_without_qt(as1, tmp_path):
    scenario = load_scenario(AS1, scene=as1)
    document = ScenarioDocument(scenario)
    kinds = []
    document.changed.connect(kinds.append)
    first = [s.id for s in scenario.steps]
    document.move_step(0, 1)
    document.set_tolerance("position_mm", 7.0)
    assert [s.id for s in scenario.steps][:2] == [first[1], first[0]] and scenario.tolerances == {"position_mm": 7.0}
    document.stack.undo()
    document.stack.undo()
    assert [s.id for s in scenario.steps] == first and scenario.tolerances == {}
    assert kinds == ["steps", "tolerances", "tolerances", "steps"]
    document.stack.redo()
    document.save(tmp_path / "edited.yaml")
    assert document.stack.is_clean()
    assert [s.id for s in load_scenario(tmp_path / "edited.yaml").steps][:2] == [first[1], first[0]]
