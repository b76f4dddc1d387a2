"""Voice commands in the window: Interaction ▸ Voice, the microphone, push-to-talk, the
indicator, and recognised phrases turned into the engine commands the buttons use.

Every accepted phrase is submitted to the session as ``VoiceHeard`` (phrase, command,
confidence, audio time: what the recording keeps of the speech) followed by the command it
means, so verdicts, cursor moves, undo and reset are recorded, replayed and counted exactly
like clicks. Audio goes from the microphone to the recogniser in memory and is dropped.

Listening modes: **push-to-talk** (V held in the window, or a controller's B/Y button held)
decodes audio only while held and decides at release (between presses the audio only
teaches the recogniser the room's noise); **wake phrase** listens all the time
and takes a command only after "hey computer". ``feed`` is the one path audio takes, the
microphone's and the tests' alike.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeyEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QTextEdit

from app.window.microphone import Microphone
from devices.voice.commands import CommandsError, CommandSet, scenario_phrases
from devices.voice.recognizer import Heard, ModelError, Recognizer, RecognizerSettings
from devices.voice.speaker import Speaker
from interaction.commands import MarkTargeted, MoveCursor, Reset, UndoMark, Verdict, VoiceHeard
from interaction.events import EventKind
from interaction.frame import Button
from views.voice_indicator import VoiceIndicator, rejection_text

translate = QCoreApplication.translate

if TYPE_CHECKING:
    from app.window.controller import InteractionController

PUSH_TO_TALK, WAKE = "push-to-talk", "wake"
_SIMPLE = {"next": MoveCursor(1), "back": MoveCursor(-1), "undo": UndoMark(), "reset": Reset()}


class VoiceControl(QObject):
    """The voice side of an InteractionController's window (see the module docstring)."""

    def __init__(self, controller: InteractionController) -> None:
        super().__init__(controller)
        self.controller = controller
        window = controller.window
        self.settings = window.settings
        self.recognizer: Recognizer | None = None
        self.microphone = Microphone(self)
        self.microphone.chunk.connect(self.feed)
        self.microphone.failed.connect(self._failed)
        self.indicator = VoiceIndicator()
        window.statusBar().addPermanentWidget(self.indicator)
        #: push-to-talk held (key or controller button)
        self.talking = False
        self._key_held = self._button_held = False
        self._scenario_path: Path | None = None
        #: "repeat" says the instruction aloud (espeak-ng; without it, only shown)
        self.speaker = Speaker()
        self._build_menu()
        QApplication.instance().installEventFilter(self)
        controller.session_started.connect(self._session_started)

    # -- menu ---------------------------------------------------------------------------------
    def _build_menu(self) -> None:
        w = self.controller.window
        interaction = self.controller.interaction_menu
        menu = interaction.addMenu(translate("Voice", "&Voice"))
        self.enable_action = QAction(translate("Voice", "Voice &commands (microphone)"), w, checkable=True)
        self.enable_action.toggled.connect(self.set_enabled)
        group = QActionGroup(w)
        self.ptt_action = QAction(translate("Voice", "&Push-to-talk (hold V, or B/Y on a controller)"), group, checkable=True)
        self.wake_action = QAction(translate("Voice", "&Wake phrase (“hey computer …”)"), group, checkable=True)
        mode = str(self.settings.value("voice/mode", PUSH_TO_TALK))
        (self.wake_action if mode == WAKE else self.ptt_action).setChecked(True)
        group.triggered.connect(lambda _a: self._mode_changed())
        self.quick_action = QAction(translate("Voice", "Answer &quickly (less room for pauses)"), w, checkable=True)
        self.quick_action.setToolTip(translate(
            "Voice", "Take a command after a 0.15 s pause instead of 0.2 s: about 0.22 s after you stop "
            "speaking instead of 0.28 s; a longer pause inside a phrase may cut it in two"))
        self.quick_action.setChecked(str(self.settings.value("voice/quick", "false")).lower() == "true")
        self.quick_action.toggled.connect(self._quick_changed)
        self.model_action = QAction(translate("Voice", "Speech &model folder…"), w, triggered=self._choose_model)
        self.english_action = QAction(translate("Voice", "Use the built-in &English model"), w,
                                      triggered=lambda: self.set_model_dir(None))
        for action in (self.enable_action, self.ptt_action, self.wake_action, self.quick_action, self.model_action,
                       self.english_action):
            menu.addAction(action)

    @property
    def mode(self) -> str:
        return WAKE if self.wake_action.isChecked() else PUSH_TO_TALK

    def _mode_changed(self) -> None:
        self.settings.setValue("voice/mode", self.mode)
        if self.recognizer is not None:
            self.recognizer.flush()
            self.recognizer.require_wake = self.mode == WAKE
        self._idle()

    def _quick_changed(self, on: bool) -> None:
        """The early decision on or off (measured: README "Voice"); remembered."""
        self.settings.setValue("voice/quick", on)
        if self.recognizer is not None:
            self.recognizer.flush()
            self.recognizer.settings = replace(self.recognizer.settings, early=on)
        self._idle()

    def _choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.controller.window, translate("Voice", "PocketSphinx model folder"))
        if folder:
            self.set_model_dir(Path(folder))

    def set_model_dir(self, folder: Path | None) -> bool:
        """Use another model folder (None: the English model of the wheel); remembered."""
        self.settings.setValue("voice/model_dir", "" if folder is None else str(folder))
        self.recognizer = None
        return self.enable_action.isChecked() is False or self._build() is not None

    # -- on / off -------------------------------------------------------------------------------
    def set_enabled(self, on: bool, start_microphone: bool = True) -> bool:
        """Voice on (build the recogniser, start the microphone) or off. False, with one
        message, when the model or the microphone cannot be used: the app goes on."""
        if not on:
            self.microphone.stop()
            self.indicator.show_state("off")
            return True
        if self._build() is None:
            self._off()
            return False
        if start_microphone:
            why = self.microphone.start(int(self.settings.value("voice/input", 0)))
            if why is not None:
                self._failed(why)
                return False
        self.enable_action.blockSignals(True)  # on without a microphone: audio via ``feed``
        self.enable_action.setChecked(True)
        self.enable_action.blockSignals(False)
        self._idle()
        return True

    def _build(self) -> Recognizer | None:
        if self.recognizer is not None:
            return self.recognizer
        folder = str(self.settings.value("voice/model_dir", "") or "")
        commands = CommandSet()
        try:
            extra = scenario_phrases(self._scenario_path)
            if extra is not None:
                commands = commands.merged(extra)
            self.recognizer = Recognizer(commands, RecognizerSettings(model_dir=Path(folder) if folder else None,
                                                                      early=self.quick_action.isChecked()))
        except (CommandsError, ModelError) as err:
            self.controller.window.show_error(translate("Voice", "Voice commands: {error}").format(error=err))
            return None
        self.recognizer.require_wake = self.mode == WAKE
        return self.recognizer

    def _failed(self, text: str) -> None:
        self.controller.window.statusBar().showMessage(text, 15000)
        self._off()

    def _off(self) -> None:
        self.microphone.stop()
        self.enable_action.blockSignals(True)
        self.enable_action.setChecked(False)
        self.enable_action.blockSignals(False)
        self.indicator.show_state("off")

    def _idle(self) -> None:
        if self.recognizer is None or not self.enable_action.isChecked():
            self.indicator.show_state("off")
        elif self.mode == WAKE or self.talking:
            self.indicator.show_state("listening")
        else:
            self.indicator.show_state("listening", translate("Voice", "hold V to speak"))

    def _session_started(self, session) -> None:
        path = session.scenario.path
        if path != self._scenario_path:  # the scenario's own phrases come with it
            self._scenario_path = path
            self.recognizer = None
            if self.enable_action.isChecked():
                self._build()
        session.stepped.connect(self._watch_buttons)

    # -- push-to-talk ------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_V and not event.isAutoRepeat() and not self._typing():
                if obj is QApplication.focusWidget() or obj is self.controller.window.viewport:
                    self._key_held = kind == QEvent.Type.KeyPress
                    self.set_talking(self._key_held or self._button_held)
        return False

    @staticmethod
    def _typing() -> bool:
        return isinstance(QApplication.focusWidget(), QLineEdit | QTextEdit)

    def _watch_buttons(self, _state, _events) -> None:
        frame = self.controller.session.last_frame if self.controller.session else None
        held = frame is not None and any(h.tracked and h.buttons & Button.SECONDARY for h in frame.hands)
        self.follow_events(_events)
        if held != self._button_held:
            self._button_held = held
            self.set_talking(self._key_held or held)

    def set_talking(self, on: bool) -> None:
        """Push-to-talk pressed or released; at release the utterance is decided at once."""
        if on == self.talking:
            return
        self.talking = on
        heard = []
        if not on and self.recognizer is not None and self.mode == PUSH_TO_TALK:
            heard = self.recognizer.flush()
            self._act(heard)
        if on or self.indicator.state not in ("heard", "rejected"):
            self._idle()  # what was heard stays on show until the next press

    # -- audio in, commands out -------------------------------------------------------------------
    def feed(self, pcm: np.ndarray) -> list[Heard]:
        """The one way audio comes in (microphone chunks, tests): 16 kHz int16 samples."""
        r = self.recognizer
        if r is None:
            return []
        if self.mode == PUSH_TO_TALK and not self.talking:
            r.hear_room(pcm)  # learns the room's noise between presses; nothing is decoded or kept
            return []
        heard = r.feed(pcm)
        self._act(heard)
        if not heard and r.in_speech and self.indicator.state != "hearing":
            self.indicator.show_state("hearing")
        return heard

    def _act(self, heard: list[Heard]) -> None:
        for h in heard:
            if not h.accepted:
                self.indicator.show_state("rejected", rejection_text(h.phrase, h.reason))
                continue
            self.indicator.show_state("heard", h.phrase)
            self.submit(h)

    def submit(self, h: Heard) -> None:
        """``VoiceHeard`` and the command ``h`` means, to the session (recorded with the frame)."""
        session = self.controller.session
        if session is None:
            return
        panel = self.controller.scenario_panel
        session.submit(VoiceHeard(h.phrase, h.command or "", h.confidence, round(h.end, 3)))
        command = h.command
        if command in ("pass", "fail", "defect"):
            session.submit(MarkTargeted(Verdict(command), panel.note_edit.text().strip()))
        elif command in _SIMPLE:
            session.submit(_SIMPLE[command])
        elif command == "repeat":
            instruction = self.current_instruction()
            self.controller.window.statusBar().showMessage(instruction, 10000)
            self.indicator.show_state("heard", instruction)
            language = "zh_CN" if QLocale().name().startswith("zh") else "en"
            self.speaker.say(instruction, language)  # aloud too, for eyes on the part
        elif command == "note":
            self.indicator.show_state("listening", translate("Voice", "say the note"))
        elif command == "note_text":
            panel.note_edit.setText(h.phrase)

    def current_instruction(self) -> str:
        """What "repeat" says: the cursor's inspection point, else the first open step."""
        session = self.controller.session
        if session is None:
            return ""
        state = session.engine.state
        point = state.points.get(state.cursor) if state.cursor else None
        if point is not None:
            return f"{point.id}: {point.instruction}" if point.instruction else translate("Voice", "{point}: inspect").format(point=point.id)
        step = next((s for s in state.steps.values() if s.available and not s.done), None)
        return f"{step.label or step.id}" if step is not None else translate("Voice", "nothing left to do")

    def follow_events(self, events) -> None:
        """Keep the checklist's selection on the inspection cursor (so the buttons and the
        voice act on the same point)."""
        tree = self.controller.scenario_panel.points_tree
        for e in events:
            if e.kind == EventKind.CURSOR_MOVED:
                items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
                item = next((it for it in items if it.text(0) == e.point), None)
                if item is not None:
                    tree.setCurrentItem(item)
