"""The window in a shared session: Session ▸ Join… / Leave, the others drawn in the view,
and who is there in the status bar.

Joining opens an app.collab SessionLink. A participant or facilitator then publishes every
frame its live session steps (on the tick thread, as the engine saw it), whatever the
device: desktop hands, a camera or a headset. An observer only watches. Everyone announces
a role and the SHA-256 of the scenario and model files they have open. Someone with other
files gets one clear message, since the same hands over different models mean nothing.

The others are drawn from the link's newest presence at every view update
(views/others.py), fading when silent. Joins and leaves go to the status bar, and the
permanent label lists who is there.

The task is shared through app.collab.task_sharing: this participant's grabs, carried
poses, releases and verdicts go out as task messages, the others' come in as recorded
engine commands; a late joiner asks the others for their task states. Each participant's
engine steps only its own input, so its recording replays bit for bit.
"""

from __future__ import annotations

import getpass
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel

from app.collab.link import SessionLink, open_link
from app.collab.names import check_name
from app.collab.roster import Roster
from app.collab.task_sharing import TaskSharing
from app.collab.task_wire import (
    PointerChoice,
    Progress,
    TaskError,
    VariantChoice,
    pointer_message,
    reset_message,
    state_message,
    variant_message,
)
from app.collab.task_wire import decode as decode_task
from app.window.framing import follow_head
from interaction.commands import Reset
from interaction.frame import Hand
from interaction.state import EngineState
from interaction.trial import file_sha256
from scenes.model import SceneError
from scenes.transforms import pose_to_matrix
from views.others import Pointer, add_measurements, add_others, add_pointers, colour_of
from views.render_state import Highlight, Label, RenderState
from views.session_dialog import JoinDialog, JoinRequest

translate = QCoreApplication.translate

if TYPE_CHECKING:
    from app.window.controller import InteractionController

#: how often joins, leaves and announcements are looked at when nothing is stepping (ms)
POLL_MS = 200


