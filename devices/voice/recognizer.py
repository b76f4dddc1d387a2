"""Offline command recognition on a stream of 16 kHz 16-bit mono audio (PocketSphinx 5).

No clock, no thread, no Qt: the caller feeds chunks (a microphone callback, a file, a
test) and gets ``Heard`` results, each with stream times, so files, tests and the live
microphone go through the same code. Audio is kept only as long as the utterance being
decoded needs it (a ring of about a second before it): nothing is written anywhere.

Why it works this way (measured, see README "Voice" and bench/bench_voice.py):

* A plain command grammar forces the nearest command onto any sound (narration came out
  as "defect"); PocketSphinx's keyphrase spotting missed most commands spoken by
  synthetic voices in room noise even at permissive thresholds, and a phone-loop
  garbage model in the grammar decoded 7x slower than real time. So utterances are cut
  by voice activity detection first (WebRTC VAD, on pre-emphasised audio: room noise is
  mostly low-frequency, and without the pre-emphasis the VAD heard speech everywhere) and
  each is decoded with the command grammar, then judged by rules in turn: **too long**
  (longer than a command of the set can take: continuous speech runs on), **not a
  command** (the search ended inside a phrase), **unsure** (a posterior below
  ``min_confidence``, off by default: see DEFAULT_MIN_CONFIDENCE), **no wake phrase**.
* Decoding runs while the person speaks, so the answer comes as soon as the VAD decides
  the utterance ended (``vad_window_s x vad_ratio`` after it; push-to-talk: at release),
  plus a short tail that lets the last phone finish (without it "note" ended inside
  "go back").
* Wake mode: the wake phrase and the command in one breath ("hey computer, next step");
  a lone wake phrase opens a window for one command, but the grammar often hears it with a
  command tacked on, so say both together. "note" makes the next utterance dictation,
  decoded with the model's general language model.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from devices.voice.commands import CommandSet

SAMPLE_RATE = 16000

#: No posterior threshold by default. Measured (README "Voice", tuning voices only): with
#: the lattice pass on, a posterior of 0.25 split tuning commands (>= 0.32) from non-command
#: speech (<= 0.16, one 0.5), but rejected the real recording "go forward ten meters"
#: (0.16), and that lattice pass lost 2 of 54 tuning commands; with it off the posterior is
#: always 1. Rejection rests on the length and whole-phrase rules; settings may set one.
DEFAULT_MIN_CONFIDENCE = 0.0


@dataclass(frozen=True)
class RecognizerSettings:
    """How utterances are cut and judged (defaults: the measured operating point)."""

    #: VAD decision window and the fraction of it that must agree to switch
    vad_window_s: float = 0.3
    vad_ratio: float = 0.8
    #: audio after the VAD's end of speech given to the decoder
    tail_s: float = 0.15
    #: lattice posterior a phrase needs
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    #: longest utterance taken for a command; None: from the longest phrase
    max_seconds: float | None = None
    #: wake phrase; commands are only taken after it while ``require_wake`` is on
    wake_phrase: str = "hey computer"
    wake_window_s: float = 5.0
    #: after "note": how long to wait for the note, and its longest length
    note_window_s: float = 6.0
    note_max_s: float = 8.0
    #: a PocketSphinx model folder (``hmm`` sub-folder or files, a .dict and an optional
    #: .lm.bin); None: US English from the pocketsphinx wheel
    model_dir: Path | None = None

    def command_seconds(self, commands: CommandSet) -> float:
        """The longest utterance a command of ``commands`` may take."""
        if self.max_seconds is not None:
            return self.max_seconds
        return 1.0 + 0.4 * commands.max_words


@dataclass(frozen=True)
class Heard:
    """One utterance and what became of it (times in seconds of the stream)."""

    start: float
    end: float
    #: when the decision was made (stream time: the audio fed so far)
    decided: float
    phrase: str
    command: str | None
    confidence: float
    #: "" when accepted, else why not ("too long", "not a command", "unsure", "no wake phrase")
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.command is not None and not self.reason


class ModelError(RuntimeError):
    """The model folder cannot be used: one line for the user."""


def model_files(model_dir: Path | None) -> dict[str, str]:
    """PocketSphinx config entries (hmm, dict, lm) for a model folder, or the wheel's."""
    if model_dir is None:
        from pocketsphinx import get_model_path

        base = Path(get_model_path("en-us"))
        return {"hmm": str(base / "en-us"), "dict": str(base / "cmudict-en-us.dict"),
                "lm": str(base / "en-us.lm.bin")}
    folder = Path(model_dir)
    if not folder.is_dir():
        raise ModelError(f"{folder}: no such model folder")
    hmm = next((p for p in [folder, *sorted(folder.iterdir())]
                if p.is_dir() and (p / "mdef").is_file()), None)
    dicts = sorted(folder.glob("*.dic")) + sorted(folder.glob("*.dict"))
    lms = sorted(folder.glob("*.lm.bin")) + sorted(folder.glob("*.lm")) + sorted(folder.glob("*.lm.dmp"))
    if hmm is None or not dicts:
        raise ModelError(f"{folder}: not a PocketSphinx model (needs an acoustic model folder "
                         "with 'mdef' and a .dict pronunciation dictionary)")
    files = {"hmm": str(hmm), "dict": str(dicts[0])}
    if lms:
        files["lm"] = str(lms[0])
    return files


