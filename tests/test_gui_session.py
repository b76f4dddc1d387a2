"""The window in a shared session: Session ▸ Join (here through ``SessionSharing.join``, as
the dialog's OK does), the others drawn in the view with their name, this window's hands
published to the others at every step, one message for someone with another model, and
leaving. A real Zenoh router in the test process and a real participant in another
process, on loopback.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from app.collab.link import SessionLink
from interaction.commands import Reset, SharedMark
from scenes.samples import SAMPLE_SCENARIO
from tests.conftest import interaction_window
from tests.test_collab import SCRIPTED, _free_port, _router
from views.others import colour_of
from views.session_dialog import JoinRequest

pytestmark = pytest.mark.gl
SECRET = "gui-session-secret"
#: the scripted participant, announcing files nobody here has open
ANNOUNCING = SCRIPTED.replace(
    'link = SessionLink("review", secret, connect=endpoint, name="bob")',
    'link = SessionLink("review", secret, connect=endpoint, name="bob")\n'
    'link.announce({"role": "participant", "model": "f" * 64, "scenario": "e" * 64})',
)


@pytest.fixture
def served(qtbot, tmp_path):
    """A router for session "review" and a window on the sample, not joined yet."""
    endpoint = f"tcp/127.0.0.1:{_free_port()}"
    router = _router(tmp_path, endpoint, SECRET)
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    window, controller = interaction_window(qtbot, tmp_path)
    controller.request_scenario(SAMPLE_SCENARIO)
    assert window.open_file(controller.model.requested.model, remember=False)
    yield window, controller, endpoint, secret_file
    controller.sharing.leave()
    router.close()


@pytest.fixture
def joined(served):
    """The window joined as anna, a facilitator."""
    _, controller, endpoint, secret_file = served
    assert controller.sharing.join(JoinRequest(endpoint, "review", "anna", secret_file, "facilitator"))
    return served


def _tick_until(qtbot, controller, condition, seconds: float = 10.0) -> bool:
    session, deadline = controller.session, time.monotonic() + seconds
    t = max(0.0, session.engine.state.t)  # frame times go on where they were, as a live clock's do
    while time.monotonic() < deadline:
        t += 1 / 90
        session.tick(t)
        if condition():
            return True
        qtbot.wait(10)
    return False


def test_the_others_are_drawn_and_this_window_is_seen_by_them(qtbot, joined):
    window, controller, endpoint, secret_file = joined
    watcher = SessionLink("review", SECRET, connect=endpoint)
    bob = subprocess.Popen([sys.executable, "-c", ANNOUNCING, endpoint, str(secret_file), "6"],
                           stderr=subprocess.PIPE, text=True)
    try:
        def bob_drawn() -> bool:
            labels = [label.lines for label in window.viewport.render_state.labels]
            return ("bob",) in labels
        assert _tick_until(qtbot, controller, bob_drawn), bob.stderr.read() if bob.poll() is not None else ""
        state = window.viewport.render_state
        bobs = np.all(np.isclose(state.point_colors[:, :3], colour_of("bob"), atol=1e-6), axis=1)
        assert bobs.sum() >= 2  # a head and hand points in bob's colour
        assert "anna, bob" in controller.sharing.label.text()
        # bob announced other files: one message saying so, naming him
        qtbot.waitUntil(lambda: window.error_box is not None, timeout=5000)
        assert "bob has another model open" in window.error_box.text()
        # anna's own frames reach the others as she steps
        heard = []

        def anna_heard() -> bool:
            heard.extend(e for e in watcher.drain() if e.name == "anna")
            return any(e.kind == "presence" for e in heard)
        assert _tick_until(qtbot, controller, anna_heard)
        # leaving: the label goes, the others see anna leave
        controller.sharing.leave()
        assert controller.sharing.label.text() == "" and controller.sharing.join_action.isEnabled()
        qtbot.waitUntil(lambda: any(e.kind == "left" for e in watcher.drain() if e.name == "anna"), timeout=5000)
    finally:
        bob.kill()
        watcher.close()


def test_a_wrong_secret_is_one_dialog_line_and_nothing_joined(qtbot, joined, tmp_path):
    window, controller, endpoint, _ = joined
    controller.sharing.leave()
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-secret-at-all\n")
    assert not controller.sharing.join(JoinRequest(endpoint, "review", "anna", wrong, "participant"))
    assert window.error_box is not None and "cannot join session 'review'" in window.error_box.text()
    assert "\n" not in window.error_box.text() and controller.sharing.link is None
    assert controller.sharing.join_action.isEnabled()


def test_session_join_through_the_dialog(qtbot, joined):
    """Session ▸ Join…: the person fills the form and presses Join."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    window, controller, endpoint, secret_file = joined
    controller.sharing.leave()

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        dialog.endpoint.setText(endpoint)
        dialog.session.setText("review")
        dialog.name.setText("carla")
        dialog.role.setCurrentText("observer")
        dialog.secret.setText(str(secret_file))
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(200, fill)
    controller.sharing.join_action.trigger()
    assert controller.sharing.link is not None and controller.sharing.link.name is None  # an observer
    assert controller.sharing.label.text().startswith("● review: carla")
    assert window.settings.value("session/person") == "carla"  # offered again next time


