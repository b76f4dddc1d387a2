"""Who is in the session and where their heads and hands are, from a link's events.

Newest wins: a participant's presence is its latest decodable message (presence_wire's
Decoder drops older and orphaned ones); it is drawn a moment behind, interpolated between
its recent frames (motion.py). One who sends nothing for ``FADE_AFTER_S`` is drawn
fading out, and after ``GONE_AFTER_S`` not at all, even before the link says "left" (a
frozen process keeps its Zenoh session alive but shows no one anything). Bad messages are
counted and the first one of each sender is said once (``notes``), never raised: the
network is not trusted. Time is passed in (monotonic seconds): no clock of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from app.collab.link import LinkEvent
from app.collab.motion import Motion
from app.collab.presence_wire import Decoder, WireError
from interaction.frame import InputFrame

FADE_AFTER_S = 2.0
GONE_AFTER_S = 5.0


@dataclass
class Peer:
    """Another participant as last heard of."""

    name: str
    joined: bool = True
    frame: InputFrame | None = None
    #: the sender's session time of ``frame``, and when it arrived (monotonic seconds)
    sent: float = 0.0
    heard: float = 0.0
    bad_messages: int = 0
    #: what it announced: role and the hashes of its scenario and model (strings only)
    info: dict[str, str] = field(default_factory=dict)
    decoder: Decoder = field(default_factory=Decoder, repr=False)
    #: its recent frames, for drawing it smoothly (app/collab/motion.py)
    motion: Motion = field(default_factory=Motion, repr=False)

    def opacity(self, now: float) -> float:
        """1 while fresh, falling to 0 between FADE_AFTER_S and GONE_AFTER_S of silence."""
        silent = now - self.heard
        if silent <= FADE_AFTER_S:
            return 1.0
        return max(0.0, 1.0 - (silent - FADE_AFTER_S) / (GONE_AFTER_S - FADE_AFTER_S))


class Roster:
    """The other participants of one session (see module docstring)."""

    def __init__(self) -> None:
        self.peers: dict[str, Peer] = {}
        #: one line per problem worth telling the person (a sender's first bad message)
        self.notes: list[str] = []
        #: with a list here, every presence frame decoded is also appended to it as
        #: (name, received, frame): for whoever records the others (the owner empties it)
        self.arrivals: list[tuple[str, float, InputFrame]] | None = None

    def apply(self, events: list[LinkEvent]) -> list[LinkEvent]:
        """Take a link's events in; return the joins, leaves, announcements and task
        changes among them (in order)."""
        changes = []
        for event in events:
            peer = self.peers.get(event.name)
            if event.kind == "joined":
                if peer is None or not peer.joined:
                    self.peers[event.name] = Peer(event.name, heard=event.received)
                    changes.append(event)
            elif event.kind == "left":
                if peer is not None and peer.joined:
                    peer.joined = False
                    peer.frame = None
                    changes.append(event)
            elif event.kind == "presence":
                if peer is None:  # its presence came before its liveliness news: it is there
                    self.peers[event.name] = Peer(event.name, heard=event.received)
                    changes.append(LinkEvent("joined", event.name, received=event.received))
                self._presence(event)
            elif event.kind == "info" and self._info(event):
                changes.append(event)
            elif event.kind == "task":
                changes.append(event)  # the task is the window's (task_wire decodes it there)
        return changes

    def _info(self, event: LinkEvent) -> bool:
        try:
            info = json.loads(event.payload)
        except ValueError:
            info = None
        if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
            self.notes.append(f"{event.name}: an announcement that is not a JSON object of texts")
            return False
        peer = self.peers.setdefault(event.name, Peer(event.name, heard=event.received))
        peer.info = {str(k)[:64]: v[:256] for k, v in info.items()}
        return True

    def _presence(self, event: LinkEvent) -> None:
        peer = self.peers[event.name]
        if not peer.joined:
            return  # a straggler after "left"
        try:
            decoded = peer.decoder.decode(event.payload)
        except WireError as err:
            peer.bad_messages += 1
            if peer.bad_messages == 1:
                self.notes.append(f"{event.name}: {err}")
            return
        if decoded is not None:
            _, peer.sent, peer.frame = decoded
            peer.heard = event.received
            peer.motion.add(peer.sent, event.received, peer.frame)
            if self.arrivals is not None:
                self.arrivals.append((event.name, event.received, peer.frame))

    def present(self) -> list[str]:
        """Names of the participants in the session now, sorted."""
        return sorted(name for name, peer in self.peers.items() if peer.joined)

    def visible(self, now: float) -> list[tuple[str, InputFrame, float]]:
        """(name, frame, opacity) of everyone to draw now, sorted by name: each a moment
        behind their newest frame, interpolated (app/collab/motion.py)."""
        out = []
        for name in self.present():
            peer = self.peers[name]
            alpha = peer.opacity(now)
            frame = peer.motion.at(now)
            if frame is not None and alpha > 0.0:
                out.append((name, frame, alpha))
        return out
