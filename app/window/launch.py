"""The desktop window as a command starts it: ``xrjig [FILE] [--scenario S] [--variant V]
[--device D]`` opens the bundled sample first (so a FILE that fails leaves a usable window
behind its error dialog), then FILE, then the chosen device.
"""

from __future__ import annotations

from pathlib import Path

from app.window.controller import InteractionController, attach_interaction
from app.window.replay_window import install_open_recording
from views.main_window import MainWindow
from views.session_dialog import JoinRequest


def open_window(
    path: Path | None,
    scenario: Path | None = None,
    variant: str | None = None,
    device: str = "desktop",
    join: JoinRequest | None = None,
) -> tuple[MainWindow, InteractionController]:
    """The shown main window with interaction attached, on FILE (model or scenario).

    The bundled sample is opened first, so a FILE that fails to load leaves a usable
    window behind its error dialog. Without a model the scenario's model is opened;
    with neither, the bundled sample scenario.
    ``device`` is a spec (app.window.device_choice: desktop, camera[:N], video:PATH, openxr);
    one that cannot run here says why in a dialog and the desktop device stays. ``join``:
    a shared session to join once the model is open (a refusal is a dialog)."""
    from scenes.samples import SAMPLE_SCENARIO, SAMPLE_SCENE

    if path is not None and scenario is None and path.suffix.lower() in (".yaml", ".yml"):
        path, scenario = None, path
    if path is None and scenario is None:  # a first start shows a whole task, not a bare model
        scenario = SAMPLE_SCENARIO
    window = MainWindow()
    controller = attach_interaction(window, scenario, variant)
    window.show()
    requested = controller.model.requested
    model = path if path is not None else (requested.model if requested else None)
    window.open_file(SAMPLE_SCENE, remember=False)
    if model is not None and model.resolve() != SAMPLE_SCENE.resolve():
        window.open_file(model)
    if device != "desktop":
        controller.devices.choose(device)
    if join is not None:
        controller.sharing.join(join)
    install_open_recording(window)
    return window, controller


def run(
    path: Path | None,
    scenario: Path | None = None,
    variant: str | None = None,
    device: str = "desktop",
    join: JoinRequest | None = None,
) -> int:
    """``xrjig [FILE] [--scenario S] [--variant V] [--device D]``: run the window.

    A ``device`` spec that names no device ends the command with one line."""
    from app.display.application import create_application
    from app.window.device_choice import DeviceSpecError, make_device

    try:
        make_device(device)
    except DeviceSpecError as err:
        raise SystemExit(f"xrjig: {err}") from None
    app = create_application()
    _window, controller = open_window(path, scenario, variant, device, join)
    app.aboutToQuit.connect(controller.sharing.leave)
    app.aboutToQuit.connect(lambda: controller.session and controller.session.stop())
    return app.exec()
