"""Read an ArchiMate Model Exchange File (Open Group, 3.x) into its elements and relationships.

Only what the mapping needs is kept: each element's id, type and name, each relationship's
id, type, source and target. Views, properties and organisations (folders) are passed over.
XML is read by expat with every DTD refused outright: no entity can be declared, expanded or
fetched. A 2.x file is recognised by its namespace and refused naming its version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from service.errors import InputError
from service.importers.contract import Source, Summary

NAMESPACE = "http://www.opengroup.org/xsd/archimate/3.0/"
_OLD = re.compile(r"http://www\.opengroup\.org/xsd/archimate(?:/(\d+(?:\.\d+)*))?/?")
_XSI_TYPE = "http://www.w3.org/2001/XMLSchema-instance type"
_SEP = " "


@dataclass(frozen=True, slots=True)
class Element:
    """An element of the model: its id, its ArchiMate type and its name (None: unnamed)."""

    identifier: str
    type: str
    name: str | None


@dataclass(frozen=True, slots=True)
class Relationship:
    """A relationship of the model, between two element ids, and where it is (file:line)."""

    identifier: str
    type: str
    source: str
    target: str
    where: str


@dataclass(slots=True)
class Model:
    """What a file holds: the model's id and name, its elements and relationships in order."""

    identifier: str | None = None
    name: str | None = None
    elements: dict[str, Element] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)


class _Refused(Exception):
    """Raised from an expat callback: the document is refused, with this reason."""


class _Reader:
    """The expat callbacks: a stack of open tags, the element or relationship being read."""

    def __init__(self, source: Source, summary: Summary, parser: expat.XMLParserType) -> None:
        self.source, self.summary, self.parser = source, summary, parser
        self.model = Model()
        self.path: list[str] = []
        self.item: dict[str, str] | None = None
        self.where = ""
        self.text: list[str] | None = None

    def start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(_SEP)
        if not self.path:
            self._root(namespace, local, attributes)
        self.path.append(local)
        if namespace != NAMESPACE:
            return
        if self.path in (
            ["model", "elements", "element"],
            ["model", "relationships", "relationship"],
        ):
            self.item = dict(attributes)
            self.where = f"{self.source.name}:{self.parser.CurrentLineNumber}"
        elif (
            local == "name"
            and len(self.path) in (2, 4)
            and self.path[-2] in ("model", "element", "relationship")
        ):
            self.text = []

    def _root(self, namespace: str, local: str, attributes: dict[str, str]) -> None:
        if namespace != NAMESPACE:
            old = _OLD.fullmatch(namespace)
            if old is not None:
                version = old.group(1) or "2.1"
                raise InputError(
                    f"{self.source.name}: an ArchiMate exchange file of version {version}; only "
                    f"3.x (namespace {NAMESPACE}) is read"
                )
        if namespace != NAMESPACE or local != "model":
            raise _Refused(f"the root is not an ArchiMate 3.x <model> ({NAMESPACE})")
        self.model.identifier = attributes.get("identifier")

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, _name: str) -> None:
        local = self.path.pop()
        if self.text is not None and local == "name":
            name = "".join(self.text).strip() or None
            self.text = None
            if self.item is not None:
                self.item.setdefault("name", name or "")
            elif self.model.name is None:
                self.model.name = name
        elif self.item is not None and local in ("element", "relationship") and len(self.path) == 2:
            item, self.item = self.item, None
            self._keep(local, item)

    def _keep(self, local: str, item: dict[str, str]) -> None:
        identifier, kind = item.get("identifier"), item.get(_XSI_TYPE)
        if not identifier or not kind:
            self.summary.skip(self.where, f"an {local} without identifier or xsi:type")
        elif local == "element" and identifier in self.model.elements:
            self.summary.skip(self.where, f"a second element with identifier {identifier!r}")
        elif local == "element":
            self.model.elements[identifier] = Element(identifier, kind, item.get("name") or None)
        elif not item.get("source") or not item.get("target"):
            self.summary.skip(self.where, f"relationship {identifier!r} without source or target")
        else:
            self.model.relationships.append(
                Relationship(identifier, kind, item["source"], item["target"], self.where)
            )


def read_model(source: Source, summary: Summary) -> Model:
    """The model of an exchange file; `InputError` for XML that is not well-formed, has a DTD,
    is not an ArchiMate 3.x model, or is an older version (named)."""
    parser = expat.ParserCreate(namespace_separator=_SEP)
    reader = _Reader(source, summary, parser)

    def doctype(*_args: object) -> None:
        raise _Refused("a DTD is not accepted in an ArchiMate file (no entities, no DTDs)")

    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.chars
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(source.data, True)
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc))
        raise InputError(f"{source.name}:{exc.lineno}: not well-formed XML ({message})") from None
    except _Refused as refused:
        line = parser.CurrentLineNumber
        raise InputError(f"{source.name}:{line}: {refused.args[0]}") from None
    return reader.model
