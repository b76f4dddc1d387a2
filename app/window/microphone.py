"""The microphone through Qt Multimedia: 16 kHz mono 16-bit chunks, in memory only.

``Microphone.chunk`` carries each block of samples as it arrives (on the GUI thread); the
samples are handed on and dropped, never written. A missing or busy microphone is one
sentence (``start`` returns it); the caller says it once and carries on without voice.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QIODevice, QObject, QTimer, Signal

if TYPE_CHECKING:  # Qt Multimedia loads only when a microphone is used: importing it starts
    # the platform's audio back end (PipeWire, PulseAudio), which talks on stderr even
    # where no window ever opens
    from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QAudioSource

translate = QCoreApplication.translate

RATE = 16000


def audio_format() -> QAudioFormat:
    from PySide6.QtMultimedia import QAudioFormat

    fmt = QAudioFormat()
    fmt.setSampleRate(RATE)
    fmt.setChannelCount(1)
    fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    return fmt


def audio_inputs() -> list[QAudioDevice]:
    """The microphones Qt sees, default first."""
    from PySide6.QtMultimedia import QMediaDevices

    inputs = list(QMediaDevices.audioInputs())
    default = QMediaDevices.defaultAudioInput()
    inputs.sort(key=lambda d: d.id() != default.id())
    return inputs


class Microphone(QObject):
    """One capture from an audio input; ``chunk(np.ndarray)`` per block, ``failed(str)``."""

    chunk = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source: QAudioSource | None = None
        self._io: QIODevice | None = None

    @property
    def running(self) -> bool:
        return self._source is not None

    def start(self, index: int = 0, inputs: list[QAudioDevice] | None = None) -> str | None:
        """Start capturing from input ``index`` (of ``inputs``, default ``audio_inputs()``);
        None when it runs, else why not in one sentence."""
        self.stop()
        inputs = audio_inputs() if inputs is None else inputs
        if not inputs:
            return translate("Microphone", "no microphone found: voice commands are off")
        if not 0 <= index < len(inputs):
            return translate("Microphone", "no microphone {index} (there are {count}): voice commands are off").format(
                index=index, count=len(inputs))
        device = inputs[index]
        fmt = audio_format()
        if not device.isFormatSupported(fmt):
            return translate("Microphone", "microphone {name} cannot record 16 kHz mono: voice commands are off").format(
                name=repr(device.description()))
        from PySide6.QtMultimedia import QAudio, QAudioSource

        source = QAudioSource(device, fmt, self)
        source.setBufferSize(RATE // 5 * 2)  # 0.2 s: small enough for a quick answer
        io = source.start()
        if io is None or source.error() != QAudio.Error.NoError:
            source.deleteLater()
            return translate("Microphone", "microphone {name} is busy or unavailable: voice commands are off").format(
                name=repr(device.description()))
        self._source, self._io = source, io
        io.readyRead.connect(self._read)
        source.stateChanged.connect(self._state_changed)
        return None

    def stop(self) -> None:
        if self._source is not None:
            self._source.stop()
            self._source.deleteLater()
        self._source = self._io = None

    def _read(self) -> None:
        if self._io is None:
            return
        data = bytes(self._io.readAll().data())
        if len(data) >= 2:
            self.chunk.emit(np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2"))

    def _state_changed(self, state) -> None:
        source = self._source
        from PySide6.QtMultimedia import QAudio

        if source is not None and state == QAudio.State.StoppedState and source.error() != QAudio.Error.NoError:
            self.stop()
            self.failed.emit(translate("Microphone", "the microphone stopped (unplugged or taken by another program): "
                                       "voice commands are off"))


def listen_to_device(index: int, recognizer, say: Callable[[list], None],
                     complain: Callable[[str], None]) -> int:
    """``xrjig listen --device N``: feed microphone N to ``recognizer`` until Ctrl+C;
    ``complain`` gets the one sentence when the microphone is missing, busy or lost."""
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    mic = Microphone()
    why = mic.start(index)
    if why is not None:
        complain(why)
        return 1
    mic.chunk.connect(lambda pcm: say(recognizer.feed(pcm)))
    mic.failed.connect(lambda text: (complain(text), app.exit(1)))
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    timer = QTimer()  # lets Python see Ctrl+C while Qt waits
    timer.start(200)
    timer.timeout.connect(lambda: None)
    code = app.exec()
    mic.stop()
    say(recognizer.flush())
    return int(code)
