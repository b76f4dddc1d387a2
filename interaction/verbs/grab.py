"""Grab, carry and release: a hand takes a part, the part follows, letting go judges it.

Two hand verbs share this module because they share the held part's life: ``Grab``
starts a hold on a press (near at the grip pose, else by the aim ray), ``Carry`` moves
the held part each frame and releases it when the holding strength comes up or the hand
is lost. The release rule (``judge_release``) is here too, because ``Engine``'s read-only
``release_preview`` must apply exactly the rule a real release applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interaction.events import Event, EventKind
from interaction.frame import Hand
from interaction.hands import GrabVia, HandState, HoldInput, smoothed_delta
from interaction.params import GrabMode
from interaction.release import ReleaseOutcome, ReleaseReason
from interaction.snap import SnapCandidate, candidates
from interaction.verbs.base import HAND_NAMES, HandTurn, VerbContext, r4
from scenes.transforms import pose_to_matrix


@dataclass(frozen=True)
class Judgement:
    """A release's outcome and the slot candidate it is about (None: no open slot)."""

    outcome: ReleaseOutcome
    candidate: SnapCandidate | None


class Carry:
    """The held part follows its driving pose; release on let-go or lost tracking.

    Claims the turn whenever the hand holds something, so a hand that carries neither
    measures nor grabs again in the same frame (even in the frame it lets go).
    """

    def reset(self) -> None:
        pass

    def lost(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        if turn.state.held is None:
            return []
        return release(ctx, turn.hand, turn.n, turn.t, snap=False, reason=ReleaseReason.TRACKING_LOST)

    def step(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        hs = turn.state
        if hs.held is None:
            return []
        turn.claimed = True
        driver = pose_to_matrix(turn.input.grip if hs.via is GrabVia.NEAR else turn.input.aim)
        follow(ctx, hs, driver.dot(hs.offset), turn.dt)  # (4, 4) .dot: @'s BLAS call, less overhead
        if hs.holding_input_released():
            return release(ctx, turn.hand, turn.n, turn.t, snap=True, reason=ReleaseReason.LET_GO)
        return []


class Grab:
    """A press takes a part: the nearest part within reach of the grip (fist or pinch),
    else, for a pinch, the grabbable part the aim ray hovers."""

    def reset(self) -> None:
        pass

    def lost(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        return []

    def step(self, ctx: VerbContext, turn: HandTurn) -> list[Event]:
        if turn.claimed or not (turn.grabbed or turn.pinched):
            return []
        turn.claimed = True
        grip = pose_to_matrix(turn.input.grip)
        near = ctx.index.parts_near(grip[:3, 3], ctx.params.near_radius_mm / 1000.0, exclude=ctx.not_grabbable())
        if near:
            held_by = HoldInput.GRAB if turn.grabbed else HoldInput.PINCH
            return grab(ctx, turn, near[0][0], GrabVia.NEAR, held_by, grip)
        hit = turn.hit
        if turn.pinched and hit is not None and hit.part in ctx.grabbable_now():
            assert turn.aim is not None  # the ray was cast, so its pose is known
            return grab(ctx, turn, hit.part, GrabVia.RAY, HoldInput.PINCH, turn.aim)
        return []


def grab(ctx: VerbContext, turn: HandTurn, part: str, via: GrabVia, held_by: HoldInput,
         driver: np.ndarray) -> list[Event]:
    """Hold ``part`` at its offset to ``driver``; refused (WRONG_PART) under strict order
    when every slot the part could fill belongs to a step that is not open yet."""
    n, t, name = turn.n, turn.t, turn.name
    if ctx.scenario.strict_order:
        slots = ctx.open_slots(part)
        stepped = [s for s in slots if s in ctx.assembly.step_of_slot]
        if stepped and not any(ctx.assembly.slot_open(s) for s in stepped):
            steps = sorted({ctx.assembly.step_of_slot[s] for s in stepped})
            return [Event(n, t, EventKind.WRONG_PART, hand=name, part=part, data={"steps": steps})]
    hs = turn.state
    hs.held, hs.via, hs.held_by = part, via, held_by
    hs.offset = np.linalg.inv(driver) @ ctx.state.part_poses[part]
    ctx.state.held[turn.hand] = part
    return [Event(n, t, EventKind.GRAB, hand=name, part=part, data={"via": via.value, "input": held_by.value})]


def follow(ctx: VerbContext, hs: HandState, target: np.ndarray, dt: float) -> None:
    """Move the held part to ``target`` (rigidly, or through the low-pass filter)."""
    part = hs.held
    assert part is not None
    if ctx.params.grab_mode is GrabMode.SMOOTHED:
        authored = ctx.geometry[part].authored
        inv = ctx.inv_authored[part]
        current = ctx.state.part_poses[part] @ inv
        target = smoothed_delta(current, target @ inv, ctx.params.smoothing, dt) @ authored
    ctx.set_pose(part, target)


def release(ctx: VerbContext, h: Hand, n: int, t: float, snap: bool, reason: ReleaseReason) -> list[Event]:
    """Let go of hand ``h``'s part: RELEASE, then what the release rule made of it."""
    hs, name = ctx.hand_states[h], HAND_NAMES[h]
    part = hs.held
    assert part is not None
    hs.held, hs.offset = None, None
    ctx.state.held[h] = None
    judged = judge_release(ctx, part, snap)
    outcome, c = judged.outcome, judged.candidate
    events = [Event(n, t, EventKind.RELEASE, hand=name, part=part,
                    data={"outcome": outcome.value, "reason": reason.value})]
    if outcome is ReleaseOutcome.SNAP:
        assert c is not None
        events += snap_into(ctx, name, part, c, n, t)
    elif outcome is ReleaseOutcome.WRONG_ORDER:
        assert c is not None
        events.append(Event(n, t, EventKind.WRONG_ORDER, hand=name, part=part,
                            step=ctx.assembly.step_of_slot.get(c.slot.id),
                            data={"slot": c.slot.id, "unmet": ctx.assembly.unmet(c.slot.id)}))
    elif outcome is ReleaseOutcome.OUT_OF_TOLERANCE:
        assert c is not None
        events.append(Event(n, t, EventKind.RELEASE_OUT_OF_TOLERANCE, hand=name, part=part,
                            step=ctx.assembly.step_of_slot.get(c.slot.id), data=figures(c)))
    return events


def judge_release(ctx: VerbContext, part: str, snap: bool) -> Judgement:
    """The release rule: snap into the nearest open slot within tolerance; within
    tolerance of a slot whose step is not open yet: wrong order; inside the magnet
    radius but out of tolerance: out of tolerance; else a drop. The candidate is the
    slot the outcome is about (the nearest one for a drop). ``snap=False`` (a lost hand)
    considers no slot, so the part drops."""
    frame = ctx.rigid_frame(part, ctx.state.part_poses[part])
    slots = [ctx.slots[s] for s in ctx.open_slots(part)] if snap else []
    cands = candidates(frame, ctx.geometry[part], slots, lambda: ctx.symmetries(part),
                       ctx.params.magnet_radius_mm)
    within = [c for c in cands if c.within_tolerance]
    open_ = [c for c in within if ctx.assembly.slot_open(c.slot.id)]
    if open_:
        return Judgement(ReleaseOutcome.SNAP, open_[0])
    if within:
        return Judgement(ReleaseOutcome.WRONG_ORDER, within[0])
    if cands and cands[0].position_error_mm <= ctx.params.magnet_radius_mm:
        return Judgement(ReleaseOutcome.OUT_OF_TOLERANCE, cands[0])
    return Judgement(ReleaseOutcome.DROP, cands[0] if cands else None)


def figures(c: SnapCandidate) -> dict[str, float | str]:
    """A candidate's errors and tolerances as SNAP / out-of-tolerance events carry them."""
    return {
        "slot": c.slot.id,
        "position_error_mm": r4(c.position_error_mm),
        "angle_error_deg": r4(c.angle_error_deg),
        "position_tolerance_mm": r4(c.slot.position_tol_m * 1000.0),
        "angle_tolerance_deg": r4(c.slot.angle_tol_deg),
    }


def snap_into(ctx: VerbContext, hand: str, part: str, c: SnapCandidate, n: int, t: float) -> list[Event]:
    """Put ``part`` exactly at its target in ``c``'s slot and fill the slot (SNAP, then
    what filling it does to the assembly: STEP_DONE, ASSEMBLY_COMPLETE, ...)."""
    return fill_slot(ctx, hand, part, c.slot.id, figures(c), n, t)


def fill_slot(ctx: VerbContext, hand: str | None, part: str, slot: str, data: dict, n: int, t: float) -> list[Event]:
    """Put ``part`` exactly at its target in ``slot`` and fill the slot: SNAP (with
    ``data``), then STEP_DONE, ASSEMBLY_COMPLETE... as filling it makes them."""
    ctx.set_pose(part, ctx.target_world(part, slot), jumped=True)
    ctx.filled[slot] = part
    ctx.state.snapped[part] = slot
    step = ctx.assembly.step_of_slot.get(slot)
    events = [Event(n, t, EventKind.SNAP, hand=hand, part=part, step=step, data=data)]
    return events + ctx.assembly.fill(slot, part, n, t)
