"""The offline recogniser on real and synthesised speech (PocketSphinx, espeak-ng).

Real speech: the PocketSphinx test recordings (tests/data/speech, SOURCES.md). Synthesised:
espeak-ng voices and speeds in room noise at 10 dB SNR; the settings were chosen on the
TUNING voices, and these tests measure the HELD_OUT ones (tests/voice_audio.py).
"""

from __future__ import annotations

import wave
from collections import Counter

import numpy as np
import pytest

from devices.voice.audio_files import AudioError, read_audio
from devices.voice.commands import (
    DEFAULT_PHRASES,
    CommandsError,
    CommandSet,
    parse_commands,
    read_commands,
)
from devices.voice.denoise import NoiseSuppressor
from devices.voice.recognizer import ModelError, Recognizer, RecognizerSettings, recognise
from tests.voice_audio import (
    HELD_OUT,
    NARRATION,
    NON_COMMANDS_HELD_OUT,
    command_streams,
    read_speech,
    room_noise,
    speech_stream,
    synth,
)

#: held-out accuracy this recogniser reaches on whole streams (measured 70/72 = 97.2 %, and
#: 67/72 = 93.1 % on the fresh held-out voices: README "Voice" lists the confusions)
HELD_OUT_FLOOR = 0.90

GO_FORWARD = CommandSet({"go forward ten meters": "forward", **DEFAULT_PHRASES})


def test_real_speech_go_forward_is_recognised_with_a_command_set_holding_it():
    heard = [h for h in recognise(read_speech("goforward.raw"), GO_FORWARD) if h.accepted]
    assert [(h.phrase, h.command) for h in heard] == [("go forward ten meters", "forward")]
    assert 0.0 <= heard[0].start < 0.5 and 1.8 < heard[0].end < 2.8


@pytest.mark.parametrize("name", [*NARRATION, "numbers.raw"])
def test_real_narration_and_numbers_yield_no_command(name):
    heard = recognise(read_speech(name))
    assert heard and not [h for h in heard if h.accepted], heard  # heard, and rejected


def test_held_out_synthetic_commands_in_room_noise():
    phrases = list(DEFAULT_PHRASES)
    right = total = 0
    confusions: Counter = Counter()
    for _voice, _speed, stream, spans in command_streams(HELD_OUT, phrases):
        heard = [h for h in recognise(stream) if h.accepted]
        for (a, b), phrase in zip(spans, phrases, strict=True):
            total += 1
            got = [h.phrase for h in heard if h.start < b + 0.2 and h.end > a - 0.2]
            if got == [phrase]:
                right += 1
            else:
                confusions[(phrase, " + ".join(got) or "nothing")] += 1
    assert right / total >= HELD_OUT_FLOOR, (right, total, confusions.most_common())
    # what is heard wrongly is mostly missed (nothing happens), rarely another command
    wrong_command = sum(n for (_, got), n in confusions.items() if got != "nothing")
    assert wrong_command <= 0.10 * total, confusions


def test_held_out_synthetic_sentences_without_commands_are_rejected():
    stream, _ = speech_stream([synth(t, "en-gb", 165) for t in NON_COMMANDS_HELD_OUT], seed=7)
    heard = recognise(stream)
    assert len(heard) >= 4 and not [h for h in heard if h.accepted], heard


