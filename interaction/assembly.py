"""The assembly task: steps with precedence, filled by snapping parts into slots.

A step is *available* when every step it requires is done. Snapping into a slot of an
unavailable step is refused with WRONG_ORDER (the part stays where it was let go);
with ``strict_order`` even grabbing a part that has no free slot in an available step
is refused with WRONG_PART. Slots are part ids; interchangeable parts may fill each
other's slots (see snap.py), so progress is tracked per slot, not per part.
"""

from __future__ import annotations

from interaction.events import Event, EventKind
from interaction.state import EngineState, StepState
from scenes.scenario import Scenario


class AssemblyTask:
    def __init__(self, scenario: Scenario, state: EngineState) -> None:
        self.strict = scenario.strict_order
        self.state = state
        self._steps = list(scenario.steps)
        #: each step's precedence: the scenario's, as SetRequires commands changed it (a
        #: task reset keeps the changes: they are the designer's, not the participant's)
        self._requires = {s.id: list(s.requires) for s in self._steps}
        self.step_of_slot = {slot: step.id for step in scenario.steps for slot in step.parts}
        self.reset()

    def reset(self) -> None:
        self.state.steps = {
            s.id: StepState(s.id, s.label, list(s.parts), list(self._requires[s.id])) for s in self._steps
        }
        self.state.assembly_complete = False
        self._update_availability()

    def _update_availability(self) -> None:
        steps = self.state.steps
        for s in steps.values():
            s.available = not s.done and all(steps[r].done for r in s.requires)

    def set_requires(self, step_id: str, requires: tuple[str, ...], frame: int, t: float) -> list[Event]:
        """Make ``step_id`` wait for ``requires`` from now on (done steps stay done, placed
        parts stay placed); refused, with the reason, for unknown steps or a cycle."""
        steps = self.state.steps
        reason = None
        if step_id not in steps:
            reason = "unknown step"
        elif any(r not in steps for r in requires):
            reason = "unknown required step " + ", ".join(r for r in requires if r not in steps)
        elif self._reaches(requires, step_id):
            reason = "the steps would wait for each other"
        data: dict = {"requires": list(requires), "accepted": reason is None}
        if reason is not None:
            data["reason"] = reason
            return [Event(frame, t, EventKind.PRECEDENCE_CHANGED, step=step_id, data=data)]
        steps[step_id].requires = list(requires)
        self._requires[step_id] = list(requires)
        self._update_availability()
        return [Event(frame, t, EventKind.PRECEDENCE_CHANGED, step=step_id, data=data)]

    def _reaches(self, start: tuple[str, ...], target: str) -> bool:
        """Whether ``target`` is among ``start`` or what they (transitively) require."""
        seen: set[str] = set()
        todo = list(start)
        while todo:
            s = todo.pop()
            if s == target:
                return True
            if s not in seen:
                seen.add(s)
                todo += self.state.steps[s].requires
        return False

    def slot_open(self, slot: str) -> bool:
        """True when snapping into ``slot`` now respects the step order."""
        step = self.step_of_slot.get(slot)
        return step is None or self.state.steps[step].available

    def unmet(self, slot: str) -> list[str]:
        step = self.state.steps.get(self.step_of_slot.get(slot, ""))
        return [] if step is None else [r for r in step.requires if not self.state.steps[r].done]

    def fill(self, slot: str, part: str, frame: int, t: float) -> list[Event]:
        """Record that ``part`` snapped into ``slot``; STEP_DONE / ASSEMBLY_COMPLETE."""
        step_id = self.step_of_slot.get(slot)
        if step_id is None:
            return []
        step = self.state.steps[step_id]
        step.filled[slot] = part
        if len(step.filled) < len(step.parts):
            return []
        step.done = True
        self._update_availability()
        events = [Event(frame, t, EventKind.STEP_DONE, part=part, step=step_id,
                        data={"parts": [step.filled[s] for s in step.parts]})]
        if all(s.done for s in self.state.steps.values()):
            self.state.assembly_complete = True
            events.append(Event(frame, t, EventKind.ASSEMBLY_COMPLETE, data={"steps": len(self.state.steps)}))
        return events

    @property
    def has_steps(self) -> bool:
        return bool(self._steps)