class SessionSharing(QObject):
    """Session ▸ Join… / Leave of one window (see module docstring)."""

    def __init__(self, controller: InteractionController) -> None:
        super().__init__(controller)
        self.controller = controller
        window = controller.window
        self.link: SessionLink | None = None
        self.request: JoinRequest | None = None
        self.roster = Roster()
        self.sharing: TaskSharing | None = None
        self._session: Any = None
        self._own: dict[str, str] = {}
        self._warned: set[str] = set()
        menu = window.menuBar().addMenu(translate("SessionSharing", "&Session"))
        self.join_action = QAction(translate("SessionSharing", "&Join a shared session…"), window, triggered=self.join_dialog)
        self.leave_action = QAction(translate("SessionSharing", "&Leave the session"), window, triggered=self.leave)
        self.leave_action.setEnabled(False)
        menu.addAction(self.join_action)
        menu.addAction(self.leave_action)
        menu.addSeparator()
        self.follow_menu = menu.addMenu(translate("SessionSharing", "&Follow the view of"))
        self.follow_menu.aboutToShow.connect(self._fill_follow_menu)
        #: the participant whose view this window shows (None: its own)
        self.following: str | None = None
        menu.addSeparator()
        self.reset_action = QAction(translate("SessionSharing", "&Reset the task for everyone"), window, triggered=self.reset_for_all)
        self.variant_action = QAction(translate("SessionSharing", "Use my &variant for everyone"), window, triggered=self.variant_for_all)
        for action in (self.reset_action, self.variant_action):
            action.setToolTip(translate("SessionSharing", "facilitators only"))
            menu.addAction(action)
        menu.addSeparator()
        self.pointer_action = QAction(translate("SessionSharing", "&Point for everyone (laser)"), window,
                                      checkable=True, shortcut=QKeySequence("L"), toggled=self.set_pointing)
        self.pointer_action.setToolTip(translate(
            "SessionSharing", "Everyone sees a beam from your hand to where it points on the model (L)"))
        menu.addAction(self.pointer_action)
        #: the others whose laser pointer is on
        self.pointing: set[str] = set()
        self._sync_actions()
        self.label = QLabel("", window)
        window.statusBar().addPermanentWidget(self.label)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._follow)
        controller.session_started.connect(self._session_started)
        controller.model.trial_changed.connect(lambda _info: self._mark_trial())

    # -- joining and leaving ----------------------------------------------------------------
    def join_dialog(self) -> None:
        dialog = JoinDialog(self.controller.window.settings, getpass.getuser(), self.controller.window)
        if dialog.exec() == JoinDialog.DialogCode.Accepted:
            self.join(dialog.request())

    def join(self, request: JoinRequest) -> bool:
        """Join ``request``'s session; a bad name, secret or endpoint is one dialog line."""
        self.leave()
        window = self.controller.window
        try:
            check_name("participant", request.name)
            connect = None if request.endpoint == "lan" else request.endpoint
            publishes = request.role != "observer"
            self.link = open_link(request.session, request.secret_file, connect=connect,
                                    name=request.name if publishes else None)
        except SceneError as err:
            window.show_error(str(err))
            return False
        self.request, self.roster, self._warned = request, Roster(), set()
        self.roster.arrivals = []
        self.pointing.clear()
        self.sharing = TaskSharing(request.name)
        self._recorded_t: dict[str, float] = {}
        self._mark_trial()
        self._sync_actions()
        self._session_started(self.controller.session)
        self._poll.start()
        self._show_present()
        where = translate("SessionSharing", "this network") if request.endpoint == "lan" else request.endpoint
        window.statusBar().showMessage(translate("SessionSharing", "joined session '{session}' on {where} as {name}")
                                       .format(session=request.session, where=where, name=request.name), 8000)
        return True

    def leave(self) -> None:
        """Leave the session (the others see it at once)."""
        if self.link is None:
            return
        self._detach()
        link, self.link = self.link, None
        link.close()
        self._poll.stop()
        self.following = None
        self.pointing.clear()
        self._sync_actions()
        self.label.setText("")
        self.controller.window.statusBar().showMessage(
            translate("SessionSharing", "left session '{session}'").format(session=self.request.session), 6000)

    def _sync_actions(self) -> None:
        joined = self.link is not None
        self.join_action.setEnabled(not joined)
        self.leave_action.setEnabled(joined)
        self.follow_menu.setEnabled(joined)
        facilitator = joined and self.request is not None and self.request.role == "facilitator"
        self.reset_action.setEnabled(facilitator)
        self.variant_action.setEnabled(facilitator)
        self.pointer_action.setEnabled(joined and self.link is not None and self.link.name is not None)
        if not self.pointer_action.isEnabled():
            self.pointer_action.setChecked(False)

    # -- facilitation -------------------------------------------------------------------------
    def reset_for_all(self) -> None:
        """Restart the task here and in every participant's window (recorded there)."""
        if self.link is None or self.controller.session is None:
            return
        self.controller.session.submit(Reset())
        self.link.publish_task(reset_message())
        self.controller.window.statusBar().showMessage(translate("SessionSharing", "the task restarts for everyone"), 6000)

    def variant_for_all(self) -> None:
        """Every participant switches to this window's variant."""
        variant = self.controller.model.variant
        if self.link is None or variant is None:
            return
        self.link.publish_task(variant_message(variant))
        self.controller.window.statusBar().showMessage(
            translate("SessionSharing", "everyone runs variant '{variant}'").format(variant=variant), 6000)

    def set_pointing(self, on: bool) -> None:
        """Turn this participant's laser pointer on or off, for everyone."""
        link, sharing = self.link, self.sharing
        if link is None or link.name is None or sharing is None or sharing.pointing == on:
            return
        sharing.pointing = on
        link.publish_task(pointer_message(on))
        self.controller.window.statusBar().showMessage(
            translate("SessionSharing", "laser pointer on: everyone sees where you point (L turns it off)") if on
            else translate("SessionSharing", "laser pointer off"), 6000)

    def _beam(self, name: str, frame: Any) -> Pointer | None:
        """``name``'s laser from the first of its hands (right, then left) whose aim ray meets
        the model here, else from its first tracked hand into the air."""
        session = self.controller.session
        if frame is None or session is None:
            return None
        reach = session.params.ray_max_length_m
        rays = []
        for hand in (frame.hands[Hand.RIGHT], frame.hands[Hand.LEFT]):
            if hand.tracked:
                aim = pose_to_matrix(hand.aim)
                rays.append((aim[:3, 3], -aim[:3, 2]))
        for origin, direction in rays:
            hit = session.engine.index.ray_point(origin, direction, reach)
            if hit is not None:
                return Pointer(name, origin, hit.point, True)
        return Pointer(name, rays[0][0], rays[0][0] + rays[0][1] * reach, False) if rays else None

    def _fill_follow_menu(self) -> None:
        self.follow_menu.clear()
        own = self.follow_menu.addAction(translate("SessionSharing", "my own view"), lambda: self.follow(None))
        own.setCheckable(True)
        own.setChecked(self.following is None)
        for name in self.roster.present():
            action = self.follow_menu.addAction(name, lambda name=name: self.follow(name))
            action.setCheckable(True)
            action.setChecked(name == self.following)

    def follow(self, name: str | None) -> None:
        """Show participant ``name``'s view (None: this window's own)."""
        self.following = name
        said = (translate("SessionSharing", "following {name}'s view").format(name=name) if name
                else translate("SessionSharing", "back to your own view"))
        self.controller.window.statusBar().showMessage(said, 6000)

    # -- this participant's frames and files ------------------------------------------------
    def _session_started(self, session: Any) -> None:
        """A new task (another model, a restart): publish its frames, announce its files."""
        self._detach()
        if self.link is None or session is None:
            return
        if self.link.name is not None:
            self._session = session
            session.live.frame_stepped.connect(self._publish)
            session.stepped.connect(self._share_task)
            self.link.serve_task_state(self._task_state)
            scenario = session.scenario
            files = {"scenario": scenario.path, "model": scenario.model}
            threading.Thread(target=self._announce, args=(self.link, files), daemon=True,
                             name="session-announce").start()
            session.live.task_restarted.connect(self._catch_up)
        self._catch_up()

    def _catch_up(self) -> None:
        """Ask the others for their task states (a new task here, from its beginning, takes
        on what they did: a trial started in a session records it as its first commands).
        The answers queue as events, applied on the GUI thread; any thread may call this."""
        link = self.link
        if link is not None:
            threading.Thread(target=lambda: [link.events.put(e) for e in link.fetch_task_state()],
                             daemon=True, name="session-catch-up").start()

    def _detach(self) -> None:
        if self._session is not None:  # set only while this participant shares
            self._session.stepped.disconnect(self._share_task)
            self._session.live.frame_stepped.disconnect(self._publish)
            self._session.live.task_restarted.disconnect(self._catch_up)
            self._session = None

    def _publish(self, frame: Any) -> None:
        """On the tick thread: this frame to the others (best effort, never blocks)."""
        link = self.link
        if link is not None and frame is not None:
            link.publish(frame, frame.t)

    def _share_task(self, state: Any, events: list[Any]) -> None:
        """What this participant did (grabs, carried poses, releases, verdicts) to the
        others; called under the session's lock, as the views are."""
        link, sharing = self.link, self.sharing
        if link is None or link.name is None or sharing is None:
            return
        for message in sharing.outgoing(events, state, time.monotonic()):
            link.publish_task(message)

    def _task_state(self) -> bytes:
        """On Zenoh's thread: this participant's whole task, for a late joiner."""
        session, sharing = self.controller.session, self.sharing
        if session is None or sharing is None:
            return state_message({})
        with session.lock:
            engine = session.engine
            return sharing.state(engine.state, engine.start_poses)

    def _apply_task(self, name: str, payload: bytes) -> None:
        """Another participant's task change into this engine, as recorded commands."""
        session, sharing = self.controller.session, self.sharing
        if session is None or sharing is None:
            return
        try:
            asked = decode_task(payload, name)
        except TaskError as err:
            self.controller.window.statusBar().showMessage(f"{name}: {err}", 8000)  # the wire's own words (English)
            return
        for action in asked:
            if isinstance(action, (Reset, VariantChoice)):
                self._facilitate(name, action)
            elif isinstance(action, PointerChoice):
                (self.pointing.add if action.on else self.pointing.discard)(name)
        with session.lock:
            commands = sharing.incoming([a for a in asked if not isinstance(a, (Reset, VariantChoice, Progress,
                                                                                 PointerChoice))],
                                        session.engine.state)
        for command in commands:
            session.submit(command)

    def _facilitate(self, name: str, action: Reset | VariantChoice) -> None:
        """A reset or variant for everyone: taken from a facilitator only."""
        bar = self.controller.window.statusBar()
        if self.roster.peers.get(name) is None or self.roster.peers[name].info.get("role") != "facilitator":
            bar.showMessage(translate("SessionSharing", "{name} is not a facilitator: their reset or variant change "
                                      "is ignored").format(name=name), 8000)
        elif isinstance(action, Reset):
            self.controller.session.submit(Reset())
            bar.showMessage(translate("SessionSharing", "{name} restarted the task for everyone").format(name=name),
                            8000)
        elif not self.controller.model.choose_variant(action.name):
            bar.showMessage(translate("SessionSharing", "{name} chose variant '{variant}', which this scenario does "
                                      "not have").format(name=name, variant=action.name), 8000)

    def _announce(self, link: SessionLink, files: dict[str, Path | None]) -> None:
        """On a thread (a model file can be large to hash): role and file hashes."""
        own = {"role": self.request.role if self.request else "participant"}
        for what, path in files.items():
            try:
                own[what] = file_sha256(path) if path is not None else ""
            except OSError:
                own[what] = ""
        self._own = own
        if link is self.link:
            link.announce(own)

    # -- the others ---------------------------------------------------------------------------
    def _follow(self) -> None:
        """Joins, leaves and announcements into the status bar (also between view updates)."""
        if self.link is None:
            return
        bar = self.controller.window.statusBar()
        for event in self.roster.apply(self.link.drain()):
            if event.kind in ("joined", "left"):
                said = (translate("SessionSharing", "{name} joined the session") if event.kind == "joined"
                        else translate("SessionSharing", "{name} left the session"))
                bar.showMessage(said.format(name=event.name), 6000)
                if event.kind == "left":
                    self.pointing.discard(event.name)
                    self._free_held_by(event.name)
                else:  # back after a network outage, they may bring what was missed meanwhile
                    self._catch_up()
            elif event.kind == "info":
                self._compare(event.name)
            elif event.kind == "task":
                self._apply_task(event.name, event.payload)
        for note in self.roster.notes:
            bar.showMessage(note, 8000)
        self.roster.notes.clear()
        self._record_others()
        self._show_present()

    # -- a trial recorded in the session ------------------------------------------------------
    def _recorder(self) -> Any:
        session = self.controller.session
        recorder = session.recorder if session is not None else None
        return recorder if hasattr(recorder, "write_other") else None

    def _mark_trial(self) -> None:
        """A trial recording while joined says which session, and who this participant was
        there (its metrics name the others by their own names)."""
        recorder, request = self._recorder(), self.request
        if hasattr(recorder, "joined_session") and self.link is not None and request is not None:
            recorder.joined_session(request.session, request.name, request.role)

    def _record_others(self) -> None:
        """The others' frames that arrived since last time into the trial, each at this
        session's time when it arrived (never earlier than that person's previous one)."""
        arrivals, self.roster.arrivals = self.roster.arrivals or [], []
        recorder, session = self._recorder(), self.controller.session
        if not arrivals or recorder is None:
            return
        now = time.monotonic()
        with session.lock:
            clock = session.engine.state.t
            for name, received, frame in arrivals:
                t = max(clock - (now - received), self._recorded_t.get(name, -1e9))
                self._recorded_t[name] = t
                recorder.write_other(name, frame, t)

    def _free_held_by(self, name: str) -> None:
        """``name`` left: the parts it held are free here (a recorded command)."""
        session = self.controller.session
        if session is None:
            return
        with session.lock:
            commands = TaskSharing.left(name, session.engine.state)
        for command in commands:
            session.submit(command)

    def _compare(self, name: str) -> None:
        theirs, own = self.roster.peers[name].info, self._own
        for what in ("model", "scenario"):
            if theirs.get(what) and own.get(what) and theirs[what] != own[what] and name not in self._warned:
                self._warned.add(name)
                said = (translate("SessionSharing", "{name} has another model open than you (SHA-256 {theirs}… "
                                  "against your {own}…): open the same scenario to work on one task together")
                        if what == "model" else
                        translate("SessionSharing", "{name} has another scenario open than you (SHA-256 {theirs}… "
                                  "against your {own}…): open the same scenario to work on one task together"))
                self.controller.window.show_error(said.format(name=name, theirs=theirs[what][:12], own=own[what][:12]))

    def _show_present(self) -> None:
        if self.request is None or self.link is None:
            return
        others = self.roster.present()
        self.label.setText(f"● {self.request.session}: {', '.join([self.request.name, *others])}")

    def decorate(self, state: RenderState, head_size: float, engine_state: EngineState,
                 place_label: Callable[[str], np.ndarray | None]) -> None:
        """Draw the others into ``state`` (the controller calls this at every view update,
        with the engine's state and where a label about a part goes); a part another
        holds is tinted as held and labelled with who holds it, so nobody wonders why it
        will not come; while following someone, the view is theirs."""
        if self.link is None:
            return
        self._follow()
        others = self.roster.visible(time.monotonic())
        followed = next((frame for name, frame, _ in others if name == self.following), None)
        if followed is not None:
            follow_head(self.controller.window.viewport.camera, pose_to_matrix(followed.head))
        add_others(state, [o for o in others if o[0] != self.following], head_size)
        beams = [self._beam(name, frame) for name, frame, _ in others if name in self.pointing]
        if self.sharing is not None and self.sharing.pointing and self.request is not None:
            beams.append(self._beam(self.request.name, self.controller.session.last_frame))
        add_pointers(state, [b for b in beams if b is not None], head_size)
        add_measurements(state, engine_state.others_measurements, head_size)
        for part, holder in engine_state.others_hold.items():
            state.highlights.setdefault(part, Highlight.GRABBED)
            at = place_label(part)
            if at is not None:
                state.labels.append(Label(at, (translate("SessionSharing", "held by {name}").format(name=holder),), (*(c * 0.45 for c in colour_of(holder)), 0.85)))
