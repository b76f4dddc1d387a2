"""Writing a scenario back into its own file without losing what the person wrote there.

A designer's scenario file carries comments (why a tolerance is what it is, who asked for a
step) and a layout of their choosing. Saving an edited scenario with a plain YAML dump would
drop all of that, so a save into an existing file merges the new content into the file's
round-trip tree (ruamel.yaml, made for exactly this): mappings keep their keys' order and
comments, list entries with an ``id`` (steps, inspection points) are matched by id so their
comments move with them, and scalars that did not change keep their original spelling
(``5`` stays ``5``, not ``5.0``). Files this cannot read as a plain mapping are written
fresh.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError


def merged_yaml(original: str, data: dict[str, Any]) -> str | None:
    """``data`` written into ``original``'s YAML text, keeping its comments and layout;
    None when ``original`` is not a YAML mapping (write ``data`` fresh instead)."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    try:
        tree = yaml.load(original)
    except YAMLError:
        return None
    if not isinstance(tree, CommentedMap):
        return None
    _merge(tree, data)
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


def _merge(old: Any, new: Any) -> Any:
    """``new`` with as much of ``old``'s tree (comments, order, spelling) as still fits."""
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            old[key] = _merge(old[key], value) if key in old else value
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        items = _merge_items(list(old), new)
        del old[:]
        old.extend(items)
        return old
    if _same_scalar(old, new):
        return old  # keeps its original spelling and quoting
    return new


def _merge_items(old: list[Any], new: list[Any]) -> list[Any]:
    if all(isinstance(x, dict) and "id" in x for x in old + new):
        by_id = {str(x["id"]): x for x in old}
        return [_merge(by_id[str(x["id"])], x) if str(x["id"]) in by_id else x for x in new]
    if len(old) == len(new):
        return [_merge(a, b) for a, b in zip(old, new, strict=True)]
    return list(new)


def _same_scalar(old: Any, new: Any) -> bool:
    if isinstance(old, (dict, list)) or isinstance(new, (dict, list)):
        return False
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return float(old) == float(new)
    if isinstance(old, str) and isinstance(new, str):
        return old == new
    return old is None and new is None
