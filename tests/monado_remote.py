"""A client for Monado's remote driver (``P_OVERRIDE_ACTIVE_CONFIG=remote``, TCP 4242): the
tests' hands on the runtime's head, controllers and tracked hands.

Wire format (Monado's ``drivers/remote/r_interface.h``): the service accepts one client,
sends it two ``struct r_remote_data`` packets (the reset state, then the current one) and
then reads whole packets, each replacing the current state. The header is not checked.
Two layouts exist: "mndrmt2" (head = one pose, 276 bytes) and "mndrmt3" (head = two views
+ centre, 376 bytes, Monado 25); the size of the greeting tells which.

Per controller (120 bytes): pose (quaternion xyzw, position xyz), linear and angular
velocity, hand_curl[5], trigger, squeeze, squeeze force, thumbstick xy, trackpad force,
trackpad xy, then bools: hand_tracking_active, active, system click/touch, a click/touch,
b click/touch, trigger click/touch, thumbstick click/touch, trackpad touch, 3 pad.
"""

from __future__ import annotations

import socket
import struct
import time

PORT = 4242
CONTROLLER_SIZE = 120
#: packet size -> (head centre pose offset, left controller offset)
LAYOUTS = {376: (104, 136), 276: (8, 36)}
_FLOATS = {"trigger": 72, "squeeze": 76, "squeeze_force": 80}
_BOOLS = {
    "hand_tracking_active": 104,
    "active": 105,
    "a_click": 108,
    "b_click": 110,
    "trigger_click": 112,
    "thumbstick_click": 114,
}


def _pose_bytes(
    position: tuple[float, float, float], orientation: tuple[float, float, float, float]
) -> bytes:
    return struct.pack("<7f", *orientation, *position)


class MonadoRemote:
    """Connected to the remote driver, reset to its initial state (head at 1.6 m, both
    controllers active in front); change state with the setters, then ``send()``."""

    def __init__(self, host: str = "127.0.0.1", port: int = PORT, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        greeting = self._read_greeting()
        size = len(greeting) // 2
        if len(greeting) % 2 or size not in LAYOUTS:
            raise RuntimeError(f"unknown Monado remote protocol ({len(greeting)} greeting bytes)")
        self.size = size
        self._head_at, self._left_at = LAYOUTS[size]
        self.reset = bytes(greeting[:size])
        # start every client from the driver's reset state, not from what an earlier
        # client left behind (a pressed trigger would leak into the next test)
        self.data = bytearray(self.reset)
        self.send()

    def _read_greeting(self) -> bytes:
        """Both greeting packets: read until the service goes quiet."""
        buf = bytearray()
        self.sock.settimeout(2.0)
        buf += self.sock.recv(4096)
        self.sock.settimeout(0.3)
        try:
            while True:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except TimeoutError:
            pass
        self.sock.settimeout(5.0)
        return bytes(buf)

    def _controller(self, hand: int) -> int:
        return self._left_at + hand * CONTROLLER_SIZE

    def set_head(
        self, position: tuple[float, float, float], orientation=(0.0, 0.0, 0.0, 1.0)
    ) -> None:
        self.data[self._head_at : self._head_at + 28] = _pose_bytes(position, orientation)

    def set_controller(
        self,
        hand: int,
        position: tuple[float, float, float] | None = None,
        orientation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0),
        **values: float | bool,
    ) -> None:
        """``hand`` 0 left, 1 right; ``values``: trigger, squeeze, squeeze_force (0..1),
        active, hand_tracking_active, a_click, b_click, trigger_click, thumbstick_click,
        curl (one value 0..1 for all five fingers)."""
        at = self._controller(hand)
        if position is not None:
            self.data[at : at + 28] = _pose_bytes(position, orientation)
        for name, value in values.items():
            if name == "curl":
                struct.pack_into("<5f", self.data, at + 52, *([float(value)] * 5))
            elif name in _FLOATS:
                struct.pack_into("<f", self.data, at + _FLOATS[name], float(value))
            elif name in _BOOLS:
                self.data[at + _BOOLS[name]] = 1 if value else 0
            else:
                raise KeyError(f"unknown remote controller value {name!r}")

    def controller_position(self, hand: int) -> tuple[float, float, float]:
        at = self._controller(hand)
        return struct.unpack_from("<3f", self.data, at + 16)

    def send(self) -> None:
        self.sock.sendall(bytes(self.data))

    def close(self) -> None:
        self.sock.close()
