"""The Device protocol: what the session needs from any input source.

Kept deliberately small so desktop simulation, camera tracking, OpenXR and replay can
all satisfy it without sharing a base class. Like vispy's backends, a device says whether
it can run here (``available``) and, when not, why (``why_not``) so the app can show the
reason instead of a traceback. A device that fails while running sets ``error``; the
session then falls back to the desktop device and keeps recording.

Optional capabilities are plain attributes a device may have (read with ``getattr`` and a
default), not base classes the app tests with ``isinstance``:

``ticks_on_gui_thread`` (default False): ``poll`` must run on the GUI thread. The live
session steps the engine on its own steady tick thread, so painting cannot hold input back;
an OpenXR headset instead paces the session with its own frame loop, whose GL context lives
on the GUI thread.

``driven_by_viewport`` (default False): simulated input from the window's viewport (the
desktop device): the viewport's mouse and keyboard events go to it (``InputSink``), its head
follows the view camera and back (``head_matrix``, ``set_head``, ``set_projection``), it
says which hands it moves (``active``) and whether gaze follows the cursor
(``gaze_follows_cursor``), and it is told what the engine grabbed (``carrying``,
``begin_carry``, ``end_carry``; app.window.carry_assist).

``feeds_camera_dock`` (default False): a camera tracker (devices/camera): the window shows
its ``snapshot()`` and tracking ``settings`` in the camera dock, names its ``source``, gives
it the gaze ``calibration`` fitted there and puts its head in front of the view camera
each step (``set_head``).

``has_own_display`` (default False): the participant looks at the device's own display (an
OpenXR headset, devices/openxr/headset.py): the window hands it the scene and render state
each step (``show``, ``set_passthrough``, ``set_scene_lift``, ``pulse_for``) and mirrors the
participant's view, with the device's ``state_name`` and ``last_result`` in the status bar.

``assist_description`` (default ""): what the device does for a participant beyond passing
their movements on (the desktop device's carry assist), stored in a trial's metadata.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from interaction.frame import InputFrame


@runtime_checkable
class Device(Protocol):
    #: short human-readable name ("desktop", "camera", "openxr", "replay")
    name: str
    #: set (to one line for the user) when the device fails while running; None otherwise
    error: str | None

    @property
    def available(self) -> bool:
        """Whether the device can run on this machine now."""
        ...

    @property
    def why_not(self) -> str:
        """Why ``available`` is False, in words for the user; "" when available."""
        ...

    def start(self) -> None:
        """Acquire resources (camera, XR session...). May set ``error`` instead of raising."""
        ...

    def stop(self) -> None:
        """Release resources; safe to call twice."""
        ...

    def poll(self, t: float) -> InputFrame:
        """The user's state at session time ``t`` (seconds, monotonically increasing)."""
        ...
