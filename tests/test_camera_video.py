"""Camera tracking over a real video: continuity, pinch hysteresis, One Euro smoothing.

asl_hand.25fps.mp4 shows one right hand signing letters (checked by eye): a fist at the
start, the index raised with the thumb on the middle finger around frames 140-165, an "O"
(fingertips on the thumb tip) around frames 215-250. The smoothing is also checked on a
second clip, shot differently, with the same filter settings:
hand_video_pixabay129422.mp4 (../shared/testdata, Pixabay licence: read there, skipped
when absent) shows a woman, out of focus, raising her right hand from her side to hold
it out, palm up (frames ~15-65, checked by eye), then holding it there until the end
(frame 201). One tracking pass per clip (every frame, as a camera would deliver them) is
shared by all tests here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from devices.camera.one_euro import OneEuroFilter
from devices.camera.source import FrameSource
from devices.camera.tracker import MediaPipeTracker, TrackerSettings
from tests.conftest import HANDS, shared_file

SETTINGS = TrackerSettings(track_face=False)


@dataclasses.dataclass(frozen=True)
class Clip:
    path: Callable[[], Path]
    #: frames [start, stop) where the hand holds still, and where it moves (by eye)
    still: tuple[int, int]
    moving: tuple[tuple[int, int], ...]


CLIPS = {
    "asl": Clip(lambda: HANDS / "asl_hand.25fps.mp4", (140, 165), ((20, 60), (165, 215))),
    "pixabay": Clip(
        lambda: shared_file("hands/hand_video_pixabay129422.mp4"), (130, 190), ((20, 60),)
    ),
}


def _track_clip(path: Path) -> dict:
    source = FrameSource(path)
    tracker = MediaPipeTracker(SETTINGS)
    out = {"t": [], "raw": [], "smooth": [], "labels": [], "pinching": [], "grabbing": []}
    try:
        for t, bgr in source.frames():
            r = tracker.process(bgr, t)
            hand = r.hands[0] if r.hands else None
            out["t"].append(t)
            out["raw"].append(None if hand is None else hand.raw_landmarks)
            out["smooth"].append(None if hand is None else hand.landmarks)
            out["labels"] += [h.handedness for h in r.hands]
            out["pinching"].append(bool(hand and hand.pinching))
            out["grabbing"].append(bool(hand and hand.grabbing))
    finally:
        tracker.close()
        source.release()
    return out


@pytest.fixture(scope="module")
def tracks() -> Callable[[str], dict]:
    """The tracking pass over clip ``name``, made once per clip."""
    done: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in done:
            done[name] = _track_clip(CLIPS[name].path())
        return done[name]

    return get


@pytest.fixture(scope="module")
def asl(tracks):
    return tracks("asl")


def test_video_tracking_is_continuous(asl):
    """Found in nearly every frame, always the right hand, never a jump over 5 cm per frame."""
    present = [r is not None for r in asl["raw"]]
    assert len(present) == 325
    assert np.mean(present) > 0.95
    assert set(asl["labels"]) == {"right"}
    wrists = np.array([r[0] for r in asl["smooth"] if r is not None])
    assert np.max(np.linalg.norm(np.diff(wrists, axis=0), axis=1)) < 0.05


def test_video_pinch_when_fingertips_meet(asl):
    pinching = asl["pinching"]
    assert all(pinching[i] for i in range(215, 250))
    assert not any(pinching[i] for i in range(140, 165))


def test_video_grab_on_the_fist_not_when_pointing(asl):
    """Frames 100-120 and 180-200 are fists (checked by eye); 140-165 hold the index up."""
    grabbing = asl["grabbing"]
    assert all(grabbing[i] for i in [*range(100, 120), *range(180, 200)])
    assert not any(grabbing[i] for i in range(140, 165))


def test_video_pinch_state_does_not_flicker(asl):
    """Hysteresis: the clip has about five pinch-like letters; the state changes only at those."""
    p = np.array(asl["pinching"], dtype=int)
    assert np.count_nonzero(np.diff(p)) <= 12


def _segment(asl, start, stop, key):
    return np.array([asl[key][i] for i in range(start, stop)])


def _jitter(x: np.ndarray) -> float:
    """Mean second difference (m): what a still hand's trembling adds frame to frame."""
    return float(np.mean(np.linalg.norm(np.diff(x, n=2, axis=0), axis=-1)))


