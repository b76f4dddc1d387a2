"""Offline command recognition on a stream of 16 kHz 16-bit mono audio (PocketSphinx 5).

No clock, no thread, no Qt: the caller feeds chunks (a microphone callback, a file, a
test) and gets ``Heard`` results, each with stream times, so files, tests and the live
microphone go through the same code. Audio is kept only as long as the utterance being
decoded needs it (the utterance, within its length limit, and about a second before it):
nothing is written anywhere.

How it works (measured, see README "Voice" and bench/bench_voice.py; every setting chosen
on the tuning voices and the tuning non-command speech only):

* **Noise suppression** first (``denoise.py``): in a 10 dB room nearly all errors were the
  noise's; a gentle spectral subtraction took the tuning commands from 88 % to 94 %.
* **Tight endpoints** from a frame-level voice activity detector (WebRTC VAD, 30 ms frames,
  on pre-emphasised audio), with energy above 4 kHz counted as speech too (``band_activity.py``:
  the VAD works at 8 kHz and is deaf to the "kst st" of "next step"): an utterance starts
  at the first of two speech frames in three and is decoded from ``lead_s`` before it to
  ``tail_s`` after its last speech frame; it ends after ``end_s`` of non-speech. The
  grammar search turns room noise at the edges into phones ("pass" became "fail" with 0.35
  s of noise after it), so the cut matters: tuning commands 94 % -> 98.8 %. The first
  ``WARM_UP`` of a recogniser starts nothing.
* **The end**: with the VAD alone, 0.3 s of non-speech was the least that kept "next step"
  whole (at 0.2 s, 14 of the 18 tuning streams split it), for a median of 0.37 s from the
  end of speech to the command. With the band above 4 kHz heard, the longest "non-speech"
  inside a tuning phrase is 0.09 s, and 0.2 s ends an utterance with the same accuracy
  (tuning 160/162 either way) at a median of 0.28 s. 0.15 s let one false command through
  in the tuning non-command speech.
* **Early decision** (``early``, off by default): after ``early_pause_s`` (0.15 s) of
  non-speech the grammar's best path so far is taken when it is a whole command that is not
  the start of a longer phrase and had at least ``early_min_speech_s`` (0.3 s) of speech
  (without that minimum the "nex-" of "next step" was taken alone as "repeat"). Tuning: the
  same 160/162, median 0.22 s; 0.12 s let two false commands through. It answers sooner
  for a little less margin against pauses inside a phrase, so it is the user's choice.
* **The first command** a decoder hears is decoded again with its own cepstral mean (then
  the live mean is put back): the model's initial mean knows nothing of this voice and
  room. First command of a live stream, tuning voices: 146 -> 158 of 162.
* **Rejection**, in turn: **too long** (longer than a command of the set can take:
  continuous speech runs on), **too short** (a click), **no voice** (under 0.06 s of
  energy below 1 kHz, where vowels are: a hiss; tuning commands have at least 0.12 s, a
  minute of hiss bursts at most 0.03 s), **not a command** (the search ended
  inside a phrase), **unsure** (a posterior below ``min_confidence``, off by default), **no
  wake phrase**. A phone-loop confidence (PocketSphinx ``allphone`` decoded alongside) was
  tried: its path scores are normalised (about 1) and its phones matched the recognised
  command's for a median 20 % on right tuning commands: no separation, so it is not used.
* **Files** (``recognise_file``) are heard twice: first all of it only to learn the room
  (noise estimate, VAD, the decoder's own noise removal), then decoded from the start. A
  file often starts with the word (espeak-ng writes 0.05 s before it); learning as it went,
  the recogniser got 41 % of such one-command tuning files right, now 99-100 % (with the first
  command decoded with its own mean, which made setting the decoder's mean to the whole
  file's, as before, no better: 161/161 of 162 either way).
* Wake mode: the wake phrase and the command in one breath ("hey computer, next step"), or
  the wake phrase alone, which opens a window for one command. "note" makes the next
  utterance dictation, decoded with the model's general language model.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from devices.voice.band_activity import HIGH_BAND, VOICE_BAND, BandActivity, frame_power
from devices.voice.commands import CommandSet
from devices.voice.denoise import NoiseSuppressor

SAMPLE_RATE = 16000
#: the VAD's frame: 30 ms
FRAME = 480
#: the recogniser's first audio that cannot start an utterance (0.24 s): the VAD adapts to the room
#: (at the start of every tuning stream it heard "speech" in the noise)
WARM_UP = 8 * FRAME

#: room audio the decoder is given (``hear_room``) goes in pieces this long (its search
#: history grows with every frame: bounded)
ROOM_PIECE = SAMPLE_RATE

#: Gaussians scored per codebook (the wheel's default 4): tuning voices, 10 dB room, one
#: command a file 161/160 -> 161/161 of 162, first command of a stream 157 -> 158, streams in
#: a 5 dB room 143 -> 146 (16: no better); the real-time factor stays near 0.01
TOPN = 8

#: the grammar's silence-word probability (the wheel's default 0.005): a pause inside an
#: utterance ("hey computer, go back") went to the noise-like /f/ of "fail" instead of
#: silence. Tuning voices, wake phrase and a comma: 45 -> 50 of 54; streams 160 -> 161 and
#: files 161/161 -> 162/161 of 162, first command of a stream 158 -> 157 (0.02: 47 of 54)
SILPROB = 0.05

#: No posterior threshold by default (the lattice posterior rejected the real recording
#: "go forward ten meters"; with the lattice pass off it is always 1): see README "Voice".
DEFAULT_MIN_CONFIDENCE = 0.0


@dataclass(frozen=True)
class RecognizerSettings:
    """How utterances are cut and judged (defaults: the measured operating point)."""

    #: WebRTC VAD aggressiveness (0-3) and how many of the last three frames start speech
    vad_mode: int = 0
    start_frames: int = 2
    #: a frame with power above 4 kHz this far over the room's is speech too (None: off;
    #: see band_activity.py)
    high_band_db: float | None = 6.0
    #: a command has at least ``min_voice_s`` of frames whose power below 1 kHz stands
    #: ``voice_db`` over the room's (vowels; a hiss has none: see band_activity.py)
    voice_db: float = 6.0
    min_voice_s: float = 0.06
    #: audio given to the decoder before the first and after the last speech frame
    lead_s: float = 0.05
    tail_s: float = 0.15
    #: non-speech that ends any utterance (a note: ``note_end_s``)
    end_s: float = 0.2
    note_end_s: float = 0.6
    #: the least speech a command has
    min_speech_s: float = 0.12
    #: noise suppression: the least gain a frequency bin keeps (None: off; see denoise.py)
    noise_floor: float | None = 0.5
    #: posterior a phrase needs
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    #: take a whole command after ``early_pause_s`` of non-speech (else always wait
    #: ``end_s``) if it had at least ``early_min_speech_s`` of speech: faster, with less
    #: margin for a pause inside a phrase, so off by default (see the module doc)
    early: bool = False
    early_pause_s: float = 0.15
    early_min_speech_s: float = 0.3
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

    def command_seconds(self, commands: CommandSet, wake: bool = False) -> float:
        """The longest utterance a command of ``commands`` may take; with ``wake``, said in
        one breath after the wake phrase (whose words count too)."""
        if self.max_seconds is not None:
            return self.max_seconds
        words = commands.max_words + (len(self.wake_phrase.split()) if wake else 0)
        return 1.0 + 0.4 * words


@dataclass(frozen=True)
class Heard:
    """One utterance and what became of it (times in seconds of the stream)."""

    start: float
    end: float
    #: when the decision was made (stream time: the audio fed so far)
    decided: float
    phrase: str
    command: str | None
    #: the decoder's posterior, 0-1 (1 with the lattice pass off)
    confidence: float
    #: "" when accepted, else why not ("too long", "too short", "no voice", "not a command",
    #: "unsure", "no wake phrase", "no note heard")
    reason: str = ""
    #: decided before ``end_s`` of non-speech (a whole, confident command)
    early: bool = False

    @property
    def accepted(self) -> bool:
        return self.command is not None and not self.reason


class ModelError(RuntimeError):
    """The model folder cannot be used: one line for the user."""


def model_files(model_dir: Path | None) -> dict[str, str]:
    """PocketSphinx config entries (hmm, dict, lm) for a model folder, or the wheel's (lm: the
    general language model for notes; a phone language model beside it is not one)."""
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
    lms = [p for p in sorted(folder.glob("*.lm.bin")) + sorted(folder.glob("*.lm")) + sorted(folder.glob("*.lm.dmp"))
           if "phone" not in p.name]
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
    fed: int  # samples given to the decoders
    dictation: bool
    last_speech: int  # end of the last speech frame
    speech: int = 0  # samples of speech frames
    voice: int = 0  # samples of frames with a voice's energy (below 1 kHz)
    too_long: bool = False
    looked: bool = False  # the early decision was looked at in this pause
    decoder: object = None


@dataclass
class _Stream:
    """Where the stream is: samples seen, the short history and the VAD's leftovers."""

    samples: int = 0
    history: deque = field(default_factory=deque)  # (first sample, int16 array)
    pending: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    last: float = 0.0  # previous sample (pre-emphasis across chunks)
    recent: deque = field(default_factory=lambda: deque(maxlen=3))  # (first sample, speech?)


