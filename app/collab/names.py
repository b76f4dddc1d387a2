"""Session and participant names, and the Zenoh key space of a session.

Everything a session sends lives under ``xrjig/<session>/``; names are checked before they
become part of a key, so a name can never widen a subscription (``*``, ``**``, ``$``) or
climb out of the session's space (``/``). Keys:

``xrjig/<session>/alive/<name>``     liveliness token: present while the participant is
``xrjig/<session>/presence/<name>``  head, hands and gaze, newest wins (presence_wire.py)
``xrjig/<session>/info/<name>``      role and the hashes of the files it has open (JSON)
``xrjig/<session>/task/<name>``      a change of the shared task it made (task_wire.py)
``xrjig/<session>/state/<name>``     its task state, answered to late joiners' queries
"""

from __future__ import annotations

import re

from scenes.model import SceneError

ROOT = "xrjig"
ROLES = ("facilitator", "participant", "observer")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_name(kind: str, name: str) -> str:
    """``name`` if it is a usable session or participant name, else a SceneError saying why."""
    if not _NAME.fullmatch(name):
        raise SceneError(
            f"{kind} name {name[:80]!r}",
            "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


def key(session: str, kind: str, name: str | None = None) -> str:
    """The key of ``kind`` ("alive", "presence") for participant ``name`` in ``session``;
    with ``name`` None, the key expression matching every participant's."""
    check_name("session", session)
    if name is None:
        return f"{ROOT}/{session}/{kind}/*"
    return f"{ROOT}/{session}/{kind}/{check_name('participant', name)}"


def participant_of(session: str, kind: str, key_expr: str) -> str | None:
    """The participant a received key names, None if the key is not one of ``session``'s
    ``kind`` keys with a valid name (then the sample is ignored)."""
    prefix = f"{ROOT}/{session}/{kind}/"
    if not key_expr.startswith(prefix):
        return None
    name = key_expr[len(prefix):]
    return name if _NAME.fullmatch(name) else None