def _say(*phrases: str, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    return speech_stream([synth(p, voice, speed) for p in phrases], snr_db=20, seed=3)[0]


def test_push_to_talk_release_decides_at_once():
    r = Recognizer()
    pcm = _say("defect")[: round(2.2 * 16000)]  # lead-in 1.5 s + the word, cut before the VAD's end
    heard = r.feed(pcm)
    assert heard == [] and r.in_speech
    heard = r.flush()
    assert [(h.command, h.accepted) for h in heard] == [("defect", True)]
    assert heard[0].decided == pytest.approx(2.2)


def test_wake_mode_takes_a_command_only_after_the_wake_phrase():
    r = Recognizer()
    r.require_wake = True
    heard = r.feed(_say("defect", "hey computer go back")) + r.flush()
    assert [(h.command, h.reason) for h in heard] == [("defect", "no wake phrase"), ("back", "")]
    assert heard[0].decided < heard[1].start  # decided as the stream went, not at its end


def test_a_lone_wake_phrase_gets_no_command_attached_and_opens_the_window():
    r = Recognizer()
    r.require_wake = True
    heard = [h for h in r.feed(_say("hey computer", "repeat")) + r.flush() if h.accepted]
    assert [(h.phrase, h.command) for h in heard] == [("hey computer", "wake"), ("repeat", "repeat")]


def test_early_decision_takes_a_whole_command_soon_after_speech_and_waits_inside_a_phrase():
    """Early: decided ``early_pause_s`` after the speech (plus the VAD's own frames), not the
    full ``end_s``; "go" of "go back" is not taken for a command in the pause between."""
    pcm, spans = speech_stream([synth(p, "en-us", 150) for p in ("defect", "go back")], snr_db=20, seed=3)
    pause = RecognizerSettings().early_pause_s
    for early, most in ((True, pause + 0.12), (False, RecognizerSettings().end_s + 0.12)):
        r = Recognizer(settings=RecognizerSettings(early=early))
        heard = [h for i in range(0, len(pcm), 1600) for h in r.feed(pcm[i:i + 1600])] + r.flush()
        assert [(h.command, h.early) for h in heard if h.accepted] == [("defect", early), ("back", early)]
        for h, (_, end) in zip(heard, spans, strict=True):
            assert 0.0 < h.decided - end <= most, (h, end)


def test_noise_suppressor_passes_audio_through_delayed_and_takes_stationary_noise_down():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(32000) * 1000
    s = NoiseSuppressor(floor=1.0)  # nothing taken away: the input, ``delay`` samples late
    y = np.concatenate([s.process(x[:1000]), s.process(x[1000:]), s.flush()])
    assert len(y) == len(x) + s.delay
    np.testing.assert_allclose(y[s.delay:], x, atol=1e-6)
    s = NoiseSuppressor(floor=0.5)
    y = np.concatenate([s.process(x), s.flush()])[s.delay:]
    late = slice(16000, 32000)  # after the noise estimate has settled
    ratio = np.sqrt(np.mean(y[late] ** 2) / np.mean(x[late] ** 2))
    assert 0.5 <= ratio < 0.9  # taken down, never by more than the floor (6 dB)


def test_the_noise_estimate_is_right_from_the_first_fifth_of_a_second_and_after_a_gap():
    """The analysis window starts as zeros: frames still partly zeros (and a flush's padding)
    must not reach the noise minimum, which held the estimate at 8 % of the room's for the
    first 1.5 s of every stream (no suppression where a file's first word is)."""
    x = room_noise(48000, 5) * 1000
    s = NoiseSuppressor()
    window = s.window
    truth = np.mean([np.abs(np.fft.rfft(x[k:k + 512] * window)) ** 2 for k in range(0, 47000, 128)], axis=0)
    bins = slice(8, 200)  # 250 Hz to 6 kHz: where the recogniser listens
    for until in (4000, 8000, 16000):
        s = NoiseSuppressor()
        s.process(x[:until])
        assert 0.5 < float(np.median(s.noise[bins] / truth[bins])) < 2.0, until
    s.flush()  # a gap: the padding is not the room
    s.process(x[16000:20000])
    assert 0.5 < float(np.median(s.noise[bins] / truth[bins])) < 2.0


def test_note_makes_the_next_utterance_dictation():
    heard = recognise(_say("note", "the bolt is loose"))
    assert [h.command for h in heard] == ["note", "note_text"]
    assert heard[1].accepted and heard[1].phrase  # the general model's words (espeak: rough)


def test_commands_files_and_their_errors(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("# mine\nnext point = next\ntorque checked\n")
    assert read_commands(path).phrases == {"next point": "next", "torque checked": "torque_checked"}
    for text, said in [("", "no phrases"), ("= next\n", "line 1: no phrase"), ("a b c d e f g h i\n", "8 words"),
                       ("x1 = y\n", "not a word"), ("pass = Pass!\n", "must be a name")]:
        with pytest.raises(CommandsError, match=said):
            parse_commands(text.splitlines(), "f")
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(CommandsError, match="not UTF-8"):
        read_commands(path)
    with pytest.raises(ModelError, match="not in the model's dictionary: xrjigz"):
        Recognizer(CommandSet({"xrjigz": "x"}))
    with pytest.raises(ModelError, match="no such model folder"):
        Recognizer(settings=RecognizerSettings(model_dir=tmp_path / "none"))
    with pytest.raises(ModelError, match="not a PocketSphinx model"):
        Recognizer(settings=RecognizerSettings(model_dir=tmp_path))


def test_audio_files_are_checked(tmp_path):
    odd = tmp_path / "odd.raw"
    odd.write_bytes(b"abc")
    with pytest.raises(AudioError, match="odd byte count"):
        read_audio(odd)
    slow = tmp_path / "slow.wav"
    with wave.open(str(slow), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(4000)
        w.writeframes(b"\0" * 400)
    with pytest.raises(AudioError, match="unsupported WAV: 4000 Hz, 1 channel"):
        read_audio(slow)
    broken = tmp_path / "b.wav"
    broken.write_bytes(b"RIFF\0\0\0\0WAVEjunk")
    with pytest.raises(AudioError, match="not a readable WAV"):
        read_audio(broken)
    assert len(read_audio(read_speech.__globals__["SPEECH"] / "goforward.raw")) == 89160 // 2


@pytest.mark.parametrize(("rate", "channels", "width"), [(44100, 2, 2), (48000, 1, 3), (22050, 2, 1), (8000, 1, 4)])
def test_a_wav_of_another_rate_width_or_channels_is_read_as_16_khz_mono(tmp_path, rate, channels, width):
    """A 1 kHz tone in the left channel (silence in the right) comes out at 1 kHz, one second
    long, at half its level (the channels are averaged), whatever the file's format."""
    t = np.arange(rate) / rate
    tone = np.sin(2 * np.pi * 1000 * t) * 0.5
    full = 2 ** (8 * width - 1)
    left = np.rint(tone * full).astype(np.int64)
    samples = np.stack([left, np.zeros_like(left)][:channels], axis=1).reshape(-1)
    if width == 1:
        samples = samples + 128  # 8-bit WAV samples are unsigned
    raw = samples.astype("<i8").view(np.uint8).reshape(-1, 8)[:, :width].tobytes()
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    x = read_audio(path)
    assert len(x) == 16000
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64)))
    assert int(np.argmax(spectrum)) == 1000  # 1 Hz bins over one second
    level = np.sqrt(np.mean(x[1000:-1000].astype(np.float64) ** 2)) / (0.5 * 32768 / np.sqrt(2))
    assert level == pytest.approx(1.0 / channels, rel=0.03)


