"""Trials from the GUI: Trial ▸ Start trial… / Stop trial, REC in the status bar, and the
post-trial questionnaires stored in the trial's recording.

Starting a trial restarts the task (a fresh engine: a replay re-runs the recording from a
fresh engine, so the live run must start from one too) and hands the session a
``interaction.trial.Trial`` as its recorder. The recording names the scenario FILE, which a
replay loads again, so a scenario with unsaved edits must be saved first. A recorder that
fails (unwritable folder, disk full) stops the recording with one dialog; the session goes
on. Stopping writes the task outcome, then asks the questionnaires (Skip is fine); answers
are scored by interaction.questionnaires and written into the same file before it closes.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs
from PySide6.QtCore import QCoreApplication, QMetaObject, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from app.display.application import APPLICATION
from app.model.workspace import TrialInfo
from interaction.questionnaires import NasaTlx, Sus
from interaction.trial import Trial, session_metadata
from scenes.step_convert import STEP_SUFFIXES
from views.trial_dialogs import QuestionnaireDialog, StartTrialDialog

translate = QCoreApplication.translate

if TYPE_CHECKING:
    from app.session.session import Session
    from app.window.controller import InteractionController
    from devices.base import Device


def device_assist(device: Device) -> str:
    """What ``device`` does for a participant beyond passing movements on (trial metadata)."""
    return getattr(device, "assist_description", "")


def default_folder() -> Path:
    """Where trials are recorded unless the facilitator picks another folder."""
    return Path(platformdirs.user_data_dir(APPLICATION)) / "recordings"


def recording_name(participant: str, variant: str | None, when: datetime) -> str:
    """``P07_A_20261128-093015.mcap``: sortable, and safe on every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{participant}_{variant or 'default'}").strip("-")
    return f"{safe}_{when:%Y%m%d-%H%M%S}.mcap"