class Recognizer:
    """Feed 16 kHz int16 chunks with ``feed``; it returns what it heard (see module doc)."""

    def __init__(self, commands: CommandSet | None = None,
                 settings: RecognizerSettings | None = None) -> None:
        from pocketsphinx import Vad

        self.commands = commands or CommandSet()
        self.settings = settings or RecognizerSettings()
        #: take commands only after the wake phrase (the window's wake mode)
        self.require_wake = False
        self._files = model_files(self.settings.model_dir)
        self._decoder = _decoder(self._files, topn=TOPN, silprob=SILPROB)
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
        phrases = [tuple(p.split()) for p in self.commands.phrases]
        #: word sequences that are the start of a longer phrase (a pause there is not an end)
        self._prefixes = {p[:k] for p in [*phrases, *((*self._wake, *q) for q in phrases)]
                          for k in range(1, len(p))}
        self._woken_until = -1.0
        self._note_until = -1.0
        self._vad = Vad(self.settings.vad_mode)
        if self._vad.frame_bytes != 2 * FRAME:
            raise ModelError(f"the VAD's frame is {self._vad.frame_bytes // 2} samples, expected {FRAME}")
        db = self.settings.high_band_db
        self._high_band = BandActivity(HIGH_BAND, db) if db is not None else None
        self._voice = BandActivity(VOICE_BAND, self.settings.voice_db)
        floor = self.settings.noise_floor
        self._suppressor = NoiseSuppressor(floor) if floor is not None and floor < 1.0 else None
        self._heard = 0  # samples the VAD has judged since the recogniser was made
        #: whether the decoder's live cepstral mean has learned from a command yet; until
        #: then a command is decoded with its own
        self._mean_of_speech = False
        #: samples of the room given to the decoder in the current piece (None: no piece open)
        self._room_piece: int | None = None
        self._cmn_before_room = ""  # the decoder's cepstral mean, put back after each piece
        #: ``hear_room``'s state: audio short of a VAD frame, the last sample, and whether
        #: the next ``feed`` must start a fresh stream
        self._room, self._room_last, self._in_room = np.zeros(0, np.int16), 0.0, False
        self._restart_at(0)

    # -- public ----------------------------------------------------------------------------
    @property
    def in_speech(self) -> bool:
        """Whether an utterance is under way (the indicator's "hearing")."""
        return self._utt is not None

    @property
    def time(self) -> float:
        """Seconds of audio fed so far."""
        return self._input / SAMPLE_RATE

    @property
    def awaiting_note(self) -> bool:
        return self._vad_pos / SAMPLE_RATE <= self._note_until

    def feed(self, chunk: np.ndarray | bytes, t: float | None = None) -> list[Heard]:
        """Take the next ``chunk`` (int16 samples or their bytes); ``t`` (seconds) where it
        starts, when the stream had a gap (push-to-talk): the pending utterance ends first."""
        pcm = np.frombuffer(chunk, dtype="<i2") if isinstance(chunk, bytes | bytearray) else np.asarray(chunk, np.int16)
        out: list[Heard] = []
        if self._in_room:  # after ``hear_room``: a fresh stream, the room audio in flight dropped
            self._in_room, self._room = False, np.zeros(0, np.int16)
            if self._suppressor is not None:
                self._suppressor.reset()
            self._restart_at(self._input)
        if t is not None and abs(t - self.time) > 1.0 / SAMPLE_RATE:
            out += self.flush()
            self._restart_at(max(0, round(t * SAMPLE_RATE)))
        self._input += len(pcm)
        if self._suppressor is None:
            return out + self._take(pcm)
        clean = self._suppressor.process(pcm)
        if self._skip:  # the suppressor's first output is its delay: silence before the stream
            cut = min(self._skip, len(clean))
            clean, self._skip = clean[cut:], self._skip - cut
        return out + self._take(clean)

    def hear_room(self, chunk: np.ndarray | bytes) -> None:
        """Audio that is not to be decoded (push-to-talk with its key up): it only teaches
        the noise estimate, the VAD and the decoder's noise removal the room, so the next
        press is heard from its first frame (a recogniser otherwise spends its first
        ``WARM_UP`` learning). Nothing of it is kept; the next ``feed`` starts a fresh stream."""
        pcm = np.frombuffer(chunk, dtype="<i2") if isinstance(chunk, bytes | bytearray) else np.asarray(chunk, np.int16)
        clean = pcm if self._suppressor is None else self._suppressor.process(pcm)
        clean = np.clip(np.rint(clean), -32768, 32767).astype(np.int16)
        self._decoder_hears_room(clean)
        x = pcm.astype(np.float64)
        emphasised = np.clip(x - 0.97 * np.concatenate([[self._room_last], x[:-1]]), -32768, 32767).astype(np.int16)
        self._room_last = float(x[-1]) if len(x) else self._room_last
        self._room = np.concatenate([self._room, emphasised])
        used = 0
        while len(self._room) - used >= FRAME:
            self._judge(self._room[used:used + FRAME])
            self._heard += FRAME
            used += FRAME
        self._room = self._room[used:]
        self._in_room = True

    def recognise_file(self, pcm: np.ndarray, chunk: int = 1600) -> list[Heard]:
        """Everything heard in a whole recording, its times from its start.

        The room is learned from all of it first (``hear_room``); then it is fed in 0.1 s
        chunks as a microphone would be, and flushed. A file often starts with the speech
        (espeak-ng writes 0.05 s before the word), where a stream learning as it goes judges
        the first word against a room it has not heard yet. One command a file, tuning
        voices, word 0.05 s / 0.5 s in: 41 % / 86 % right learning as it went, 93 % / 97 %
        with the room learned first, 99 % / 99 % now (README "Voice")."""
        self.flush()
        for i in range(0, len(pcm), chunk):
            self.hear_room(pcm[i:i + chunk])
        self._end_room_piece()
        out = self.feed(pcm[:0], t=0.0)
        for i in range(0, len(pcm), chunk):
            out += self.feed(pcm[i:i + chunk])
        return out + self.flush()

    def flush(self) -> list[Heard]:
        """End the stream here (end of file, push-to-talk released): decide the utterance
        under way, if any, and start afresh (what is known of the room's noise is kept)."""
        out: list[Heard] = []
        if self._suppressor is not None:
            rest = self._suppressor.flush()
            out += self._take(rest[min(self._skip, len(rest)):])
        u = self._utt
        if u is not None:
            self._vad_pos = self._stream.samples  # decided now: at the end of what was fed
            out.append(self._finish(u.last_speech + round(self.settings.tail_s * SAMPLE_RATE)))
        self._restart_at(self._input)
        return out

    # -- internals ---------------------------------------------------------------------------
    def _restart_at(self, sample: int) -> None:
        """A fresh stream from ``sample`` on (start, a gap, after a flush)."""
        self._stream = _Stream(samples=sample)
        self._input = sample
        self._first = self._vad_pos = sample  # where the stream starts, and the VAD has read to
        self._utt: _Utterance | None = None
        self._skip = 0 if self._suppressor is None else self._suppressor.delay

    def _take(self, samples: np.ndarray) -> list[Heard]:
        """The (noise-suppressed) stream's next samples: history, VAD, decoders."""
        pcm = np.clip(np.rint(samples), -32768, 32767).astype(np.int16)
        out: list[Heard] = []
        s = self._stream
        s.history.append((s.samples, pcm))
        s.samples += len(pcm)
        u = self._utt  # an utterance's audio is kept whole (bounded by its length limit)
        while s.history and s.history[0][0] + len(s.history[0][1]) < s.samples - SAMPLE_RATE and (
                u is None or u.too_long or s.history[0][0] + len(s.history[0][1]) < u.start):
            s.history.popleft()
        if len(pcm):
            x = pcm.astype(np.float64)
            emphasised = np.empty(len(pcm), np.float64)
            emphasised[0] = x[0] - 0.97 * s.last
            emphasised[1:] = x[1:] - 0.97 * x[:-1]
            s.last = float(x[-1])
            s.pending = np.concatenate([s.pending, np.clip(emphasised, -32768, 32767).astype(np.int16)])
        used = 0
        while len(s.pending) - used >= FRAME:
            out += self._vad_frame(s.pending[used:used + FRAME])
            used += FRAME
        s.pending = s.pending[used:]
        return out

    def _judge(self, frame: np.ndarray) -> tuple[bool, bool]:
        """(speech: the VAD's decision, or energy above the band it hears; voice: energy
        where vowels are). All three learn the room from every frame."""
        speech = self._vad.is_speech(frame.tobytes())
        power = frame_power(frame)
        if self._high_band is not None:
            speech = self._high_band.hears(power) or speech
        return speech, self._voice.hears(power)

    def _vad_frame(self, frame: np.ndarray) -> list[Heard]:
        speech, voice = self._judge(frame)
        first, end = self._vad_pos, self._vad_pos + FRAME
        self._vad_pos = end
        st, u = self.settings, self._utt
        if u is None:
            self._heard += FRAME
            if self._heard <= WARM_UP:  # the VAD and the noise estimate learn the room first
                return []
            recent = self._stream.recent
            recent.append((first, speech))
            if sum(f for _, f in recent) >= st.start_frames:
                onset = next(p for p, f in recent if f)
                u = self._begin(max(self._first, onset - round(st.lead_s * SAMPLE_RATE)))
                u.speech = sum(FRAME for _, f in recent if f)
                u.voice = FRAME * voice
                u.last_speech = end
                recent.clear()
                self._feed_decoders(end)
            return []
        u.voice += FRAME * (voice and speech)
        if speech:
            u.last_speech, u.looked = end, False
            u.speech += FRAME
            self._feed_decoders(end)
            return []
        tail = u.last_speech + round(st.tail_s * SAMPLE_RATE)
        self._feed_decoders(min(end, tail))
        quiet = (end - u.last_speech) / SAMPLE_RATE
        if quiet >= (st.note_end_s if u.dictation else st.end_s):
            return [self._finish(tail)]
        if st.early and quiet >= st.early_pause_s and not u.looked and not u.dictation and not u.too_long:
            u.looked = True  # once a pause: the decoder has the pause's first tail_s
            if self._whole_and_sure(u):
                return [self._finish(tail, early=True)]
        return []

    def _decoder_hears_room(self, pcm: np.ndarray) -> None:
        """Give the decoder room audio, its result dropped (``hear_room``): PocketSphinx's
        own noise removal tracks the room only in what it is given, and a fresh decoder given
        only an utterance learns its noise level from the speech. One command per file, 0.05
        s / 0.5 s in: 144 of 162 tuning commands right either way without this, 150 / 157
        with it. The piece's cepstral mean is put back afterwards: the model expects the mean
        of speech, not of the room. (Given the room between utterances of a live stream too,
        it changed nothing measurable, 158-160 of 162, so it is not.)"""
        d = self._decoder
        if not len(pcm):
            return
        if self._room_piece is None:
            self._cmn_before_room = d.get_cmn(False)
            d.start_utt()
            self._room_piece = 0
        d.process_raw(pcm.tobytes(), False, False)
        self._room_piece += len(pcm)
        if self._room_piece >= ROOM_PIECE:
            self._end_room_piece()

    def _end_room_piece(self) -> None:
        if self._room_piece is not None:
            self._decoder.end_utt()
            self._decoder.set_cmn(self._cmn_before_room)
            self._room_piece = None

    def _begin(self, start: int) -> _Utterance:
        self._end_room_piece()
        dictation = self.awaiting_note
        decoder = self._dictation_decoder() if dictation else self._decoder
        if not dictation:
            search = "wake" if self.require_wake else "commands"
            if decoder.current_search() != search:
                decoder.activate_search(search)
        decoder.start_utt()
        self._utt = _Utterance(start, start, dictation, start, decoder=decoder)
        return self._utt

    def _feed_decoders(self, upto: int) -> None:
        u = self._utt
        assert u is not None
        limit = self.settings.note_max_s if u.dictation else self.settings.command_seconds(
            self.commands, wake=self.require_wake)
        if (upto - u.start) / SAMPLE_RATE > limit:
            u.too_long = True  # stop decoding: it is no command, so spare the CPU
        if u.too_long or upto <= u.fed:
            return
        data = self._audio(u.fed, upto)
        if data:
            u.decoder.process_raw(data, False, False)
            u.fed += len(data) // 2

    def _audio(self, start: int, end: int) -> bytes:
        """The (noise-suppressed) stream's samples ``start:end`` still in its history."""
        parts = [a[max(0, start - first):end - first] for first, a in self._stream.history
                 if first + len(a) > start and first < end]
        return np.concatenate(parts).tobytes() if parts else b""

    def _split(self, text: str) -> tuple[bool, tuple[str, ...]]:
        """(whether it starts with the wake phrase, the words after it)."""
        words = tuple(text.split())
        woke = words[: len(self._wake)] == self._wake
        return woke, words[len(self._wake):] if woke else words

    def _whole_and_sure(self, u: _Utterance) -> bool:
        """The early decision: the best path so far is a whole command (not the start of a
        longer phrase, not the wake phrase alone) and ends in at least ``early_silence_s``
        of silence (the decoder's own end of speech), with enough speech and confidence."""
        hyp = u.decoder.hyp()
        if hyp is None or u.speech < max(self.settings.min_speech_s, self.settings.early_min_speech_s) * SAMPLE_RATE:
            return False
        words = tuple(hyp.hypstr.split())
        _, command = self._split(hyp.hypstr)
        if not command or words in self._prefixes or self.commands.command(" ".join(command)) is None:
            return False
        return float(hyp.prob) >= self.settings.min_confidence

    def _finish(self, end: int, early: bool = False) -> Heard:
        u = self._utt
        assert u is not None
        end = min(end, self._stream.samples)
        self._feed_decoders(end)
        u.decoder.end_utt()
        self._utt = None
        t0, t1, now = u.start / SAMPLE_RATE, end / SAMPLE_RATE, self._now()
        st = self.settings
        too_short = u.speech < st.min_speech_s * SAMPLE_RATE
        no_voice = u.voice < st.min_voice_s * SAMPLE_RATE
        command_like = not (u.dictation or u.too_long or too_short or no_voice)
        if command_like and not self._mean_of_speech:
            self._decode_with_own_mean(u, end)
        self._mean_of_speech |= command_like
        hyp = u.decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        confidence = round(float(hyp.prob), 3) if hyp is not None else 0.0
        heard = Heard(t0, t1, now, text, None, confidence, early=early)
        if u.too_long:
            return replace(heard, reason="too long")
        if u.dictation:
            self._note_until = -1.0
            return replace(heard, command="note_text") if text else replace(heard, reason="no note heard")
        if too_short:
            return replace(heard, reason="too short")
        if no_voice:
            return replace(heard, reason="no voice")
        woke, words = self._split(text)
        if not words and woke:
            if confidence < self.settings.min_confidence:
                return replace(heard, command="wake", reason="unsure")
            self._woken_until = now + self.settings.wake_window_s
            return replace(heard, command="wake")
        command = self.commands.command(" ".join(words))
        if command is None:
            return replace(heard, reason="not a command")
        heard = replace(heard, command=command)
        if confidence < self.settings.min_confidence:
            return replace(heard, reason="unsure")
        if self.require_wake and not woke and now > self._woken_until:
            return replace(heard, reason="no wake phrase")
        self._woken_until = -1.0
        if command == "note":
            self._note_until = now + self.settings.note_window_s
        return heard

    def _decode_with_own_mean(self, u: _Utterance, end: int) -> None:
        """Decode the utterance again with its own cepstral mean, then put the live mean
        back: the first command a decoder hears is otherwise judged against the model's
        initial mean, which knows nothing of this voice, microphone and room. First command
        of a live stream (1.5 s of room first), tuning voices: 146 of 162 right, 158 with
        this; later commands are judged against the mean their predecessors left."""
        audio = self._audio(u.start, end)
        d = u.decoder
        live = d.get_cmn(False)
        d.start_utt()
        d.process_raw(audio, True, True)  # features only, whole: leaves the batch mean
        d.end_utt()
        d.start_utt()
        d.process_raw(audio, False, False)
        d.end_utt()
        d.set_cmn(live)

    def _now(self) -> float:
        """When a decision made now is ready, in stream seconds: where the VAD has read to,
        plus the suppressor's delay (a chunk fed at once is decided as if streamed)."""
        lag = 0 if self._suppressor is None else self._suppressor.delay
        return min(self._input, self._vad_pos + lag) / SAMPLE_RATE

    def _dictation_decoder(self):
        if self._dictation is None:
            if "lm" not in self._files:
                raise ModelError("the model folder has no language model (.lm.bin) for notes")
            from pocketsphinx import Config, Decoder

            self._dictation = Decoder(Config(hmm=self._files["hmm"], dict=self._files["dict"],
                                             lm=self._files["lm"], loglevel="FATAL", logfn=os.devnull))
        return self._dictation


def recognise(pcm: np.ndarray, commands: CommandSet | None = None,
              settings: RecognizerSettings | None = None) -> list[Heard]:
    """Everything heard in a whole recording ``pcm`` (see ``Recognizer.recognise_file``)."""
    return Recognizer(commands, settings).recognise_file(pcm)