def test_a_verdict_from_another_participant_is_this_tasks_and_is_served_to_latecomers(qtbot, joined):
    """bob marks P1 defect: anna's engine takes it as a recorded command (the checklist
    shows it), anna does not send it back, and carol, joining later, gets it from anna."""
    from app.collab.task_wire import decode, verdict_message
    from interaction.events import EventKind

    window, controller, endpoint, _ = joined
    bob = SessionLink("review", SECRET, connect=endpoint, name="bob")
    marked = []
    controller.session.stepped.connect(
        lambda _s, events: marked.extend(e for e in events if e.kind == EventKind.POINT_MARKED))
    try:
        qtbot.wait(300)
        bob.publish_task(verdict_message("P1", "defect", "burr on the edge"))
        assert _tick_until(qtbot, controller, lambda: bool(marked))
        assert marked[0].data == {"accepted": True, "verdict": "defect", "note": "burr on the edge", "by": "bob"}
        point = controller.session.engine.state.points["P1"]
        assert (point.verdict, point.note) == ("defect", "burr on the edge")
        qtbot.wait(300)
        assert not [e for e in bob.drain() if e.kind == "task"]  # not echoed back
        carol = SessionLink("review", SECRET, connect=endpoint, name="carol")
        try:
            states = [e for e in carol.fetch_task_state() if e.name == "anna"]
            told = decode(states[0].payload, "anna")
            assert [(m.point, m.verdict.value) for m in told if isinstance(m, SharedMark)] == [("P1", "defect")]
        finally:
            carol.close()
    finally:
        bob.close()