class TrialControl(QObject):
    """The Trial menu of an InteractionController's window; see the module docstring."""

    def __init__(self, controller: InteractionController) -> None:
        super().__init__(controller)
        self.controller = controller
        window = controller.window
        self.trial: Trial | None = None
        self.path: Path | None = None
        self.participant = ""
        self.dialog: StartTrialDialog | None = None
        self.questionnaires: QuestionnaireDialog | None = None
        self._session: Session | None = None
        #: the device the trial's input comes from now, and the link that follows switches
        self._device: Device | None = None
        self._device_link: QMetaObject.Connection | None = None
        self._started = 0.0
        menu = window.menuBar().addMenu(translate("TrialControl", "&Trial"))
        self.start_action = QAction(translate("TrialControl", "&Start trial…"), window, triggered=self.start_dialog)
        self.stop_action = QAction(translate("TrialControl", "S&top trial"), window, triggered=lambda: self.stop())
        self.stop_action.setEnabled(False)
        menu.addAction(self.start_action)
        menu.addAction(self.stop_action)
        self.rec_label = QLabel("", window)
        self.rec_label.setStyleSheet("color: #e02020; font-weight: bold")
        window.statusBar().addPermanentWidget(self.rec_label)
        self._clock = QTimer(self)
        self._clock.setInterval(500)
        self._clock.timeout.connect(self._watch)

    @property
    def recording(self) -> bool:
        return self.trial is not None

    # -- start ------------------------------------------------------------------------------
    def start_dialog(self) -> None:
        session = self.controller.session
        if session is None or self.recording:
            return
        settings = self.controller.window.settings
        scenario = session.scenario
        variant = self.controller.model.variant or scenario.default_variant
        folder = Path(str(settings.value("trial/folder", str(default_folder()))))
        self.dialog = StartTrialDialog(list(scenario.variants), variant, session.device.name, folder,
                                       self.participant, self.controller.window)
        self.dialog.accepted.connect(lambda: self._start_from(self.dialog))
        self.dialog.open()

    def _start_from(self, dialog: StartTrialDialog | None) -> None:
        if dialog is not None:
            self.start(dialog.participant, dialog.variant, dialog.folder)

    def start(self, participant: str, variant: str | None, folder: Path) -> bool:
        """Restart the task and record it as a trial; False (and one dialog) if it cannot."""
        controller, window = self.controller, self.controller.window
        model, session = controller.model, controller.session
        if session is None or self.recording:
            return False
        if model.unsaved:
            window.show_error(translate("TrialControl", "The scenario has unsaved edits: save it (File ▸ Save scenario) "
                                        "before a trial, since a replay loads the scenario file."))
            return False
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            window.show_error(translate("TrialControl", "{folder}: cannot create the recording folder ({error}); "
                                        "no trial started").format(folder=folder, error=err.strerror or err))
            return False
        if variant is not None:
            model.choose_variant(variant)  # the dock and the session follow the model
        scenario = session.scenario
        path = folder / recording_name(participant, variant, datetime.now())
        trial = Trial(path, session_metadata(
            participant=participant, scenario_path=scenario.path or scenario.model, scene_path=scenario.model,
            variant=variant, params=session.params.to_dict(), device=session.device.name,
            device_assist=device_assist(session.device),
            steps=[s.id for s in scenario.steps], inspection_points=[p.id for p in scenario.inspection_points],
            model_quality=window.step_quality(scenario.model) if scenario.model.suffix.lower() in STEP_SUFFIXES
            else None))
        if trial.error is not None:
            trial.close()
            window.show_error(translate("TrialControl", "{error}; no trial started").format(error=trial.error))
            return False
        window.settings.setValue("trial/folder", str(folder))
        session.reload_scenario(scenario)  # the trial starts from a fresh task
        controller.event_log.clear()
        session.recorder = trial
        self.trial, self.path, self.participant, self._session = trial, path, participant, session
        self._device = session.device
        self._device_link = session.device_changed.connect(self._device_changed)
        model.start_trial(TrialInfo(participant, variant, session.device.name, path))
        self._started = time.monotonic()
        self.start_action.setEnabled(False)
        self.stop_action.setEnabled(True)
        self._clock.start()
        self._watch()
        window.statusBar().showMessage(translate("TrialControl", "trial started: recording to {file}").format(file=path), 8000)
        return True

    # -- while it runs ---------------------------------------------------------------------------
    def _watch(self) -> None:
        trial = self.trial
        if trial is None:
            return
        window = self.controller.window
        if self._session is not self.controller.session:  # another scene replaced the session
            self._finish(translate("TrialControl", "trial ended: the scene changed; recording saved to {file}").format(
                file=self.path))
            return
        if trial.error is not None:
            window.show_error(translate("TrialControl", "{error}. The session goes on without recording.").format(
                error=trial.error))
            self._detach()
            self._finish("")
            return
        elapsed = int(time.monotonic() - self._started)
        self.rec_label.setText(translate("TrialControl", "● REC {time}").format(time=f"{elapsed // 60:02d}:{elapsed % 60:02d}"))

    def _device_changed(self, name: str) -> None:
        """A switch mid-trial (chosen, or a failing device's fallback) goes into the recording."""
        session, trial = self._session, self.trial
        if session is None or trial is None or session.recorder is not trial:
            return
        previous, self._device = self._device, session.device
        trial.device_changed(name, previous.error if previous is not None else None, device_assist(session.device))

    # -- stop ------------------------------------------------------------------------------------
    def stop(self, ask_questionnaires: bool = True) -> None:
        """End the trial: write the outcome, then (optionally) ask the questionnaires."""
        trial = self.trial
        if trial is None:
            return
        self._detach()
        state = self._session.engine.state if self._session is not None else None
        trial.end_task(completed=bool(state and state.task_complete))
        if not ask_questionnaires:
            self._finish(translate("TrialControl", "trial saved to {file}").format(file=self.path))
            return
        self._clock.stop()
        self.rec_label.setText("")
        self.questionnaires = QuestionnaireDialog(self.participant, self.controller.window)
        self.questionnaires.finished.connect(self._questionnaires_done)
        self.questionnaires.open()

    def _questionnaires_done(self, result: int) -> None:
        dialog, trial = self.questionnaires, self.trial
        if dialog is None or trial is None:
            return
        if result == QuestionnaireDialog.DialogCode.Accepted:
            ratings, answers = dialog.tlx_ratings(), dialog.sus_answers()
            if ratings is not None:
                trial.submit(NasaTlx(**ratings))
            if answers is not None:
                trial.submit(Sus(answers))
        self._finish(translate("TrialControl", "trial saved to {file}").format(file=self.path))

    def _detach(self) -> None:
        if self._session is not None and self._session.recorder is self.trial:
            self._session.recorder = None

    def _finish(self, message: str) -> None:
        if self._device_link is not None:
            QObject.disconnect(self._device_link)
            self._device_link = None
        if self.trial is not None:
            self.trial.close()
            self.controller.model.end_trial()
        self.trial, self._session = None, None
        self._clock.stop()
        self.rec_label.setText("")
        self.start_action.setEnabled(True)
        self.stop_action.setEnabled(False)
        if message:
            self.controller.window.statusBar().showMessage(message, 10000)
