"""Shared reading of XML workout files (TCX, GPX), whatever their namespaces.

Vendors write the same elements under several namespace URIs and prefixes, so
elements are matched by local name only. Parsing streams, so a file cut off
mid-way still yields every point that was complete before the cut.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import IO

# The standard library parser (expat >= 2.4) resolves no external entities and
# limits entity expansion, which is what untrusted workout files need.


def local_name(tag: str) -> str:
    """`{namespace}hr` -> `hr`."""
    return tag.rpartition("}")[2]


def iter_elements(
    source: IO[bytes], wanted: set[str], on_error: Callable[[str], None]
) -> Iterator[ET.Element]:
    """Yield each complete element whose local name is in `wanted`.

    Yielded elements are cleared after the caller is done with them, so memory
    stays flat on long files. A parse error ends the iteration and is reported
    once through `on_error`.
    """
    try:
        for _event, element in ET.iterparse(source, events=("end",)):
            if local_name(element.tag) in wanted:
                yield element
                element.clear()
    except ET.ParseError as exc:
        on_error(f"the XML breaks off or is malformed ({exc})")


def child_text(element: ET.Element, *path: str) -> str | None:
    """Text of the first descendant reached by following local names in `path`."""
    current: ET.Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if local_name(c.tag) == name), None)
    if current is None or current.text is None:
        return None
    return current.text.strip() or None


def find_descendant_text(element: ET.Element, names: set[str]) -> str | None:
    """Text of the first descendant at any depth whose local name is in `names`."""
    for node in element.iter():
        if node is not element and local_name(node.tag) in names and node.text:
            text = node.text.strip()
            if text:
                return text
    return None
