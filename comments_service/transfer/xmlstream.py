"""Reading XML exports safely and in one pass, whatever their size.

defusedxml refuses DTDs, entity declarations (billion laughs, quadratic
blow-up) and external references before they are expanded; the element
depth is capped so that a hostile file cannot make us build a degenerate
tree. Each record is handed over as soon as it is complete and then dropped,
so memory does not grow with the file.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import iterparse

from .records import TransferError

MAX_DEPTH = 64


class _Counting:
    """A binary file that reports how many bytes were read, for the progress bar."""

    def __init__(self, raw: IO[bytes], on_bytes: Callable[[int], None] | None) -> None:
        self.raw = raw
        self.on_bytes = on_bytes

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if self.on_bytes and data:
            self.on_bytes(len(data))
        return data


def _refusal(error: DefusedXmlException) -> str:
    # Entities can only be declared inside a DTD, so refusing every DTD stops them all first.
    if isinstance(error, DTDForbidden):
        return (
            "it declares a DTD (<!DOCTYPE ...>), the way entity-expansion and external-entity attacks begin; "
            "no export of this kind has one, so it is refused"
        )
    return f"refused as unsafe: {error}"


class XmlStream:
    """Stream the elements found at one depth of an XML file (the root is depth 0)."""

    def __init__(self, path: str, on_bytes: Callable[[int], None] | None = None) -> None:
        self.path = path
        self.on_bytes = on_bytes
        self.root_tag: str | None = None
        self.root_attrib: dict[str, str] = {}

    def size(self) -> int:
        """Return the file's size in bytes."""
        return os.path.getsize(self.path)

    def elements(self, level: int) -> Iterator[Element]:
        """Yield each element at ``level`` once complete; raise TransferError for a bad file."""
        name = os.path.basename(self.path)
        stack: list[Element] = []
        try:
            with open(self.path, "rb") as raw:
                for event, elem in iterparse(_Counting(raw, self.on_bytes), events=("start", "end"), forbid_dtd=True):
                    if event == "start":
                        if not stack:
                            self.root_tag, self.root_attrib = elem.tag, dict(elem.attrib)
                        stack.append(elem)
                        if len(stack) > MAX_DEPTH:
                            raise TransferError(
                                f"{name}: elements nested deeper than {MAX_DEPTH} levels; "
                                "no export of this kind does that, refused"
                            )
                        continue
                    stack.pop()
                    if len(stack) == level:
                        yield elem
                        # Done with it: drop it so the tree never holds more than one record.
                        elem.clear()
                        if stack:
                            stack[-1].remove(elem)
        except ParseError as error:
            line, column = error.position
            raise TransferError(f"{name}: not well-formed XML at line {line}, column {column + 1}: {error}") from None
        except DefusedXmlException as error:
            raise TransferError(f"{name}: {_refusal(error)}") from None
        except OSError as error:
            raise TransferError(f"{name}: cannot read it: {error.strerror or error}") from None


def text(elem: Element | None, path: str | None = None) -> str:
    """Return the text of ``elem`` (or of its child at ``path``), '' when absent."""
    if elem is not None and path is not None:
        elem = elem.find(path)
    if elem is None or elem.text is None:
        return ""
    return elem.text
