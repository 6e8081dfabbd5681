"""ProjectionExpression: the attributes (or nested parts of them) an answer keeps.

Nested paths keep their enclosing maps; projected list elements keep their order and are
packed together, as DynamoDB returns them. A path that names nothing adds nothing.
"""

from __future__ import annotations

from typing import Any

from cadabra.dynamodb.expressions import Path
from cadabra.dynamodb.items import Item

__all__ = ["project"]

# Element -> what to keep below it; None = the whole value.
Tree = dict[str | int, "Tree | None"]


def project(item: Item, paths: list[Path] | None) -> Item:
    if paths is None:
        return item
    tree: Tree = {}
    for path in paths:
        _insert(tree, path.elements)
    kept = _copy({"M": item}, tree)
    return {} if kept is None else dict(kept["M"])


def _insert(tree: Tree, elements: tuple[str | int, ...]) -> None:
    head, rest = elements[0], elements[1:]
    if head in tree and tree[head] is None:
        return  # the whole value is kept already
    if not rest:
        tree[head] = None
        return
    below = tree.get(head) or {}
    tree[head] = below
    _insert(below, rest)


def _copy(value: dict[str, Any], tree: Tree | None) -> dict[str, Any] | None:
    if tree is None:
        return value
    if "M" in value:
        members = value["M"]
        kept = {}
        for name, below in tree.items():
            if isinstance(name, str) and name in members:
                copied = _copy(members[name], below)
                if copied is not None:
                    kept[name] = copied
        return {"M": kept} if kept else None
    if "L" in value:
        elements = value["L"]
        indexes = sorted(i for i in tree if isinstance(i, int) and i < len(elements))
        copies = [_copy(elements[i], tree[i]) for i in indexes]
        packed = [c for c in copies if c is not None]
        return {"L": packed} if packed else None
    return None
