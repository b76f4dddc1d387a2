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
        self._steps = scenario.steps
        self.step_of_slot = {slot: step.id for step in scenario.steps for slot in step.parts}
        self.reset()

    def reset(self) -> None:
        self.state.steps = {
            s.id: StepState(s.id, s.label, list(s.parts), list(s.requires)) for s in self._steps
        }
        self.state.assembly_complete = False
        self._update_availability()

    def _update_availability(self) -> None:
        steps = self.state.steps
        for s in steps.values():
            s.available = not s.done and all(steps[r].done for r in s.requires)

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