def test_facilitation_reset_and_variant_for_everyone_and_following_a_view(qtbot, joined):
    """anna (facilitator) restarts the task for everyone; bob, a facilitator too, switches
    everyone to 'expert'; eve, a participant, cannot; anna follows bob's view."""
    from app.collab.task_wire import decode, reset_message, variant_message
    from devices.desktop import DesktopDevice
    from scenes.transforms import look_at

    window, controller, endpoint, _ = joined
    bob = SessionLink("review", SECRET, connect=endpoint, name="bob")
    eve = SessionLink("review", SECRET, connect=endpoint, name="eve")
    try:
        bob.announce({"role": "facilitator"})
        eve.announce({"role": "participant"})
        qtbot.wait(300)
        assert controller.sharing.reset_action.isEnabled()
        controller.sharing.reset_action.trigger()
        qtbot.waitUntil(lambda: any(e.kind == "task" and decode(e.payload, e.name) == [Reset()]
                                    for e in bob.drain()), timeout=5000)
        eve.publish_task(variant_message("expert"))
        _tick_until(qtbot, controller, lambda: "not a facilitator" in window.statusBar().currentMessage(), 5)
        assert controller.model.variant == "novice"
        bob.publish_task(variant_message("expert"))
        assert _tick_until(qtbot, controller, lambda: controller.model.variant == "expert")
        assert controller.session.params.snap_position_mm == 2.0
        bob.publish_task(reset_message())
        # bob stands 2 m off along +x, looking at the origin: following him turns the view
        head = look_at(np.array([2.0, 0.5, 0.0]), np.zeros(3))
        device = DesktopDevice(head=head)
        device.start()
        for k in range(20):
            bob.publish(device.poll(k / 90), k / 90)
        controller.sharing.follow("bob")
        assert _tick_until(qtbot, controller, lambda: controller.sharing.roster.peers.get("bob") is not None
                           and controller.sharing.roster.peers["bob"].frame is not None)
        controller.session.tick(10.0)
        forward = -controller.window.viewport.camera.camera_to_world()[:3, 2]
        assert np.dot(forward, -head[:3, 2]) > 0.99
    finally:
        bob.close()
        eve.close()


