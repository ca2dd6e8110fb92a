"""The `triskel` command line: a thin translator from arguments to core calls.

Exit codes (DESIGN §6): 0 conforms / success, 1 does not conform / check failed, 2 bad input
or runtime error, with one line on stderr. Errors are mapped to exit codes in `main` only.
Each command has an `_add_<name>` (arguments) and a `_run_<name>` (work) function.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from service import __version__
from service.errors import TriskelError

Handler = Callable[[argparse.Namespace], int]


def _add_ontology(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("ontology", help="check or export the ontology")
    sub = parser.add_subparsers(dest="ontology_command", required=True)
    check = sub.add_parser("check", help="HermiT consistency and offline quality checks")
    check.add_argument("files", nargs="*", help="ontology files (default: the product's)")
    check.set_defaults(handler=_run_ontology_check)
    export = sub.add_parser("export", help="serialise the ontology for linked-data tools")
    export.add_argument("--format", default="ttl", choices=["ttl", "xml", "jsonld", "nt", "html"])
    export.add_argument("--output", help="file to write (default: stdout)")
    export.set_defaults(handler=_run_ontology_export)


def _run_ontology_check(args: argparse.Namespace) -> int:
    raise TriskelError("ontology check is not available yet")


def _run_ontology_export(args: argparse.Namespace) -> int:
    raise TriskelError("ontology export is not available yet")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triskel", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"triskel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (_add_ontology,):
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; map the project's errors to exit code 2 and one line on stderr."""
    args = _parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except TriskelError as exc:
        print(f"triskel: error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"triskel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