@pytest.mark.parametrize("clip", CLIPS)
def test_smoothing_reduces_jitter_on_a_still_hand(tracks, clip):
    """Where the hand holds still (asl: index up; pixabay: held out), the tracker's
    filtered landmarks tremble clearly less than the raw ones."""
    track, (start, stop) = tracks(clip), CLIPS[clip].still
    assert all(r is not None for r in track["raw"][start:stop])  # tracked throughout
    raw, smooth = _segment(track, start, stop, "raw"), _segment(track, start, stop, "smooth")
    assert _jitter(smooth) < 0.6 * _jitter(raw)


def _lag_frames(raw: np.ndarray, smooth: np.ndarray, max_lag: float = 4.0) -> float:
    """The delay (frames, 0.1 steps) that best aligns the smoothed track with the raw one."""
    n = len(raw)
    idx = np.arange(n, dtype=float)
    best, best_err = 0.0, np.inf
    for lag in np.arange(0.0, max_lag + 1e-9, 0.1):
        src = idx - lag
        keep = src >= 0
        lo = np.floor(src[keep]).astype(int)
        frac = (src[keep] - lo)[:, None, None]
        shifted = raw[lo] * (1 - frac) + raw[np.minimum(lo + 1, n - 1)] * frac
        err = float(np.mean(np.linalg.norm(smooth[keep] - shifted, axis=-1)))
        if err < best_err:
            best, best_err = lag, err
    return best


MOVING = [(clip, *segment) for clip, c in CLIPS.items() for segment in c.moving]


@pytest.mark.parametrize(("clip", "start", "stop"), MOVING)
def test_smoothing_lags_at_most_one_frame_when_moving(tracks, clip, start, stop):
    """Where the hand moves (asl, frames 20-60 and 165-215: fingers and wrist between
    letters; pixabay, frames 20-60: the arm coming up), the filtered landmarks follow the
    raw ones with at most one frame of delay."""
    track = tracks(clip)
    assert all(r is not None for r in track["raw"][start:stop])  # tracked throughout
    raw, smooth = _segment(track, start, stop, "raw"), _segment(track, start, stop, "smooth")
    assert np.mean(np.linalg.norm(np.diff(raw, axis=0), axis=-1)) > 0.002  # it does move
    assert _lag_frames(raw, smooth) <= 1.0


@pytest.mark.parametrize(("clip", "start", "stop"), MOVING)
def test_a_fixed_low_pass_would_lag_more(tracks, clip, start, stop):
    """The measurement can fail: a plain low-pass (beta = 0) of the same still-hand
    smoothing lags visibly on each moving segment."""
    raw = _segment(tracks(clip), start, stop, "raw")
    f = OneEuroFilter(SETTINGS.hand_min_cutoff, 0.0)
    slow = np.array([f(x, i / 25.0) for i, x in enumerate(raw)])
    assert _lag_frames(raw, slow) > 1.5


def test_one_euro_passes_the_first_sample_and_resets():
    f = OneEuroFilter(1.0, 0.0)
    x = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(f(x, 0.0), x)
    y = f(x + 1.0, 0.04)
    assert np.all((y > x) & (y < x + 1.0))
    f.reset()
    np.testing.assert_array_equal(f(x + 5.0, 0.08), x + 5.0)


def test_a_looping_video_keeps_its_clock_running():
    """A video that starts over goes on in time as a camera would: the smoothing filters
    downstream never see time go back (they held the hand still until it caught up)."""
    src = FrameSource(HANDS / "asl_hand.25fps.mp4")
    try:
        n = int(round(src.fps * 13.0)) + 30  # through the end of the 13 s clip and on
        times = []
        for t, _ in src.frames(realtime=False, loop=True):
            times.append(t)
            if len(times) >= n:
                break
    finally:
        src.release()
    gaps = np.diff(times)
    assert np.all(gaps > 0), "time went back at the loop"
    np.testing.assert_allclose(gaps, 1 / src.fps, atol=1e-9)  # and kept its pace across it


def test_one_euro_starts_over_when_time_goes_back():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    f(np.array([0.0]), 10.0)
    f(np.array([1.0]), 10.1)
    assert f(np.array([5.0]), 10.1)[0] == pytest.approx(f._x[0])  # a repeated time: no news
    # a new stream from an earlier time: follow it at once instead of holding the old value
    assert f(np.array([7.0]), 0.5)[0] == 7.0
    assert f(np.array([8.0]), 0.6)[0] > 7.0
