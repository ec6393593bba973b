"""Write an XML part again in another of the ways XML allows, meaning the very same thing.

Programs that re-save a return each spell its XML their own way: character references (openpyxl
writes every Chinese character as ``&#19977;``), attribute order, quotes, whitespace, namespace
prefixes (``<x:c>``), CDATA, comments, processing instructions, the declaration and encoding.
An XML parser reads them all alike; :func:`respell` makes such spellings for the tests.

The document is taken apart by ElementTree (names as ``{namespace}local``, text and tails) and
written out again. Only what is insignificant changes: whitespace is added only between the
children of elements that hold no text, and text is split into pieces, escaped or not, CDATA or
not, with comments and processing instructions between them, which an XML parser joins again.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass

XML_NS = "http://www.w3.org/XML/1998/namespace"
_BLANKS = (" ", "  ", "\n", "\t", "\r\n", " \n  ")


@dataclass(frozen=True)
class Spelling:
    """How often each liberty is taken (0 never, 1 everywhere)."""

    references: float = 0.0  # a character written as &#N; or &#xH;
    shuffle: bool = False  # attributes in another order
    single_quotes: float = 0.0
    blanks: float = 0.0  # whitespace in tags and between elements
    prefix: str = ""  # "" the default namespace, else this prefix on every element
    local_prefixes: float = 0.0  # an element declaring a prefix of its own and using it
    cdata: float = 0.0
    comments: float = 0.0
    instructions: float = 0.0
    open_close: float = 0.0  # <x></x> for <x/>
    declaration: str = "utf-8"  # "none", "utf-8" or "utf-16"


class _Writer:
    def __init__(self, spelling: Spelling, rnd: random.Random) -> None:
        self.how, self.rnd, self.out = spelling, rnd, []
        self.prefixes: dict[str, str] = {}
        self.fresh = 0

    def chance(self, p: float) -> bool:
        return p > 0 and self.rnd.random() < p

    def blank(self) -> str:
        return self.rnd.choice(_BLANKS) if self.chance(self.how.blanks) else ""

    def char(self, ch: str, must: bool) -> str:
        if must or self.chance(self.how.references):
            return f"&#{ord(ch)};" if self.rnd.random() < 0.5 else f"&#x{ord(ch):X};"
        return ch

    def escape_text(self, text: str) -> str:
        named = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
        return "".join(
            named[ch]
            if ch in named and not self.chance(self.how.references)
            # a carriage return would be read as a line feed unless it is a reference
            else self.char(ch, ch in named or ch == "\r")
            for ch in text
        )

    def escape_attr(self, value: str, quote: str) -> str:
        named = {"&": "&amp;", "<": "&lt;", quote: "&quot;" if quote == '"' else "&apos;"}
        return "".join(
            named[ch]
            if ch in named and not self.chance(self.how.references)
            # tabs and line breaks in a value are read as spaces unless they are references
            else self.char(ch, ch in named or ch in "\t\n\r")
            for ch in value
        )

    def name(self, qname: str, scope: dict[str, str], attribute: bool) -> str:
        if not qname.startswith("{"):
            return qname
        uri, local = qname[1:].split("}", 1)
        if uri == XML_NS:
            return "xml:" + local
        prefix = scope[uri]
        if attribute and not prefix:  # an attribute never takes the default namespace
            prefix = scope["\0attr:" + uri]
        return f"{prefix}:{local}" if prefix else local

    def extras(self) -> str:
        """A comment or a processing instruction, or nothing."""
        out = ""
        if self.chance(self.how.comments):
            out += (
                "<!--" + self.rnd.choice([" 注释 ", "", "x-y", " <c r='Z9'><v>9</v></c> "]) + "-->"
            )
        if self.chance(self.how.instructions):
            out += "<?govxl " + self.rnd.choice(["", "a='1'", "<v>9</v>"]) + "?>"
        return out

    def text(self, text: str) -> str:
        """Text in pieces: escaped or CDATA, with comments and instructions between them."""
        out, i = [], 0
        while i < len(text):
            j = (
                min(len(text), i + self.rnd.randint(1, 8))
                if self.how.cdata or self.how.comments or self.how.instructions
                else len(text)
            )
            piece = text[i:j]
            if (
                self.chance(self.how.cdata)
                and "]]>" not in piece
                and "\r" not in piece
                and "]]" not in text[max(0, i - 2) : j + 2]
            ):
                out.append(f"<![CDATA[{piece}]]>")
            else:
                out.append(self.escape_text(piece))
            out.append(self.extras())
            i = j
        return "".join(out)

    def element(self, el: ET.Element, scope: dict[str, str]) -> None:
        attrs: list[tuple[str, str]] = []
        uri = el.tag[1:].split("}", 1)[0] if el.tag.startswith("{") else ""
        if uri and self.chance(self.how.local_prefixes):
            self.fresh += 1
            prefix = f"n{self.fresh}"
            scope = {**scope, uri: prefix}
            attrs.append((f"xmlns:{prefix}", uri))
        tag = self.name(el.tag, scope, False)
        attrs += [(self.name(k, scope, True), v) for k, v in el.attrib.items()]
        if self.how.shuffle:
            self.rnd.shuffle(attrs)
        self.out.append("<" + tag)
        for k, v in attrs:
            quote = "'" if self.chance(self.how.single_quotes) else '"'
            gap = self.rnd.choice(_BLANKS) if self.chance(self.how.blanks) else " "
            self.out.append(
                f"{gap}{k}{self.blank()}={self.blank()}{quote}{self.escape_attr(v, quote)}{quote}"
            )
        children = list(el)
        text = el.text or ""
        element_only = (
            bool(children)
            and not text.strip()
            and all(not (c.tail or "").strip() for c in children)
        )
        if not children and not text and not self.chance(self.how.open_close):
            self.out.append(self.blank() + "/>")
            return
        self.out.append(self.blank() + ">")
        self.out.append(self.between(text) if element_only else self.text(text))
        for child in children:
            self.element(child, scope)
            tail = child.tail or ""
            self.out.append(self.between(tail) if element_only else self.text(tail))
        self.out.append(f"</{tag}{self.blank()}>")

    def between(self, blank: str) -> str:
        """Whitespace between elements that hold no text: insignificant, so anything goes."""
        return blank + self.blank() + self.extras() + self.blank()


def respell(data: bytes, spelling: Spelling, rnd: random.Random) -> bytes:
    """``data`` (a well-formed XML document) written again the way ``spelling`` says."""
    root = ET.fromstring(data)
    uris = sorted(
        {
            name[1:].split("}", 1)[0]
            for el in root.iter()
            for name in (el.tag, *el.attrib)
            if name.startswith("{")
        }
        - {XML_NS}
    )
    main = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    scope: dict[str, str] = {}
    declared: list[tuple[str, str]] = []
    for i, uri in enumerate(uris):
        prefix = spelling.prefix if uri == main else f"p{i}"
        scope[uri] = prefix
        scope["\0attr:" + uri] = prefix or f"a{i}"
        declared.append(("xmlns" + (f":{prefix}" if prefix else ""), uri))
        if uri == main and not prefix:
            declared.append((f"xmlns:a{i}", uri))  # for attributes in that namespace
    writer = _Writer(spelling, rnd)
    root.attrib.update(dict(declared))  # written like any attribute
    writer.out.append(writer.extras() + writer.blank())
    writer.element(root, scope)
    writer.out.append(writer.blank() + writer.extras())
    body = "".join(writer.out)
    if spelling.declaration == "utf-16":
        return ('<?xml version="1.0" encoding="UTF-16"?>' + body).encode("utf-16")
    if spelling.declaration == "utf-8":
        quote = "'" if writer.chance(spelling.single_quotes) else '"'
        decl = f"<?xml version={quote}1.0{quote} encoding={quote}UTF-8{quote}?>"
        return (decl + body).encode("utf-8")
    return body.encode("utf-8")
