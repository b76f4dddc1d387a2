"""A connection to one session over Zenoh: a participant's (who publishes its presence and
keeps a liveliness token) or a watcher's (who only listens).

Zenoh, not a protocol of our own: peers on a LAN find each other, a router
(``xrjig session serve``) joins them across networks, and user/password authentication
keeps out whoever lacks the session's secret. The secret is the password of a user named
after the session (``secret_file``'s first line), so a router refuses a client of another
session as it refuses a wrong secret.

Leaving is noticed through Zenoh liveliness: a participant's token disappears when it
closes, and when its process dies the router drops it after ``LEASE_MS`` without traffic.

Zenoh calls back on its own threads; what arrives is queued (``events``) and read by the
owner's thread, so the roster and views never run on Zenoh's threads.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.collab.names import check_name, key, participant_of
from app.collab.presence_wire import Encoder
from app.collab.task_wire import MAX_TASK_BYTES
from interaction.frame import InputFrame
from scenes.model import SceneError

#: how long a silent link lives (ms): a killed participant is seen leaving after about this
LEASE_MS = 2000
#: the longest secret read from a secret file, and the largest secret file (the secret,
#: then perhaps the session's TLS certificate authority)
MAX_SECRET_BYTES = 256
MAX_SECRET_FILE_BYTES = 16 * 1024
#: the largest "info" message accepted (a participant's role and file hashes, as JSON)
MAX_INFO_BYTES = 4096


@dataclass(frozen=True)
class LinkEvent:
    """Something that arrived: ``kind`` "joined", "left", "presence" (``payload``: the
    message bytes), "info" (``payload``: a JSON object, see ``announce``) or "task"
    (app/collab/task_wire.py), from participant ``name``, at ``received`` (monotonic seconds)."""

    kind: str
    name: str
    payload: bytes = b""
    received: float = 0.0


def _secret_file_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(MAX_SECRET_FILE_BYTES + 1)
    except OSError as err:
        raise SceneError(path, f"cannot read the session secret ({err.strerror or err})") from None


def read_secret(path: Path) -> str:
    """The secret in ``path`` (its first line), or a SceneError naming the problem."""
    data = _secret_file_bytes(path)
    if len(data) > MAX_SECRET_FILE_BYTES:
        raise SceneError(path, f"is not a session secret file (over {MAX_SECRET_FILE_BYTES} bytes)")
    line = data.split(b"\n", 1)[0].strip()
    if len(line) > MAX_SECRET_BYTES:
        raise SceneError(path, f"the session secret is longer than {MAX_SECRET_BYTES} bytes")
    try:
        secret = line.decode("ascii")
    except UnicodeDecodeError:
        raise SceneError(path, "the session secret must be ASCII text") from None
    if len(secret) < 8 or not secret.isprintable() or ":" in secret:
        raise SceneError(path, "the session secret must be 8 or more printable characters, no ':'")
    return secret


def read_authority(path: Path) -> bytes | None:
    """The TLS certificate authority (PEM) the secret file carries after the secret
    (``xrjig session tls`` adds it; app/collab/tls.py), or None."""
    from app.collab.tls import authority_in

    return authority_in(path, _secret_file_bytes(path)[:MAX_SECRET_FILE_BYTES])


def open_link(session: str, secret_file: Path, *, connect: str | None = None, name: str | None = None) -> SessionLink:
    """A SessionLink with the secret (and, for a ``tls/`` endpoint, the certificate
    authority) of ``secret_file``."""
    return SessionLink(session, read_secret(secret_file), connect=connect, name=name,
                       authority=read_authority(secret_file))


def zenoh_config(mode: str, *, connect: str | None = None, listen: str | None = None,
                 user: str | None = None, secret: str | None = None,
                 dictionary_file: Path | None = None, authority: bytes | None = None,
                 tls_files: tuple[Path, Path] | None = None) -> Any:
    """A Zenoh configuration: ``mode`` client, peer or router; no multicast scouting when
    an endpoint is given (the session is where it was said to be). ``authority``: the only
    certificate authority a ``tls/`` connection trusts; ``tls_files``: a router's
    certificate and key for ``tls/`` listening."""
    import base64

    import zenoh

    values: dict[str, Any] = {
        "mode": mode,
        "transport/link/tx/lease": LEASE_MS,
        "transport/link/tx/keep_alive": 4,
    }
    if connect:
        values["connect/endpoints"] = [connect]
        values["scouting/multicast/enabled"] = False
    if listen:
        values["listen/endpoints"] = [listen]
    if user is not None and secret is not None:
        values["transport/auth/usrpwd/user"] = user
        values["transport/auth/usrpwd/password"] = secret
    if dictionary_file is not None:
        values["transport/auth/usrpwd/dictionary_file"] = str(dictionary_file)
    if authority is not None:
        values["transport/link/tls/root_ca_certificate_base64"] = base64.b64encode(authority).decode()
    if tls_files is not None:
        values["transport/link/tls/listen_certificate"] = str(tls_files[0])
        values["transport/link/tls/listen_private_key"] = str(tls_files[1])
    config = zenoh.Config()
    for name, value in values.items():
        config.insert_json5(name, json.dumps(value))
    return config


class SessionLink:
    """One connection to session ``session`` (see module docstring). With ``name`` it is a
    participant: ``publish`` sends its presence; without, it only listens."""

    def __init__(self, session: str, secret: str, *, connect: str | None = None,
                 name: str | None = None, authority: bytes | None = None) -> None:
        import zenoh

        self.session = check_name("session", session)
        self.name = check_name("participant", name) if name is not None else None
        self.events: queue.SimpleQueue[LinkEvent] = queue.SimpleQueue()
        if connect is not None and connect.startswith("tls/") and authority is None:
            raise SceneError(connect, "a TLS session needs the certificate in its secret file: ask the "
                                      "facilitator for the file `xrjig session tls` completed")
        config = zenoh_config("client" if connect else "peer", connect=connect, user=session, secret=secret,
                              authority=authority)
        try:
            self._z = zenoh.open(config)
        except zenoh.ZError:
            where = connect or "the local network"
            raise SceneError(where, f"cannot join session {session!r}: no router there, or it "
                                    "refused this session's secret or certificate") from None
        self._encoder = Encoder()
        self._token = self._publisher = None
        if self.name is not None:
            self._token = self._z.liveliness().declare_token(key(session, "alive", self.name))
            self._publisher = self._z.declare_publisher(
                key(session, "presence", self.name),
                congestion_control=zenoh.CongestionControl.DROP,
                priority=zenoh.Priority.INTERACTIVE_HIGH,
                express=True,
            )
        self._alive = self._z.liveliness().declare_subscriber(
            key(session, "alive"), self._on_alive, history=True
        )
        self._presence = self._z.declare_subscriber(key(session, "presence"), self._on_presence)
        self._info = self._z.declare_subscriber(key(session, "info"), self._on_info)
        self._task = self._z.declare_subscriber(key(session, "task"), self._on_task)
        self._state_reply = None
        self._info_reply = None
        self._announced = b""

    def announce(self, info: dict[str, str]) -> None:
        """Tell who joins and joined later what this participant has open (role, hashes of
        the scenario and model files): sent now, and answered to every newcomer's query."""
        assert self.name is not None, "a watcher does not announce"
        payload = json.dumps(info, sort_keys=True).encode()
        info_key = key(self.session, "info", self.name)
        self._z.put(info_key, payload)
        if self._info_reply is None:
            self._info_reply = self._z.declare_queryable(
                info_key, lambda query: query.reply(info_key, self._announced)
            )
        self._announced = payload
        for reply in self._z.get(key(self.session, "info"), timeout=2.0):  # who was there before us
            if reply.ok is not None:
                self._on_info(reply.ok)

    def publish(self, frame: InputFrame, t: float) -> int:
        """Send this participant's newest head, hands and gaze (best effort: dropped, not
        queued, when the network is behind; the next one is newer anyway); the bytes sent."""
        assert self._publisher is not None, "a watcher does not publish"
        message = self._encoder.encode(frame, t)
        self._publisher.put(message)
        return len(message)

    def _on_alive(self, sample: Any) -> None:
        import zenoh

        name = participant_of(self.session, "alive", str(sample.key_expr))
        if name is not None and name != self.name:
            kind = "joined" if sample.kind == zenoh.SampleKind.PUT else "left"
            self.events.put(LinkEvent(kind, name, received=time.monotonic()))

    def _on_presence(self, sample: Any) -> None:
        name = participant_of(self.session, "presence", str(sample.key_expr))
        if name is not None and name != self.name:
            self.events.put(LinkEvent("presence", name, sample.payload.to_bytes(), time.monotonic()))

    def publish_task(self, payload: bytes) -> None:
        """Send a task change (app/collab/task_wire.py) to everyone, reliably."""
        assert self.name is not None, "a watcher does not change the task"
        self._z.put(key(self.session, "task", self.name), payload)

    def serve_task_state(self, state: Callable[[], bytes]) -> None:
        """Answer late joiners' ``fetch_task_state`` with ``state()`` (called on Zenoh's thread)."""
        assert self.name is not None
        state_key = key(self.session, "state", self.name)
        if self._state_reply is None:
            self._state_reply = self._z.declare_queryable(state_key, lambda query: query.reply(state_key, state()))

    def fetch_task_state(self) -> list[LinkEvent]:
        """The others' task states, as "task" events (waits up to 2 s for their answers)."""
        out = []
        for reply in self._z.get(key(self.session, "state"), timeout=2.0):
            sample = reply.ok
            if sample is None:
                continue
            name = participant_of(self.session, "state", str(sample.key_expr))
            payload = sample.payload.to_bytes()
            if name is not None and name != self.name and len(payload) <= MAX_TASK_BYTES:
                out.append(LinkEvent("task", name, payload, time.monotonic()))
        return out

    def _on_task(self, sample: Any) -> None:
        name = participant_of(self.session, "task", str(sample.key_expr))
        payload = sample.payload.to_bytes()
        if name is not None and name != self.name and len(payload) <= MAX_TASK_BYTES:
            self.events.put(LinkEvent("task", name, payload, time.monotonic()))

    def _on_info(self, sample: Any) -> None:
        name = participant_of(self.session, "info", str(sample.key_expr))
        payload = sample.payload.to_bytes()
        if name is not None and name != self.name and len(payload) <= MAX_INFO_BYTES:
            self.events.put(LinkEvent("info", name, payload, time.monotonic()))

    def drain(self) -> list[LinkEvent]:
        """Everything that arrived since the last call, oldest first."""
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        """Leave: the others see "left" at once."""
        for entity in (self._state_reply, self._task, self._info_reply, self._info, self._presence,
                       self._alive, self._publisher, self._token):
            if entity is not None:
                entity.undeclare()
        self._z.close()
