"""A robot user: does the task at the real window with Qt mouse and key events only,
computed from what is on screen, as a person would.

What it looks at is what the window shows: the projected centre of a part as it is drawn
(its pose in the viewport's render state), of the ghost of its target, of an inspection
point's marker; the readout label beside a carried part (its text, as painted); which part
is under the cursor (the viewport's own pick, what a person sees under the pointer); the
scenario dock's steps and checklist. It never asks the engine where a target is, never
moves a hand or a part by code and never submits commands: it moves the mouse, presses
buttons and keys, and waits (the session is ticked at 90 Hz of trial time, as it runs).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QTreeWidget

from views.camera import project_points

RATE = 1 / 90
_FIGURES = re.compile(r"([✓✗]) ([\d.]+) mm .*?([✓✗]) ([\d.]+)°")
_TURN = re.compile(r"turn (\d+)°: R \+ (drag (right|left|up|down)|wheel (toward you|away))")
#: the desktop device turns a carried part by pi/2 per NDC unit of mouse travel (its docs)
_TURN_PER_NDC = math.pi / 2


@dataclass
class Readout:
    """The readout label beside a carried part, as read off the screen."""

    position_ok: bool
    position_mm: float
    angle_ok: bool
    angle_deg: float
    verdict: str
    turn_deg: float = 0.0
    turn_control: str = ""

    @property
    def snaps(self) -> bool:
        return "snaps" in self.verdict


class RobotUser:
    """Drives ``window`` / ``controller`` (app.window.controller) through ``qtbot``."""

    def __init__(self, qtbot, window, controller) -> None:
        self.qtbot, self.window, self.c = qtbot, window, controller
        self.vp = window.viewport
        self.t = 0.0
        self.cursor = QPoint(self.vp.width() // 2, self.vp.height() // 2)

    # -- time ---------------------------------------------------------------------------
    def wait(self, seconds: float = RATE) -> list:
        events = []
        for _ in range(max(1, round(seconds / RATE))):
            self.t += RATE
            events += self.c.session.tick(self.t)
        return events

    # -- seeing -------------------------------------------------------------------------
    def pixel(self, world: np.ndarray) -> np.ndarray:
        """(2,) widget pixel where a world point is drawn."""
        view, proj = self.vp.view_projection()
        return project_points(np.asarray(world, float)[None], view, proj, self.vp.width(), self.vp.height())[0, :2]

    def part_centre(self, part: str, pose: np.ndarray | None = None) -> np.ndarray:
        """Screen centre of a part as drawn (or as drawn at ``pose``: a ghost)."""
        rs = self.vp.render_state
        pose = rs.part_poses[part] if pose is None else pose
        return self.pixel(self.c._overlays.part_centre(part, pose))

    def ghost_of(self, part: str) -> np.ndarray | None:
        """The ghost to aim the part at: the one the preview tints, else the nearest on screen."""
        ghosts = [(m, rgba) for p, m, rgba in self.vp.render_state.ghosts if p == part]
        if not ghosts:
            return None
        here = self.part_centre(part)
        ghosts.sort(key=lambda g: (g[1][3] < 0.5, np.linalg.norm(self.part_centre(part, g[0]) - here)))
        return ghosts[0][0]

    def readout(self) -> Readout | None:
        for label in self.vp.render_state.labels:
            if len(label.lines) < 2 or not label.lines[1].startswith("release:"):
                continue
            m = _FIGURES.search(label.lines[0])
            if m is None:
                return None
            r = Readout(m[1] == "✓", float(m[2]), m[3] == "✓", float(m[4]), label.lines[1])
            turn = _TURN.search(label.lines[2]) if len(label.lines) > 2 else None
            if turn is not None:
                r.turn_deg, r.turn_control = float(turn[1]), turn[2]
            return r
        return None

    def pixel_on(self, part: str) -> QPoint | None:
        """A pixel where ``part`` is what the pointer is over (the part's centre if it shows
        there, else the nearest such pixel on a spiral around it)."""
        cx, cy = self.part_centre(part)
        for r in range(0, 60, 3):
            for k in range(max(1, 2 * r)):
                a = k * math.pi / max(1, r)
                x, y = round(cx + r * math.cos(a)), round(cy + r * math.sin(a))
                if 0 <= x < self.vp.width() and 0 <= y < self.vp.height() and self.vp.pick(x, y) == part:
                    return QPoint(x, y)
        return None

    # -- acting ---------------------------------------------------------------------------
    def move_to(self, pixel: QPoint, steps: int = 4) -> None:
        """Slide the pointer to ``pixel`` in a few moves (each a real move event)."""
        start = self.cursor
        for k in range(1, steps + 1):
            p = QPoint(
                round(start.x() + (pixel.x() - start.x()) * k / steps),
                round(start.y() + (pixel.y() - start.y()) * k / steps),
            )
            self._move(p)
        self.wait(2 * RATE)

    def _move(self, p: QPoint) -> None:
        p = QPoint(min(max(p.x(), 0), self.vp.width() - 1), min(max(p.y(), 0), self.vp.height() - 1))
        if p == self.cursor:
            return
        device = self.c.session.device
        w, h = self.vp.width(), self.vp.height()
        ndc = np.array([2.0 * p.x() / w - 1.0, 1.0 - 2.0 * p.y() / h])
        self.qtbot.mouseMove(self.vp, p)
        self.qtbot.waitUntil(lambda: np.allclose(device.cursor, ndc), timeout=3000)
        self.cursor = p
        self.wait()

    def _wheel(self, notches: int) -> None:
        pos = QPointF(self.cursor)
        event = QWheelEvent(
            pos, self.vp.mapToGlobal(pos), QPoint(), QPoint(0, 120 * notches),
            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
        )
        QApplication.sendEvent(self.vp, event)
        self.wait()

    def press(self, button=Qt.MouseButton.RightButton) -> list:
        self.qtbot.mousePress(self.vp, button, pos=self.cursor)
        return self.wait(3 * RATE)

    def release(self, button=Qt.MouseButton.RightButton) -> list:
        self.qtbot.mouseRelease(self.vp, button, pos=self.cursor)
        return self.wait(3 * RATE)

    def turn(self, degrees: float, control: str) -> None:
        """Turn the carried part as the readout says: R (+ Ctrl for 15° steps) and a drag."""
        self.qtbot.keyPress(self.vp, Qt.Key.Key_R)
        stepped = abs(degrees / 15.0 - round(degrees / 15.0)) < 0.2
        if stepped:
            self.qtbot.keyPress(self.vp, Qt.Key.Key_Control)
        self.wait()
        if control.startswith("wheel"):
            notches = round(degrees / 15.0) * (-1 if "toward" in control else 1)
            for _ in range(abs(notches)):
                self._wheel(1 if notches > 0 else -1)
        else:
            pixels = math.radians(degrees) / _TURN_PER_NDC * (self.vp.width() / 2)
            if stepped:  # land mid-step, so rounding cannot fall short
                pixels += math.radians(3.0) / _TURN_PER_NDC * (self.vp.width() / 2)
            dx, dy = {"right": (1, 0), "left": (-1, 0), "up": (0, -1), "down": (0, 1)}[control.split()[-1]]
            if dy:
                pixels *= self.vp.height() / self.vp.width()  # NDC y spans the height
            start = self.cursor
            for k in range(1, 7):
                self._move(QPoint(round(start.x() + dx * pixels * k / 6), round(start.y() + dy * pixels * k / 6)))
        if stepped:
            self.qtbot.keyRelease(self.vp, Qt.Key.Key_Control)
        self.qtbot.keyRelease(self.vp, Qt.Key.Key_R)
        self.wait(2 * RATE)

    def place(self, part: str, max_releases: int = 2, first_turn: tuple[float, str] | None = None) -> int:
        """Put ``part`` into its target by dragging it onto its ghost, reading the readout;
        returns the releases it took (at most ``max_releases``). ``first_turn`` (degrees,
        control): a turn made right after the grab, as a fumbling person might."""
        state = self.c.session.engine.state
        for attempt in range(1, max_releases + 1):
            at = self.pixel_on(part)
            assert at is not None, f"{part} is not visible in the view"
            self.move_to(at)
            self.press()
            assert state.held[1] == part, f"grabbing {part} at {at} took {state.held}"
            if first_turn is not None and attempt == 1:
                self.turn(*first_turn)
            for _ in range(40):
                r = self.readout()
                assert r is not None, "no readout beside the carried part"
                if r.snaps:
                    break
                if r.position_ok and not r.angle_ok and r.turn_control:
                    self.turn(r.turn_deg, r.turn_control)
                    continue
                ghost = self.ghost_of(part)
                assert ghost is not None, "no ghost for the carried part"
                d = self.part_centre(part, ghost) - self.part_centre(part)
                if np.linalg.norm(d) < 0.75:
                    if not r.angle_ok and r.turn_control:
                        self.turn(r.turn_deg, r.turn_control)
                    continue
                step = d * 0.7 if np.linalg.norm(d) > 4 else np.sign(d) * np.ceil(np.abs(d) / 2)
                target = self.cursor + QPoint(round(step[0]), round(step[1]))
                self.move_to(target, steps=2)
            self.release()
            if part in state.snapped:
                return attempt
        return max_releases + 1

    def look_at(self, point: str, seen) -> bool:
        """Rest the eyes (the cursor: gaze follows it) on an inspection point's marker until
        ``seen()``; when a part hides it, walk round the model as the controls say: F2 to
        camera navigation, a left-drag to orbit, F2 back to the hands, and look again."""
        state = self.c.session.engine.state
        dwell = self.c.session.params.dwell_time_s
        for _ in range(8):
            x, y = self.pixel(state.points[point].position)
            self.move_to(QPoint(round(x), round(y)))
            self.wait(dwell + 0.2)
            if seen():
                return True
            self.orbit(60)
        return False

    def orbit(self, pixels: int) -> None:
        """F2, left-drag ``pixels`` sideways (orbit), F2."""
        simulate = self.c.simulate_action
        self.qtbot.keyClick(self.vp, Qt.Key.Key_F2)
        assert not simulate.isChecked(), "F2 did not switch to camera navigation"
        start = QPoint(self.vp.width() // 2, self.vp.height() // 2)
        self.qtbot.mousePress(self.vp, Qt.MouseButton.LeftButton, pos=start)
        for k in range(1, 5):
            self.qtbot.mouseMove(self.vp, start + QPoint(pixels * k // 4, 0))
            self.qtbot.wait(5)
        self.qtbot.mouseRelease(self.vp, Qt.MouseButton.LeftButton, pos=start + QPoint(pixels, 0))
        self.wait()
        self.qtbot.keyClick(self.vp, Qt.Key.Key_F2)
        assert simulate.isChecked()
        self.cursor = start + QPoint(pixels, 0)
        self.wait()

    def select_point_and_mark(self, point: str, verdict: str) -> list:
        """Choose ``point`` in the checklist and click its verdict button."""
        panel = self.c.scenario_panel
        tree: QTreeWidget = panel.points_tree
        item = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == point)
        rect = tree.visualItemRect(item)
        self.qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        button = next(b for v, b in panel.verdict_buttons.items() if v.value == verdict)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return self.wait(2 * RATE)