def grammar(commands: CommandSet, wake: str | None = None) -> str:
    """JSGF: a command; with ``wake``, optionally after the wake phrase, or that alone
    (a separate search: the optional prefix cost accuracy when no wake phrase is wanted)."""
    alternatives = " | ".join(f"( {p} )" for p in sorted(commands.phrases))
    if wake is None:
        return f"#JSGF V1.0;\ngrammar xrjig;\npublic <command> = {alternatives};\n"
    return (f"#JSGF V1.0;\ngrammar xrjig;\npublic <utterance> = [ <wake> ] <command> | <wake>;\n"
            f"<wake> = {wake};\n<command> = {alternatives};\n")


def _decoder(files: dict[str, str], **extra: object):
    from pocketsphinx import Config, Decoder

    # bestpath off: its lattice pass returned no phrase for 2 of 54 tuning commands
    config = Config(hmm=files["hmm"], dict=files["dict"], lm=None, loglevel="FATAL", bestpath=False,
                    logfn=os.devnull, **extra)
    try:
        return Decoder(config)
    except (RuntimeError, ValueError) as err:
        raise ModelError(f"{Path(files['hmm']).parent}: the model cannot be loaded ({err})") from None


@dataclass
class _Utterance:
    start: int  # samples
    fed: int  # samples given to the decoder
    dictation: bool
    too_long: bool = False
    decoder: object = None


@dataclass
class _Stream:
    """Where the stream is: samples seen, the short history and the VAD's leftovers."""

    samples: int = 0
    history: deque = field(default_factory=deque)  # (first sample, int16 array)
    pending: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    last: float = 0.0  # previous sample (pre-emphasis across chunks)


