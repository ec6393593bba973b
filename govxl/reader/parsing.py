"""Hardened expat: the one XML parser of the reader, for every part of every file.

Any ``<!DOCTYPE`` is refused as soon as it starts, so no entity is ever declared, expanded or
fetched; parts that are not otherwise read are still read up to their root element to find one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from functools import partial
from xml.parsers import expat

from defusedxml.common import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

from .archive import CHUNK, Archive, norm
from .core import Fail


def _no_dtd(name: str, sysid: str | None, pubid: str | None, _internal: int) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _no_entity(name: str, *args: object) -> None:
    raise EntitiesForbidden(name, None, None, None, None, None)


def _no_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _parser() -> expat.XMLParserType:
    """Expat with the same refusals as ``defusedxml`` (forbid_dtd / entities / external).

    We use pyexpat callbacks directly rather than defusedxml's pure-Python ElementTree so no
    tree is built and each cell costs a handful of C-to-Python calls.  Any DOCTYPE is refused
    as soon as it starts, so entity declarations (billion laughs, XXE) are never even read.
    """
    p = expat.ParserCreate(namespace_separator="}")
    p.buffer_text = True
    p.buffer_size = CHUNK
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _no_dtd
    p.EntityDeclHandler = _no_entity
    p.UnparsedEntityDeclHandler = _no_entity
    p.ExternalEntityRefHandler = _no_external
    return p


LOCAL_NAMES: dict[str, str] = {}  # hot loops try this cache inline before local_name()


def local_name(name: str) -> str:
    """``{ns}c`` / ``x:c`` -> ``c``: writers differ in prefixes; only local names matter."""
    tag = LOCAL_NAMES.get(name)
    if tag is None:
        tag = name.rpartition("}")[2].rpartition(":")[2]
        if len(LOCAL_NAMES) < 4096:  # bounded: a hostile part may invent endless names
            LOCAL_NAMES[name] = tag
    return tag


StartFn = Callable[[str, dict[str, str]], None]


def run_xml(
    arc: Archive,
    part: str,
    start: StartFn,
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    """Stream ``part`` through hardened expat with raw handlers; XML errors become Fail."""
    p = _parser()
    p.StartElementHandler = start
    if end:
        p.EndElementHandler = end
    if text:
        p.CharacterDataHandler = text
    arc.done.add(norm(part))
    pieces = arc.chunks(part)
    try:
        for chunk in pieces:
            p.Parse(chunk, False)
        p.Parse(b"", True)
    except DefusedXmlException as exc:
        raise Fail("xml-entity", f"位于“{part}”") from exc
    except expat.ExpatError as exc:
        _verify_rest(pieces, exc)
        raise Fail("corrupt-file", f"“{part}”第 {exc.lineno} 行 XML 格式错误") from exc
    except (LookupError, UnicodeError) as exc:  # an encoding expat/Python does not know
        _verify_rest(pieces, exc)
        raise Fail("corrupt-file", f"“{part}”的文字编码无法识别") from exc


def _verify_rest(pieces: Iterator[bytes], cause: Exception) -> None:
    """Inflate the rest of a part whose XML broke off: a member damaged in the zip (a copy cut
    short, a flipped byte) is told as that, not as bad XML, whatever byte the parser met first."""
    try:
        for _ in pieces:
            pass
    except Fail as fail:
        raise fail from cause


def walk_xml(
    arc: Archive,
    part: str,
    start: StartFn,
    texts: Collection[str] = (),
    got: Callable[[str, str], None] | None = None,
) -> None:
    """Stream a small part: ``start(tag, attrs)`` per element, ``got(tag, text)`` for ``texts``."""
    buf: list[str] | None = None

    def on_start(name: str, attrs: dict[str, str]) -> None:
        nonlocal buf
        tag = local_name(name)
        start(tag, attrs)
        if tag in texts:
            buf = []

    def on_end(name: str) -> None:
        nonlocal buf
        if buf is not None and got is not None:
            got(local_name(name), "".join(buf))
        buf = None

    def on_text(data: str) -> None:
        if buf is not None:
            buf.append(data)

    run_xml(arc, part, on_start, on_end, on_text)


class _Stop(Exception):
    pass


def _raise_stop(name: str, attrs: dict[str, str]) -> None:
    raise _Stop


def check_prologs(arc: Archive) -> None:
    """Refuse DTDs in XML parts we do not parse: a DOCTYPE can only sit before the root."""
    for info in list(arc.members.values()):
        key = norm(info.filename)
        if key in arc.done or not key.endswith((".xml", ".rels", ".vml")):
            continue
        arc.memo(info.filename, "prolog", partial(_check_prolog, arc, info.filename))
        arc.done.add(key)


def _check_prolog(arc: Archive, name: str) -> bool:
    p = _parser()
    p.StartElementHandler = _raise_stop
    try:
        for chunk in arc.chunks(name, 4096):
            p.Parse(chunk, False)
    except (_Stop, expat.ExpatError, LookupError, UnicodeError):
        return True  # root reached, or a broken part we never read anyway
    except Fail as fail:
        if fail.code != "corrupt-zip":
            raise
    except DefusedXmlException as exc:
        raise Fail("xml-entity", f"位于“{name}”") from exc
    return True


def text_of(arc: Archive, part: str, tag: str) -> str | None:
    """Stripped text of the first ``tag`` element in ``part`` (absent part -> None)."""
    if not arc.has(part):
        return None

    def compute() -> str | None:
        found: list[str] = []
        walk_xml(arc, part, lambda t, a: None, (tag,), lambda t, text: found.append(text.strip()))
        return found[0] if found and found[0] else None

    return arc.memo(part, "text:" + tag, compute)
