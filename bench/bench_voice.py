"""Voice commands: real-time factor, latency from end of speech to the command, accuracy and
false accepts, ours against bare PocketSphinx in the same run.

Input: the default commands spoken by espeak-ng (tests/voice_audio.py: the tuning voices
and speeds, the held-out ones and two fresh held-out sets, each named in the output; room
noise at 10 dB SNR), one command per file, one command after 1.5 s of room in a fresh
stream, and one stream per voice and speed; and non-command sounds: the real LibriVox
narration and numbers recording (tests/data/speech), espeak-ng reading sentences without
commands, and a minute of hiss bursts (2-7.8 kHz, like an air hose).

* ours: ``devices.voice.recognizer.Recognizer``: files through ``recognise_file``, streams
  fed 0.1 s chunks as a microphone would (also with its early decision on: a whole command
  taken after a 0.15 s pause);
* bare PocketSphinx: files decoded whole with the same command grammar; streams cut by its
  own ``Endpointer`` (defaults), the grammar decoding each segment (what the pocketsphinx
  README's segmenter does).

Latency = when the answer is ready - the true end of the phrase: stream time the decision
needed (the VAD must hear the silence) plus the wall time of the chunk that decided it.
Run: ``.venv/bin/python bench/bench_voice.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pocketsphinx import Endpointer  # noqa: E402

from devices.voice.commands import DEFAULT_PHRASES, CommandSet  # noqa: E402
from devices.voice.recognizer import Recognizer, RecognizerSettings, _decoder, grammar, model_files  # noqa: E402
from tests.voice_audio import (  # noqa: E402
    FRESH,
    FRESH_2,
    HELD_OUT,
    NARRATION,
    NON_COMMANDS_HELD_OUT,
    NON_COMMANDS_TUNING,
    TUNING,
    command_streams,
    hiss_bursts,
    read_speech,
    speech_stream,
    synth,
)

RATE = 16000
CHUNK = 1600
SPLITS = (("tuning", TUNING), ("held-out", HELD_OUT), ("fresh held-out", FRESH), ("fresh held-out 2", FRESH_2))


def ours(pcm: np.ndarray, early: bool = False) -> tuple[list[tuple[float, float, float, str | None, float]], float]:
    """[(start, end, ready_at, command or None, wall s of the deciding chunk)], total wall s."""
    r = Recognizer(settings=RecognizerSettings(early=early))
    out, wall = [], 0.0
    for i in range(0, len(pcm), CHUNK):
        t = time.perf_counter()
        heard = r.feed(pcm[i:i + CHUNK])
        dt = time.perf_counter() - t
        wall += dt
        out += [(h.start, h.end, h.decided, h.command if h.accepted else None, dt) for h in heard]
    t = time.perf_counter()
    heard = r.flush()
    wall += time.perf_counter() - t
    out += [(h.start, h.end, h.decided, h.command if h.accepted else None, 0.0) for h in heard]
    return out, wall


class Bare:
    """pocketsphinx as its README shows it: Endpointer segments, the grammar decodes each."""

    def __init__(self) -> None:
        self.decoder = _decoder(model_files(None))
        self.decoder.add_jsgf_string("commands", grammar(CommandSet()))
        self.decoder.activate_search("commands")

    def run(self, pcm: np.ndarray) -> tuple[list[tuple[float, float, float, str | None, float]], float]:
        ep = Endpointer()
        n = ep.frame_bytes // 2
        out, wall, buf, pos = [], 0.0, [], 0
        for i in range(0, len(pcm) - n + 1, n):
            t = time.perf_counter()
            speech = ep.process(pcm[i:i + n].tobytes())
            pos = i + n
            if speech is not None:
                if not buf:
                    self.decoder.start_utt()
                buf.append(speech)
                self.decoder.process_raw(speech, False, False)
                if not ep.in_speech:
                    self.decoder.end_utt()
                    hyp = self.decoder.hyp()
                    phrase = hyp.hypstr.strip() if hyp is not None else ""
                    dt = time.perf_counter() - t
                    out.append((ep.speech_start, ep.speech_end, pos / RATE, DEFAULT_PHRASES.get(phrase), dt))
                    buf = []
            wall += time.perf_counter() - t
        if buf:
            self.decoder.end_utt()
            out.append((ep.speech_start, len(pcm) / RATE, len(pcm) / RATE, None, 0.0))
        return out, wall


def score(name: str, runs, streams) -> None:
    phrases = list(DEFAULT_PHRASES)
    right = total = 0
    latency, confusions = [], {}
    for (_voice, _speed, _stream, spans), (out, _) in zip(streams, runs, strict=True):
        for (a, b), phrase in zip(spans, phrases, strict=True):
            total += 1
            got = [o for o in out if o[3] is not None and o[0] < b + 0.2 and o[1] > a - 0.2]
            if [o[3] for o in got] == [DEFAULT_PHRASES[phrase]]:
                right += 1
                latency.append(got[0][2] - b + got[0][4])
            else:
                key = f"{phrase} -> {'+'.join(o[3] for o in got) or 'nothing'}"
                confusions[key] = confusions.get(key, 0) + 1
    lat = (f"latency median {1000 * statistics.median(latency):.0f} ms, p90 "
           f"{1000 * float(np.percentile(latency, 90)):.0f} ms" if latency else "latency: no answers")
    print(f"  {name}: {right}/{total} right ({100 * right / total:.1f} %), {lat}")
    if confusions:
        print("    confusions: " + ", ".join(f"{k} ×{v}" for k, v in sorted(confusions.items())))


def files(bare: Bare) -> None:
    """One command per file, as ``xrjig listen a.wav b.wav`` is given them: the word 0.05 s
    in (as espeak-ng writes it) or 0.5 s in, room noise at 10 dB SNR, a fresh recogniser per
    file; bare PocketSphinx decodes each whole file with the same grammar."""
    phrases = list(DEFAULT_PHRASES)
    print("one command per file (fresh recogniser each; room noise 10 dB SNR):")
    for label, (voices, speeds) in SPLITS:
        for lead in (0.05, 0.5):
            right = {"ours": 0, "bare": 0}
            total = 0
            for i, voice in enumerate(voices):
                for j, speed in enumerate(speeds):
                    for n, phrase in enumerate(phrases):
                        pcm, _ = speech_stream([synth(phrase, voice, speed)], 10.0, seed=5000 + 100 * i + 10 * j + n,
                                               lead_s=lead, gap_s=0.6)
                        total += 1
                        got = [h.command for h in Recognizer().recognise_file(pcm) if h.accepted]
                        right["ours"] += got == [DEFAULT_PHRASES[phrase]]
                        bare.decoder.start_utt()
                        bare.decoder.process_raw(pcm.tobytes(), False, True)
                        bare.decoder.end_utt()
                        hyp = bare.decoder.hyp()
                        right["bare"] += hyp is not None and hyp.hypstr.strip() == phrase
            print(f"  {label}, word {lead} s in: ours {right['ours']}/{total} ({100 * right['ours'] / total:.1f} %), "
                  f"bare pocketsphinx {right['bare']}/{total} ({100 * right['bare'] / total:.1f} %)")


def first_commands() -> None:
    """The first command of a live stream: 1.5 s of room, then one command, fed in 0.1 s
    chunks to a fresh recogniser (a person switching voice on and speaking)."""
    phrases = list(DEFAULT_PHRASES)
    print("first command of a live stream (1.5 s of room first; room noise 10 dB SNR):")
    for label, (voices, speeds) in SPLITS:
        right = total = 0
        for i, voice in enumerate(voices):
            for j, speed in enumerate(speeds):
                for n, phrase in enumerate(phrases):
                    pcm, _ = speech_stream([synth(phrase, voice, speed)], 10.0, seed=9000 + 100 * i + 10 * j + n,
                                           gap_s=0.6)
                    total += 1
                    right += [o[3] for o in ours(pcm)[0] if o[3] is not None] == [DEFAULT_PHRASES[phrase]]
        print(f"  {label}: ours {right}/{total} ({100 * right / total:.1f} %)")


def main() -> None:
    bare = Bare()
    files(bare)
    first_commands()
    print("commands: espeak-ng voices x speeds, room noise 10 dB SNR (0.1 s chunks)")
    audio = wall_ours = wall_bare = 0.0
    for label, split in SPLITS:
        streams = command_streams(split, list(DEFAULT_PHRASES))
        runs_ours = [ours(s[2]) for s in streams]
        runs_bare = [bare.run(s[2]) for s in streams]
        audio += sum(len(s[2]) for s in streams) / RATE
        wall_ours += sum(w for _, w in runs_ours)
        wall_bare += sum(w for _, w in runs_bare)
        print(f" {label} ({', '.join(split[0])} at {', '.join(map(str, split[1]))} wpm):")
        score("ours", runs_ours, streams)
        score("ours, early decision on", [ours(s[2], early=True) for s in streams], streams)
        score("bare pocketsphinx", runs_bare, streams)
    print("non-command speech (false accepts):")
    negatives = [read_speech(n) for n in (*NARRATION, "numbers.raw")]
    negatives += [speech_stream([synth(t, v, 165) for t in texts], seed=7)[0]
                  for texts, v in ((NON_COMMANDS_TUNING, "en-us"), (NON_COMMANDS_TUNING, "en-gb-scotland"),
                                   (NON_COMMANDS_HELD_OUT, "en-gb"), (NON_COMMANDS_HELD_OUT, "en-029"))]
    minutes = sum(len(x) for x in negatives) / RATE / 60
    real_minutes = sum(len(x) for x in negatives[:3]) / RATE / 60
    hiss, bursts = hiss_bursts(60.0, seed=31, band=(2000.0, 7800.0), length_s=(0.2, 1.2), over_db=(6.0, 24.0))
    for name, run in (("ours", ours), ("ours, early decision on", lambda x: ours(x, early=True)),
                      ("bare pocketsphinx", bare.run)):
        accepted = [[o for o in run(x)[0] if o[3] is not None] for x in negatives]
        real = sum(len(a) for a in accepted[:3])
        total = sum(len(a) for a in accepted)
        hissed = len([o for o in run(hiss)[0] if o[3] is not None])
        print(f"  {name}: {total} false accepts in {minutes:.2f} min = {total / minutes:.1f}/min "
              f"(real recordings: {real} in {real_minutes:.2f} min = {real / real_minutes:.1f}/min); "
              f"a minute of {bursts} hiss bursts (2-7.8 kHz): {hissed}")
        t = time.perf_counter()
        for x in negatives:
            run(x)
        if name == "ours":
            wall_ours += time.perf_counter() - t
        elif name.startswith("bare"):
            wall_bare += time.perf_counter() - t
    audio += sum(len(x) for x in negatives) / RATE  # each ran every stream once in the timing
    print(f"real-time factor over {audio / 60:.1f} min: ours {wall_ours / audio:.4f}, bare pocketsphinx "
          f"{wall_bare / audio:.4f} (ours/bare {wall_ours / wall_bare:.2f}); goal <= 0.2")


if __name__ == "__main__":
    main()
