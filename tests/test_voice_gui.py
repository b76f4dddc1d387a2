"""Voice in the window: "defect" spoken (synthesised, fed through the microphone's path)
while a point is under the ray marks it, in the session and in the recording; a missing or
failing microphone is one message and the window carries on."""

from __future__ import annotations

import numpy as np
import pytest

from app.window import microphone
from interaction.events import EventKind
from interaction.recording_reader import Recording
from interaction.recording_writer import Recorder
from scenes.samples import SAMPLE_SCENARIO, SAMPLE_SCENE
from tests.conftest import interaction_window
from tests.test_gui_interaction import RATE, Driver
from tests.voice_audio import speech_stream, synth

pytestmark = pytest.mark.gl


@pytest.fixture
def sample(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(microphone, "audio_inputs", lambda: [])  # no microphone, whatever the machine
    window, controller = interaction_window(qtbot, tmp_path, hide=("Outliner", "Properties"))
    controller.request_scenario(SAMPLE_SCENARIO)
    assert window.open_file(SAMPLE_SCENE, remember=False)
    controller.help.hide()
    window.viewport.setFocus()
    return window, controller


def test_spoken_defect_marks_the_point_under_the_ray_and_is_recorded(qtbot, sample, tmp_path):
    window, controller = sample
    drive = Driver(qtbot, window, controller)
    voice = controller.voice
    # no microphone here: voice says so once, and still takes audio through its feed
    assert not voice.set_enabled(True) and "no microphone" in window.statusBar().currentMessage()
    assert voice.recognizer is not None and voice.indicator.state == "off"
    assert voice.set_enabled(True, start_microphone=False)  # the feed is the microphone's seam
    assert voice.enable_action.isChecked() and voice.indicator.state == "listening"
    session = controller.session
    session.recorder = Recorder(tmp_path / "voice.mcap", {"test": "voice"})
    drive.tick()
    point = session.engine.state.points["P1"]
    drive.move_mouse(drive.pixel_of(point.position))
    for _ in range(int(0.7 / RATE) + 2):
        drive.tick()
    assert session.engine.state.points["P1"].seen
    # push-to-talk: V held in the viewport, "defect" spoken, V released
    # (20 dB SNR: this checks the path; accuracy in 10 dB noise is test_voice_recognizer's)
    audio, _ = speech_stream([synth("defect", "en-us", 150)], snr_db=20, seed=11, lead_s=0.5, gap_s=0.3)
    qtbot.keyPress(window.viewport, "v")
    assert voice.talking and voice.indicator.state == "listening"
    for i in range(0, len(audio), 1600):  # 0.1 s chunks, as the microphone delivers them
        voice.feed(audio[i:i + 1600])
    qtbot.keyRelease(window.viewport, "v")
    assert not voice.talking
    assert voice.indicator.state == "heard" and "defect" in voice.indicator.text()
    events = drive.tick()
    kinds = [e.kind for e in events]
    assert EventKind.VOICE_COMMAND in kinds and EventKind.POINT_MARKED in kinds
    marked = next(e for e in events if e.kind == EventKind.POINT_MARKED)
    assert marked.point == "P1" and marked.data["accepted"] and marked.data["verdict"] == "defect"
    assert controller.scenario_panel.point_states()["P1"] == "defect"
    # "undo" takes the verdict back; "next step" moves the checklist's selection with the cursor
    for phrase in ("undo", "next step"):
        audio, _ = speech_stream([synth(phrase, "en-us", 150)], snr_db=20, seed=12, lead_s=0.5, gap_s=0.3)
        voice.set_talking(True)
        voice.feed(audio)
        voice.set_talking(False)
        drive.tick()
    assert controller.scenario_panel.point_states()["P1"] == "seen"
    points = list(controller.scenario_panel.point_states())
    if len(points) > 1:
        assert controller.scenario_panel.selected_point() == points[1]
    session.recorder.close()
    with Recording(tmp_path / "voice.mcap") as rec:
        recorded = [c for cs in rec.commands.values() for c in cs]
    heard = [c for c in recorded if c["type"] == "voice_heard"]
    assert [c["command"] for c in heard] == ["defect", "undo", "next"]
    assert set(heard[0]) == {"type", "phrase", "command", "confidence", "audio_t"}
    assert {"type": "mark_targeted", "verdict": "defect", "note": ""} in recorded
    assert {"type": "undo_mark"} in recorded


def test_a_failing_microphone_is_one_message_and_voice_goes_off(qtbot, sample):
    window, controller = sample
    voice = controller.voice
    voice.enable_action.setChecked(True)
    assert not voice.enable_action.isChecked()  # no microphone: off again, one message
    voice.set_enabled(True, start_microphone=False)
    voice.microphone.failed.emit("the microphone stopped (unplugged or taken by another program): "
                                 "voice commands are off")
    assert "microphone stopped" in window.statusBar().currentMessage()
    assert voice.indicator.state == "off" and not voice.enable_action.isChecked()
    drive = Driver(qtbot, window, controller)
    assert drive.tick() is not None  # the session goes on
    assert voice.feed(np.zeros(1600, np.int16)) == []  # push-to-talk not held: audio ignored


def test_answer_quickly_is_a_remembered_choice_of_the_early_decision(qtbot, sample):
    """Interaction ▸ Voice ▸ Answer quickly: the recogniser takes the early decision, the
    window remembers it, and in wake mode a command said after the wake phrase is taken
    early, at the short pause."""
    window, controller = sample
    voice = controller.voice
    assert voice.set_enabled(True, start_microphone=False)
    assert not voice.quick_action.isChecked() and not voice.recognizer.settings.early
    voice.wake_action.trigger()
    voice.quick_action.trigger()
    assert voice.recognizer.settings.early and window.settings.value("voice/quick") in (True, "true")
    audio, _ = speech_stream([synth("hey computer go back", "en-us", 150)], snr_db=20, seed=5)
    heard = [h for i in range(0, len(audio), 1600) for h in voice.feed(audio[i:i + 1600])]
    taken = [h for h in heard if h.accepted and h.command == "back"]
    assert taken and taken[0].early  # decided at the short pause (timing: test_voice_recognizer)
    voice.quick_action.trigger()
    assert not voice.recognizer.settings.early


def test_repeat_says_the_current_instruction_aloud(qtbot, sample, monkeypatch):
    window, controller = sample
    voice = controller.voice
    said = []
    monkeypatch.setattr(voice.speaker, "say", lambda text, language="en": said.append((text, language)) or True)
    assert voice.set_enabled(True, start_microphone=False)
    from devices.voice.recognizer import Heard

    controller.session.tick(0.0)
    voice.submit(Heard(0.0, 0.5, 0.6, "repeat", "repeat", 1.0))
    assert said == [(voice.current_instruction(), "en")] and said[0][0]
    assert window.statusBar().currentMessage() == said[0][0]