class Recognizer:
    """Feed 16 kHz int16 chunks with ``feed``; it returns what it heard (see module doc)."""

    def __init__(self, commands: CommandSet | None = None,
                 settings: RecognizerSettings | None = None) -> None:
        self.commands = commands or CommandSet()
        self.settings = settings or RecognizerSettings()
        #: take commands only after the wake phrase (the window's wake mode)
        self.require_wake = False
        self._files = model_files(self.settings.model_dir)
        self._decoder = _decoder(self._files)
        words = [*self.commands.words, *self.settings.wake_phrase.split()]
        missing = [w for w in dict.fromkeys(words) if self._decoder.lookup_word(w) is None]
        if missing:
            raise ModelError(f"not in the model's dictionary: {', '.join(missing)} "
                             "(use other words, or add them to the .dict file)")
        self._decoder.add_jsgf_string("commands", grammar(self.commands))
        self._decoder.add_jsgf_string("wake", grammar(self.commands, self.settings.wake_phrase))
        self._decoder.activate_search("commands")
        self._dictation = None  # the language-model decoder, built on the first note
        self._wake = tuple(self.settings.wake_phrase.split())
        self._woken_until = -1.0
        self._note_until = -1.0
        self._reset_stream()

    # -- public ----------------------------------------------------------------------------
    @property
    def in_speech(self) -> bool:
        """Whether an utterance is under way (the indicator's "hearing")."""
        return self._utt is not None

    @property
    def time(self) -> float:
        """Seconds of audio fed so far."""
        return self._stream.samples / SAMPLE_RATE

    @property
    def awaiting_note(self) -> bool:
        return self._vad_pos / SAMPLE_RATE <= self._note_until

    def feed(self, chunk: np.ndarray | bytes, t: float | None = None) -> list[Heard]:
        """Take the next ``chunk`` (int16 samples or their bytes); ``t`` (seconds) where it
        starts, when the stream had a gap (push-to-talk): the pending utterance ends first."""
        pcm = np.frombuffer(chunk, dtype="<i2") if isinstance(chunk, bytes | bytearray) else np.asarray(chunk, np.int16)
        out: list[Heard] = []
        if t is not None and abs(t - self.time) > 1.0 / SAMPLE_RATE:
            out += self.flush()
            self._stream.samples = self._vad_offset = self._vad_pos = max(0, round(t * SAMPLE_RATE))
        s = self._stream
        s.history.append((s.samples, pcm.copy()))
        s.samples += len(pcm)
        while s.history and s.history[0][0] + len(s.history[0][1]) < s.samples - SAMPLE_RATE and (
                self._utt is None or s.history[0][0] + len(s.history[0][1]) < self._utt.fed):
            s.history.popleft()
        emphasised = np.empty(len(pcm), np.float64)
        if len(pcm):
            x = pcm.astype(np.float64)
            emphasised[0] = x[0] - 0.97 * s.last
            emphasised[1:] = x[1:] - 0.97 * x[:-1]
            s.last = float(x[-1])
        s.pending = np.concatenate([s.pending, np.clip(emphasised, -32768, 32767).astype(np.int16)])
        n = self._frame
        used = 0
        while len(s.pending) - used >= n:
            out += self._vad_frame(s.pending[used:used + n])
            used += n
        s.pending = s.pending[used:]
        return out

    def flush(self) -> list[Heard]:
        """End the stream here (end of file, push-to-talk released): decide the utterance
        under way, if any, and start afresh."""
        out: list[Heard] = []
        if self._utt is not None:
            self._vad_pos = self._stream.samples  # decided now: at the end of what was fed
            out.append(self._finish(self._stream.samples))
        keep = self._stream.samples
        self._reset_stream()
        self._stream.samples = keep
        self._vad_offset = self._vad_pos = keep
        return out

    # -- internals ---------------------------------------------------------------------------
    def _reset_stream(self) -> None:
        from pocketsphinx import Endpointer

        self._vad = Endpointer(window=self.settings.vad_window_s, ratio=self.settings.vad_ratio)
        self._frame = self._vad.frame_bytes // 2
        self._vad_offset = 0  # stream sample where the VAD's clock starts
        self._vad_pos = 0  # stream sample the VAD has read up to
        self._stream = _Stream()
        self._utt: _Utterance | None = None

    def _vad_frame(self, frame: np.ndarray) -> list[Heard]:
        was = self._vad.in_speech
        speech = self._vad.process(frame.tobytes())
        self._vad_pos += len(frame)
        if speech is None:
            return []
        if not was or self._utt is None:
            self._begin(self._vad_offset + round(self._vad.speech_start * SAMPLE_RATE))
        if not self._vad.in_speech:
            end = self._vad_offset + round(self._vad.speech_end * SAMPLE_RATE)
            return [self._finish(end + round(self.settings.tail_s * SAMPLE_RATE))]
        # what lies within the VAD's window may turn out to be after the end of speech
        self._feed_decoder(self._vad_pos - round(self.settings.vad_window_s * SAMPLE_RATE))
        return []

    def _begin(self, start: int) -> None:
        dictation = self.awaiting_note
        decoder = self._dictation_decoder() if dictation else self._decoder
        if not dictation:
            search = "wake" if self.require_wake else "commands"
            if decoder.current_search() != search:
                decoder.activate_search(search)
        decoder.start_utt()
        self._utt = _Utterance(start, start, dictation, decoder=decoder)

    def _feed_decoder(self, upto: int) -> None:
        u = self._utt
        assert u is not None
        limit = self.settings.note_max_s if u.dictation else self.settings.command_seconds(self.commands)
        if (upto - u.start) / SAMPLE_RATE > limit:
            u.too_long = True  # stop decoding: it is no command, so spare the CPU
        if u.too_long or upto <= u.fed:
            return
        parts = [a[max(0, u.fed - first):upto - first] for first, a in self._stream.history
                 if first + len(a) > u.fed and first < upto]
        if parts:
            data = np.concatenate(parts)
            u.decoder.process_raw(data.tobytes(), False, False)
            u.fed += len(data)

    def _finish(self, end: int) -> Heard:
        u = self._utt
        assert u is not None
        end = min(end, self._stream.samples)
        self._feed_decoder(end)
        u.decoder.end_utt()
        self._utt = None
        # "now" is where the VAD has read to: a chunk fed at once is decided as if streamed
        t0, t1, now = u.start / SAMPLE_RATE, end / SAMPLE_RATE, self._vad_pos / SAMPLE_RATE
        hyp = u.decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        prob = float(hyp.prob) if hyp is not None else 0.0
        heard = Heard(t0, t1, now, text, None, round(prob, 3))
        if u.too_long:
            return replace(heard, reason="too long")
        if u.dictation:
            self._note_until = -1.0
            return replace(heard, command="note_text") if text else replace(heard, reason="no note heard")
        words = tuple(text.split())
        woke = words[: len(self._wake)] == self._wake
        if woke:
            words = words[len(self._wake):]
        if not words and woke:
            if prob < self.settings.min_confidence:
                return replace(heard, command="wake", reason="unsure")
            self._woken_until = now + self.settings.wake_window_s
            return replace(heard, command="wake")
        command = self.commands.command(" ".join(words))
        if command is None:
            return replace(heard, reason="not a command")
        heard = replace(heard, command=command)
        if prob < self.settings.min_confidence:
            return replace(heard, reason="unsure")
        if self.require_wake and not woke and now > self._woken_until:
            return replace(heard, reason="no wake phrase")
        self._woken_until = -1.0
        if command == "note":
            self._note_until = now + self.settings.note_window_s
        return heard

    def _dictation_decoder(self):
        if self._dictation is None:
            if "lm" not in self._files:
                raise ModelError("the model folder has no language model (.lm.bin) for notes")
            from pocketsphinx import Config, Decoder

            self._dictation = Decoder(Config(hmm=self._files["hmm"], dict=self._files["dict"],
                                             lm=self._files["lm"], loglevel="FATAL", logfn=os.devnull))
        return self._dictation


def recognise(pcm: np.ndarray, commands: CommandSet | None = None,
              settings: RecognizerSettings | None = None, chunk: int = 1600) -> list[Heard]:
    """Everything heard in ``pcm`` (whole-file helper: fed in 0.1 s chunks, then flushed)."""
    recognizer = Recognizer(commands, settings)
    out: list[Heard] = []
    for i in range(0, len(pcm), chunk):
        out += recognizer.feed(pcm[i:i + chunk])
    return out + recognizer.flush()