def test_the_assembly_is_shared_with_a_late_joining_window_and_a_killed_holder_frees_its_part(qtbot, served, tmp_path):
    """bob (the autopilot in another process) assembles the sample; anna's window joins
    after bob's first snap and takes on his progress, sees the part bob carries move and
    cannot grab it; bob is killed with -9 while carrying: within 5 s the part is free in
    anna's task. Anna's recording of all this replays and verifies."""
    from PySide6.QtCore import QSettings

    from app.window.replay_window import open_replay_window
    from interaction.events import EventKind
    from interaction.metrics import trial_metrics
    from interaction.recording_reader import Recording
    from views.render_state import Highlight

    window, controller, endpoint, secret_file = served
    watcher = SessionLink("review", SECRET, connect=endpoint)
    bob = subprocess.Popen([sys.executable, "-m", "app", "check", str(SAMPLE_SCENARIO), "--join", endpoint,
                            "--session", "review", "--name", "bob", "--secret-file", str(secret_file)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def bob_snapped() -> bool:
            return any(e.kind == "task" and b'"place"' in e.payload and b'"slot": null' not in e.payload
                       for e in watcher.drain())
        qtbot.waitUntil(bob_snapped, timeout=60_000)
        assert controller.trials.start("anna", None, tmp_path / "trials")  # anna records her view of it
        assert controller.sharing.join(JoinRequest(endpoint, "review", "anna", secret_file, "participant"))
        engine = controller.session.engine
        assert _tick_until(qtbot, controller, lambda: bool(engine.state.snapped), 10)  # caught up
        assert _tick_until(qtbot, controller, lambda: bool(controller.sharing.roster.peers.get("bob")
                                                           and controller.sharing.roster.peers["bob"].info), 10)
        assert window.error_box is None  # bob announced the same files: nothing to warn of
        # bob picks up his next part: anna sees it held, moving, and cannot take it
        assert _tick_until(qtbot, controller, lambda: bool(engine.state.others_hold), 30)
        (part, holder), = engine.state.others_hold.items()
        assert holder == "bob" and part not in engine.grabbable_now()
        view = window.viewport  # shown as held, and by whom, where the part is
        assert _tick_until(qtbot, controller, lambda: ("held by bob",) in [x.lines for x in view.render_state.labels], 5)
        assert view.render_state.highlights.get(part) is Highlight.GRABBED
        before = engine.state.part_poses[part].copy()
        assert _tick_until(qtbot, controller, lambda: not np.allclose(engine.state.part_poses[part], before), 5)
        killed = time.monotonic()
        bob.send_signal(9)
        bob.wait(timeout=10)
        assert _tick_until(qtbot, controller, lambda: not engine.state.others_hold, 8)
        assert time.monotonic() - killed < 5.0 and part in engine.grabbable_now()
        controller.trials.stop(ask_questionnaires=False)
    finally:
        bob.kill()
        watcher.close()
    (path,) = (tmp_path / "trials").glob("*.mcap")
    with Recording(path) as recording:
        events = recording.events
        shared = [e for e in events if e.data.get("by") == "bob"]
        assert {EventKind.SNAP, EventKind.SHARED_HOLD, EventKind.SHARED_PLACE} <= {e.kind for e in shared}
        assert any(e.kind == EventKind.SHARED_PLACE and e.data.get("outcome") == "left" for e in shared)
        # bob's input is in anna's recording, under his name, on her clock, while he was there
        bobs = recording.others()["bob"]
        frames = recording.columns(("t",))["t"]
        assert len(bobs) > 10 and np.all(np.diff(bobs["t"]) >= 0) and frames[0] - 1 <= bobs["t"][0] <= frames[-1]
        metrics = trial_metrics(recording)
    people = {p.name: p for p in metrics.people}
    assert list(people) == ["anna", "bob"] and people["anna"].own and not people["bob"].own
    assert people["bob"].snaps == sum(e.kind == EventKind.SNAP for e in shared) >= 1
    assert people["bob"].grabs >= 1 and people["anna"].snaps == people["anna"].grabs == 0
    # bob's right hand moved (the autopilot carries with it): a path, from his frames
    assert people["bob"].path_length_m["right"] > 0.01 and metrics.snaps == 0  # anna snapped nothing herself
    verify = subprocess.run([sys.executable, "-m", "app", "replay", str(path), "--verify"],
                            capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0 and "identical" in verify.stdout, verify.stdout + verify.stderr
    # the report counts per person
    report = subprocess.run([sys.executable, "-m", "app", "report", str(path), "--out", str(tmp_path / "report")],
                            capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr
    rows = (tmp_path / "report" / "people.csv").read_text().splitlines()
    assert rows[0].startswith("recording,participant,variant,person,own,grabs,snaps,steps_done")
    assert [r.split(",")[3:5] for r in rows[1:]] == [["anna", "1"], ["bob", "0"]]
    assert "People in shared sessions" in (tmp_path / "report" / "report.html").read_text()
    # the replay window draws bob where he was, with his name, while he was there
    replay = open_replay_window(path, settings=QSettings(str(tmp_path / "replay.ini"), QSettings.Format.IniFormat),
                                autostart=False)
    qtbot.addWidget(replay.window)
    replay.start(scan=False)
    replay.player.scan_all()
    replay.player.seek(float(bobs["t"][len(bobs) // 2]))
    qtbot.waitUntil(lambda: ("bob",) in [x.lines for x in replay.window.viewport.render_state.labels], timeout=10_000)


def test_a_laser_pointer_is_drawn_for_everyone_where_it_meets_the_model(qtbot, joined):
    """bob turns his pointer on with his right hand straight above the plate: anna's view
    shows his beam and a spot on the plate's top, named; off, it goes. Anna's own pointer
    (Session ▸ Point for everyone, L) reaches bob. bob's measurement is drawn for anna."""
    from app.collab.task_wire import PointerChoice, decode, measurement_message, pointer_message
    from devices.desktop import DesktopDevice
    from scenes.transforms import matrix_to_pose

    window, controller, endpoint, _ = joined
    index = controller.session.engine.index
    plate = index.part_world_bounds("as1/plate")
    above = np.eye(4)
    above[:3, :3] = [[1, 0, 0], [0, 0, 1], [0, -1, 0]]  # -z (the aim's forward) points down
    above[:3, 3] = [(plate[0, 0] + plate[1, 0]) / 2, plate[1, 1] + 0.3, (plate[0, 2] + plate[1, 2]) / 2]
    bob = SessionLink("review", SECRET, connect=endpoint, name="bob")
    device = DesktopDevice(head=np.eye(4))
    device.start()
    view = window.viewport

    def spots(name: str) -> list:
        return [x for x in view.render_state.labels if x.lines == (f"➤ {name}",)]

    try:
        qtbot.wait(300)
        bob.publish_task(pointer_message(True))
        k = 0

        def bob_points() -> bool:
            nonlocal k
            k += 1
            frame = device.poll(k / 90)
            frame.hands[1].tracked = True
            frame.hands[1].aim = matrix_to_pose(above)
            bob.publish(frame, k / 90)
            return bool(spots("bob"))
        assert _tick_until(qtbot, controller, bob_points)
        (spot,) = spots("bob")
        np.testing.assert_allclose(spot.position[[0, 2]], above[[0, 2], 3], atol=2e-5)  # below his hand (wire grid: 0.01 mm)
        assert spot.position[1] == pytest.approx(plate[1, 1], abs=1e-3)  # on the plate's top
        state = view.render_state
        beam = np.all(np.isclose(state.line_colors, [*colour_of("bob"), 1.0], atol=1e-6), axis=1) & np.all(
            np.isclose(state.lines[:, 1], spot.position, atol=1e-5), axis=1)
        assert beam.sum() == 1  # one full-strength beam in his colour, from his hand to the spot
        np.testing.assert_allclose(state.lines[beam][0, 0], above[:3, 3], atol=2e-5)
        bob.publish_task(pointer_message(False))
        assert _tick_until(qtbot, controller, lambda: bob_points() is False and not spots("bob"))
        # anna points: bob hears it, and anna sees her own spot where her hand aims
        controller.sharing.pointer_action.trigger()
        qtbot.waitUntil(lambda: any(e.kind == "task" and decode(e.payload, e.name) == [PointerChoice(True)]
                                    for e in bob.drain()), timeout=5000)
        assert controller.sharing.pointer_action.isChecked()
        # bob's measurement is drawn in anna's view with its distance
        bob.publish_task(measurement_message([0.0, 0.1, 0.0, 0.03, 0.1, 0.04]))
        assert _tick_until(qtbot, controller, lambda: ("bob: 50.0 mm",) in [x.lines for x in view.render_state.labels])
    finally:
        bob.close()


def test_someone_coming_back_after_an_outage_brings_what_was_missed(qtbot, joined):
    """bob was cut off while he marked P2 and snapped the plate (anna never heard it): when
    he is back, anna asks for his task and takes both on."""
    from app.collab.task_wire import state_message

    window, controller, endpoint, _ = joined
    engine = controller.session.engine
    plate = engine.target_world("as1/plate", "as1/plate")
    state = state_message({"P2": ("fail", "scratched")}, {"as1/plate": (list(plate.reshape(16)), "as1/plate")},
                          steps_done=["step1"])
    bob = SessionLink("review", SECRET, connect=endpoint, name="bob")
    try:
        bob.serve_task_state(lambda: state)
        assert _tick_until(qtbot, controller, lambda: engine.state.points["P2"].verdict == "fail"
                           and engine.state.snapped.get("as1/plate") == "as1/plate")
        assert engine.state.points["P2"].note == "scratched" and engine.state.steps["step1"].done
    finally:
        bob.close()


def test_the_autopilot_with_another_model_is_named_in_one_message(qtbot, joined):
    from tests.test_collab import PINS

    window, controller, endpoint, secret_file = joined
    bob = subprocess.Popen([sys.executable, "-m", "app", "check", str(PINS), "--join", endpoint, "--session",
                            "review", "--name", "bob", "--secret-file", str(secret_file)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _tick_until(qtbot, controller, lambda: window.error_box is not None, 30)
        assert "bob has another model open" in window.error_box.text()
    finally:
        bob.kill()
        bob.wait(timeout=10)
