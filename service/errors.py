"""The project's exception tree. No HTTP and no exit codes here: the edges decide those.

TriskelError
├── InputError (ValueError)             bad input from a user: HTTP 4xx, CLI exit 2
│   ├── RDFSyntaxError (SyntaxError)    unparseable RDF, with file/line/column when known
│   ├── UnsupportedFormatError          unknown media type or file extension
│   │   └── NotAcceptableError          no representation the caller accepts (HTTP 406)
│   ├── QuerySyntaxError (SyntaxError)  unparseable SPARQL query or update
│   ├── QueryParameterError             a named-query parameter of the wrong type
│   ├── ShapesError                     a shapes file that is not usable SHACL
│   ├── ForbiddenOperationError         SERVICE, LOAD... refused by policy
│   ├── OperationFailedError            a well-formed update the store cannot apply (DROP of
│   │                                   an absent graph without SILENT): nothing changed
│   └── TooLargeError                   a body or literal over a configured limit
├── NotFoundError (LookupError)         an unknown graph, query or report
├── GuardRefusedError                   a guarded write would add findings; nothing written
├── AuthError                           missing or wrong credentials
├── LimitExceededError                  a query or validation ran past its time budget
├── StoreError (RuntimeError)           the store failed (disk, remote endpoint)
│   └── DiskFullError                   no space (or quota) left: nothing was written (HTTP 507)
├── OntologyInconsistentError           HermiT found the ontology inconsistent
├── ReasonerUnavailableError (RuntimeError)  no Java runtime to run HermiT
└── EngineUnavailableError (RuntimeError)    a program the service runs cannot start here
"""

from __future__ import annotations


class TriskelError(Exception):
    """Root of every error the project raises on purpose."""


class InputError(TriskelError, ValueError):
    """The caller sent something we cannot use; nothing was changed."""


class RDFSyntaxError(InputError, SyntaxError):
    """RDF that does not parse. `where` names the source, line and column when known."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        where = ", ".join(
            part
            for part in (
                source,
                f"line {line}" if line is not None else None,
                f"column {column}" if column is not None else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnsupportedFormatError(InputError):
    """A media type or file extension we do not read or write."""


class NotAcceptableError(UnsupportedFormatError):
    """The caller accepts none of the media types we can answer with."""


class QuerySyntaxError(InputError, SyntaxError):
    """A SPARQL query or update that does not parse."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class QueryParameterError(InputError):
    """A named-query parameter that is missing, unknown or of the wrong type."""


class ShapesError(InputError):
    """A shapes graph that is not SHACL we can run."""


class ForbiddenOperationError(InputError):
    """An operation refused by policy (outbound fetches, updates on the query endpoint)."""


class OperationFailedError(InputError):
    """A well-formed update allowed by policy that fails by SPARQL 1.1 Update's own rules.

    `DROP`, `CLEAR`, `MOVE` of a graph the store does not hold, or `CREATE` of one it does,
    each without `SILENT` (Update §3.2): the syntax is fine and nothing was refused, so the
    caller is told apart from both. The whole request changed nothing.
    """


class TooLargeError(InputError):
    """A request body or a value over a configured limit."""


class NotFoundError(TriskelError, LookupError):
    """An unknown graph, named query, report or ontology version."""


class GuardRefusedError(TriskelError):
    """A guarded write would introduce new findings at the guarded severity or above.

    Nothing was written. `findings` holds the new findings as report JSON (DESIGN §6 results),
    so the edge can show them to the caller.
    """

    def __init__(self, message: str, *, findings: list[dict[str, object]]) -> None:
        self.findings = findings
        super().__init__(message)


class AuthError(TriskelError):
    """Missing credentials (`forbidden=False`) or credentials without the right role."""

    def __init__(self, message: str, *, forbidden: bool = False) -> None:
        self.forbidden = forbidden
        super().__init__(message)


class LimitExceededError(TriskelError):
    """A query or validation ran past its time budget and was abandoned."""


class StoreError(TriskelError, RuntimeError):
    """The store could not do what was asked (disk full, remote endpoint down)."""


class DiskFullError(StoreError):
    """The disk holding the store is full (or over quota); the write changed nothing.

    Not the server's fault and not over by retrying soon: someone must free space.
    """


class OntologyInconsistentError(TriskelError):
    """The reasoner found the ontology inconsistent or a class unsatisfiable."""


class ReasonerUnavailableError(TriskelError, RuntimeError):
    """HermiT could not run (no Java runtime, or the reasoner crashed): not the input's fault."""


class EngineUnavailableError(TriskelError, RuntimeError):
    """A program the service runs in a child process (the RML engine) cannot start on this
    machine, for a library missing from its installation: not the input's fault (HTTP 503),
    and the message names what is missing so that whoever runs the service can install it."""