def test_a_command_at_the_very_start_of_its_own_file_is_heard():
    """Each default command alone in a file that starts 0.05 s before the word (as espeak-ng
    writes it) in room noise: the room is learned from the whole file first, so the word at
    its start is judged against it (a stream learning as it went got 41 % of such files
    right on the tuning voices)."""
    right = 0
    for k, phrase in enumerate(DEFAULT_PHRASES):
        stream, _ = speech_stream([synth(phrase, "en-us", 150)], lead_s=0.05, gap_s=0.3, seed=40 + k)
        right += [h.command for h in recognise(stream) if h.accepted] == [DEFAULT_PHRASES[phrase]]
    assert right >= len(DEFAULT_PHRASES) - 1


def test_held_out_commands_one_a_file_are_heard_against_the_files_own_room_and_mean():
    """The held-out voices, each command alone in a file with the word 0.5 s in (a fresh
    recogniser per file, as a person trying files one by one). Measured 68/72 with the
    command decoded with its own cepstral mean, 64/72 with the mean learned as it goes."""
    right = total = 0
    for i, voice in enumerate(HELD_OUT[0]):
        for j, speed in enumerate(HELD_OUT[1]):
            for n, phrase in enumerate(DEFAULT_PHRASES):
                stream, _ = speech_stream([synth(phrase, voice, speed)], lead_s=0.5, gap_s=0.6,
                                          seed=5000 + 100 * i + 10 * j + n)
                total += 1
                right += [h.command for h in recognise(stream) if h.accepted] == [DEFAULT_PHRASES[phrase]]
    assert right / total >= 0.92, (right, total)


