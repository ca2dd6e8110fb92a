"""The `triskel` command line: a thin translator from arguments to core calls.

Exit codes (DESIGN §6): 0 conforms / success, 1 does not conform / check failed, 2 bad input
or runtime error, with one line on stderr. Errors are mapped to exit codes in `main` only.
Each command has an `_add_<name>` (arguments) and a `_run_<name>` (work) function.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from service import __version__
from service.errors import InputError, TriskelError
from service.settings import Settings

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


def _add_serve(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("serve", help="run the HTTP service (SPARQL, Graph Store, API)")
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8000)")
    parser.add_argument("--store", metavar="PATH", help="embedded store folder (var/store)")
    parser.add_argument(
        "--open", action="store_true", help="development mode: anonymous writes from loopback"
    )
    parser.add_argument(
        "--load-if-empty",
        metavar="DIR",
        help="when the store holds no data graph, load DIR's RDF files, one graph per file",
    )
    parser.set_defaults(handler=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.api import create_app
    from service.api.auth import is_loopback

    overrides = {"host": args.host, "port": args.port, "store_path": args.store}
    overrides |= {"open": True} if args.open else {}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if not is_loopback(settings.host) and (settings.open or not settings.tokens):
        raise InputError(
            f"refusing to serve on {settings.host}: a non-loopback host needs TRISKEL_TOKENS "
            "and no open mode"
        )
    app = create_app(settings)
    if args.load_if_empty:
        _load_if_empty(settings, Path(args.load_if_empty))
    where = f"http://{settings.host}:{settings.port}"
    mode = "OPEN DEV MODE: anonymous writes from this machine" if settings.open else "tokens"
    print(f"triskel {__version__} on {where} (SPARQL {where}/sparql, docs {where}/docs); {mode}")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    return 0


def _load_if_empty(settings: Settings, directory: Path) -> None:
    """Load each RDF file under `directory` into its own graph if the store has no data graph.

    The graph of a file is `urn:triskel:file:` + its path relative to the directory's parent
    (`data/example/practice.ttl` -> `urn:triskel:file:example/practice.ttl`), so reloads of the
    same folder land in the same graphs on every machine.
    """
    from service.resources import ONTOLOGY_IRI
    from service.store import open_store
    from service.store.formats import rdf_format_for_path

    store = open_store(settings)
    try:
        if any(graph != ONTOLOGY_IRI for graph in store.graphs()):
            return
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            fmt = rdf_format_for_path(path)
            graph = f"urn:triskel:file:{path.relative_to(directory.parent).as_posix()}"
            count = store.load(
                path.read_bytes(),
                media_type=fmt.media_type,
                graph=graph,
                source=str(path),
            )
            print(f"loaded {count} triples from {path} into <{graph}>", flush=True)
    finally:
        store.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triskel", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"triskel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (_add_ontology, _add_serve):
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