def test_the_first_command_a_live_stream_hears_is_judged_with_its_own_mean():
    """A live stream (1.5 s of room, then one command, fed in 0.1 s chunks): its first
    command is decoded again with its own cepstral mean, since the model's initial mean
    knows nothing of the voice and room. Held-out voices in two rooms (noise seeds):
    measured 135/144 with it, 126/144 without."""
    right = total = 0
    for room in (300, 9000):
        for i, voice in enumerate(HELD_OUT[0]):
            for j, speed in enumerate(HELD_OUT[1]):
                for n, phrase in enumerate(DEFAULT_PHRASES):
                    pcm, _ = speech_stream([synth(phrase, voice, speed)], seed=room + 100 * i + 10 * j + n, gap_s=0.6)
                    r = Recognizer()
                    heard = [h for k in range(0, len(pcm), 1600) for h in r.feed(pcm[k:k + 1600])] + r.flush()
                    total += 1
                    right += [h.command for h in heard if h.accepted] == [DEFAULT_PHRASES[phrase]]
    assert right >= 130, (right, total)


def test_push_to_talk_learns_the_room_between_presses_and_hears_a_press_from_its_start():
    """A fresh recogniser spends its first 0.24 s learning the room; with the room heard
    between presses (key up), a command said right at the first press is taken."""
    stream, spans = speech_stream([synth("defect")], lead_s=1.5)
    start = round(spans[0][0] * 16000) - 800  # the key goes down 50 ms before the word
    press = stream[start:round((spans[0][1] + 0.3) * 16000)]
    cold = Recognizer()
    assert [h.command for h in cold.feed(press) + cold.flush() if h.accepted] != ["defect"]  # its start unheard
    warm = Recognizer()
    warm.hear_room(stream[:start])
    heard = warm.feed(press) + warm.flush()
    assert [(h.command, h.accepted) for h in heard] == [("defect", True)]
    # what was heard with the key up left nothing behind to decode
    again = Recognizer()
    again.hear_room(stream[: round(spans[0][1] * 16000)])  # the word itself said with the key up
    assert again.feed(stream[-1600:]) + again.flush() == []


def test_an_early_decision_needs_enough_speech():
    """A short sound that looks like a whole command (the "nex-" of "next step" heard as
    "repeat") is not taken early: under ``early_min_speech_s`` of speech the recogniser
    waits the full pause, which lets the rest of the phrase join it."""
    pcm, _ = speech_stream([synth("pass", "en-us", 150)], snr_db=20, seed=4)

    def hear(min_speech: float) -> list:
        r = Recognizer(settings=RecognizerSettings(early=True, early_min_speech_s=min_speech))
        heard = [h for i in range(0, len(pcm), 1600) for h in r.feed(pcm[i:i + 1600])] + r.flush()
        return [(h.command, h.early) for h in heard if h.accepted]
    assert hear(0.0) == [("pass", True)]
    assert hear(1.0) == [("pass", False)]  # "pass" has less than a second of speech: not early


def test_a_pause_after_the_wake_phrase_is_silence_not_a_command_sound():
    """"hey computer, go back" with espeak-ng's comma pause, held-out voices in a 10 dB
    room: the pause is one utterance with the command (shorter than the end of one) and
    must be taken for silence; at PocketSphinx's default silence probability it became the
    /f/ of "fail" (measured 20 of 24 right, 23 with ours)."""
    right = 0
    phrases = ("hey computer, go back", "hey computer, defect", "hey computer, next step")
    for voice in HELD_OUT[0]:
        for speed in HELD_OUT[1]:
            pcm = speech_stream([synth(t, voice, speed) for t in phrases], snr_db=10, seed=5)[0]
            r = Recognizer()
            r.require_wake = True
            heard = [h for k in range(0, len(pcm), 1600) for h in r.feed(pcm[k:k + 1600])] + r.flush()
            got = [h.command for h in heard if h.accepted and h.command != "wake"]
            right += sum(a == b for a, b in zip(got, ("back", "defect", "next"), strict=True)) if len(got) == 3 else 0
    assert right >= 22, right


def test_a_command_after_the_wake_phrase_in_one_breath_is_not_too_long():
    """The length limit counts the wake phrase's words in wake mode: "hey computer next
    step" at 150 wpm (about 1.9 s) was refused as too long for a two-word command."""
    r = Recognizer()
    r.require_wake = True
    heard = [h for h in r.feed(_say("hey computer next step")) + r.flush() if h.phrase]
    assert [(h.command, h.reason) for h in heard] == [("next", "")]
