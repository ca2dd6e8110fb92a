"""The `triskel` command line: a thin translator from arguments to core calls.

Exit codes (DESIGN §6): 0 conforms / success, 1 does not conform / check failed, 2 bad input
or runtime error, with one line on stderr. Errors are mapped to exit codes in `main` only.
Each command has an `_add_<name>` (arguments) and a `_run_<name>` (work) function.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeAlias

from pydantic import ValidationError

from service import __version__
from service.errors import InputError, TriskelError
from service.settings import Settings

if TYPE_CHECKING:
    from service.catalog import Catalog
    from service.importers.contract import Source
    from service.reports import Report
    from service.reports.diff import JsonResult
    from service.validation.rdfio import Source as RdfSource

Handler = Callable[[argparse.Namespace], int]


Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What `add_subparsers` returns: each command adds its parser to it."""


def _add_ontology(commands: Commands) -> None:
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
    """HermiT (consistency, unsatisfiable classes) then the OOPS! pitfalls; 1 on any problem."""
    from service.ontology import read_graph
    from service.quality import check_quality
    from service.reasoning import classify
    from service.resources import ONTOLOGY_FILES

    files = [Path(name) for name in args.files] or list(ONTOLOGY_FILES)
    graph = read_graph(files)
    problems = classify(graph).problems()
    problems.extend(str(finding) for finding in check_quality(graph))
    for line in problems:
        print(line)
    if problems:
        return 1
    print(
        f"ok: {len(files)} files, {len(graph)} triples, consistent, no unsatisfiable class, "
        "no pitfall"
    )
    return 0


def _run_ontology_export(args: argparse.Namespace) -> int:
    """Write the core ontology document, as `GET /ontology` serves it, to --output or stdout."""
    from service.publishing import export_document
    from service.resources import CORE

    text = export_document(CORE, args.format)
    if args.output:
        target = Path(args.output)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _add_serve(commands: Commands) -> None:
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
    parser.add_argument(
        "--access-log", action="store_true", help="log every request (off: it costs ~40%% of rps)"
    )
    parser.set_defaults(handler=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    from service.api import create_app, server
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
    _prepare_store(settings, Path(args.load_if_empty) if args.load_if_empty else None)
    where = f"http://{settings.host}:{settings.port}"
    mode = "OPEN DEV MODE: anonymous writes from this machine" if settings.open else "bearer tokens"
    print(f"triskel {__version__} on {where} (SPARQL {where}/sparql, docs {where}/docs); {mode}")
    server.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=args.access_log,
        header_timeout_s=settings.header_timeout_s,
    )
    return 0


def _prepare_store(settings: Settings, seed: Path | None) -> None:
    """Open the store once before serving, so that a store in use by another process or an
    unusable disk is one line and exit 2 here, not a failed start inside the server; and
    seed an empty store with `seed` (`make serve` passes data/example)."""
    from service.findings.saved import forget
    from service.resources import ONTOLOGY_IRI
    from service.store import open_store
    from service.store.files import load_directory_if_empty

    progress = sys.stderr if sys.stderr.isatty() else None
    store = open_store(settings)
    try:
        if seed is None:
            return
        loaded = load_directory_if_empty(
            store,
            seed,
            ignore_graphs=frozenset({ONTOLOGY_IRI}),
            progress=progress,
            before=lambda: forget(store),
        )
    finally:
        store.close()
    for done in loaded:
        print(f"loaded {done.triples} triples from {done.path} into {done.graph}", flush=True)


def _store_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with `--store PATH` overriding the store folder."""
    return Settings(store_path=Path(args.store)) if args.store else Settings()


def _add_load(commands: Commands) -> None:
    parser = commands.add_parser("load", help="load RDF files into the store, all or nothing")
    parser.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="RDF files or folders (their RDF files)"
    )
    parser.add_argument(
        "--graph", help="target graph IRI (default: one graph per file; N-Quads/TriG keep theirs)"
    )
    parser.add_argument("--replace", action="store_true", help="replace the graph's content")
    parser.add_argument("--format", help="RDF format (default: from the file extension)")
    parser.add_argument("--store", metavar="PATH", help="embedded store folder (var/store)")
    parser.set_defaults(handler=_run_load)


def _run_load(args: argparse.Namespace) -> int:
    from service.findings.saved import forget
    from service.rdf.formats import rdf_format_named
    from service.rdf.reader import MEGABYTE, regular_files
    from service.store import open_store
    from service.store.files import load_file

    files = regular_files(args.files)
    if args.replace and args.graph and len(files) > 1:
        raise InputError("--replace with --graph takes one file (each load replaces the graph)")
    fmt = rdf_format_named(args.format) if args.format else None
    progress = sys.stderr if sys.stderr.isatty() else None
    settings = _store_settings(args)
    limit = int(settings.max_body_mb * MEGABYTE)
    store = open_store(settings)
    try:
        forget(store)  # the service rebuilds its live findings at its next start
        for path in files:
            done = load_file(
                store,
                path,
                graph=args.graph,
                replace=args.replace,
                fmt=fmt,
                progress=progress,
                max_bytes=limit,
            )
            print(f"loaded {done.triples} triples from {path} into {done.graph}", file=sys.stderr)
    finally:
        store.close()
    return 0


def _add_query(commands: Commands) -> None:
    parser = commands.add_parser("query", help="run a SPARQL query over the store")
    parser.add_argument(
        "query", nargs="?", metavar="QUERY|@FILE.rq", help="query text, or @ and a file"
    )
    parser.add_argument("--named", metavar="NAME", help="run a named query (queries/NAME.rq)")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the named query, as typed by its header (repeatable)",
    )
    parser.add_argument(
        "--format",
        help="json, xml, csv, tsv (SELECT/ASK; default csv, json for ASK) or "
        "turtle, nt, jsonld, rdfxml (CONSTRUCT/DESCRIBE; default turtle)",
    )
    parser.add_argument("--store", metavar="PATH", help="embedded store folder (var/store)")
    parser.set_defaults(handler=_run_query)


def _run_query(args: argparse.Namespace) -> int:
    from service.rdf.formats import rdf_format_named, results_format_named
    from service.store import open_store
    from service.store.syntax import query_form

    settings = _store_settings(args)
    catalog, text = _query_text(args, settings)
    form = query_form(text)
    default = {"SELECT": "csv", "ASK": "json", "GRAPH": "turtle"}[form]
    name = args.format or default
    named = rdf_format_named if form == "GRAPH" else results_format_named
    accept = named(name).media_type
    store = open_store(settings)
    try:
        if catalog is None:
            result = store.query(text, accept=accept)
        else:
            result = catalog.run(store, args.named, _named_params(args.param), accept=accept)
    finally:
        store.close()
    sys.stdout.buffer.write(result.body)
    sys.stdout.flush()
    if result.truncated:
        print("triskel: warning: answer cut at TRISKEL_MAX_ROWS rows", file=sys.stderr)
    return 0


def _query_text(args: argparse.Namespace, settings: Settings) -> tuple[Catalog | None, str]:
    """The query to run: QUERY, @FILE, or `--named NAME` (then with the catalog to run it)."""
    from service.catalog import Catalog

    if (args.query is None) == (args.named is None):
        raise InputError("give a QUERY (or @FILE.rq) or --named NAME, one of the two")
    if args.named is None:
        if args.param:
            raise InputError("--param goes with --named NAME")
        text: str = args.query
        return None, Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    catalog = Catalog.load(settings.queries_dir)
    return catalog, catalog.get(args.named).text


def _named_params(pairs: Sequence[str], *, flag: str = "--param") -> dict[str, str]:
    """`--param k=v` (or `flag`) options as a mapping; the consumer checks names and types."""
    params: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise InputError(f"{flag} takes NAME=VALUE, not {pair!r}")
        if key in params:
            raise InputError(f"{flag} {key} is given more than once")
        params[key] = value
    return params


def _add_export(commands: Commands) -> None:
    parser = commands.add_parser("export", help="write a graph or the whole store as RDF")
    parser.add_argument(
        "--graph", help="graph IRI, or 'default' (default: every graph, as N-Quads or TriG)"
    )
    parser.add_argument("--format", help="nq, trig (dataset) or turtle, nt, jsonld, rdfxml")
    parser.add_argument("--output", type=Path, help="file to write (default: stdout)")
    parser.add_argument("--store", metavar="PATH", help="embedded store folder (var/store)")
    parser.set_defaults(handler=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    from service.rdf.formats import rdf_format_named
    from service.store import open_store

    dataset = args.graph is None
    fmt = rdf_format_named(args.format or ("nq" if dataset else "turtle"))
    graph = None if args.graph in (None, "default") else args.graph
    store = open_store(_store_settings(args))
    try:
        body = store.export(graph, media_type=fmt.media_type, dataset=dataset)
    finally:
        store.close()
    if args.output:
        args.output.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0


def _add_validate(commands: Commands) -> None:
    parser = commands.add_parser(
        "validate", help="check data against the alignment rules R01-R20 (and your own shapes)"
    )
    parser.add_argument(
        "data",
        nargs="*",
        type=Path,
        metavar="DATA",
        help="RDF files or folders (a folder: its *.ttl/*.nt/*.nq/*.trig/*.jsonld/*.rdf); "
        "default: the store",
    )
    parser.add_argument(
        "--shapes", action="append", type=Path, default=[], metavar="FILE", help="extra shapes"
    )
    parser.add_argument("--no-builtin", action="store_true", help="leave out the rules R01-R20")
    parser.add_argument(
        "--format", default="text", choices=["json", "text", "turtle", "jsonld", "nt"]
    )
    parser.add_argument("--fail-on", default="violation", choices=["violation", "warning", "info"])
    parser.add_argument("--engine", default="fast", choices=["fast", "pyshacl"])
    parser.add_argument("--output", type=Path, metavar="FILE", help="file to write (stdout)")
    parser.add_argument("--store", metavar="PATH", help="embedded store folder (var/store)")
    parser.add_argument(
        "--against",
        type=Path,
        metavar="REPORT.json",
        help="print the findings new, resolved and still open since this JSON report (the "
        "report itself goes to --output only); exit 1 only for new findings at --fail-on",
    )
    parser.set_defaults(handler=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    """Exit 0 when the data conforms, 1 when it does not; the report is written only after
    everything was read and checked, so bad input (exit 2) writes nothing."""
    from service.rdf.reader import MEGABYTE, regular_files
    from service.reports import render
    from service.reports.diff import read_results
    from service.validation import from_sources, validate
    from service.validation.progress import PhaseProgress
    from service.validation.rdfio import Source

    settings = _store_settings(args)
    limit = int(settings.max_body_mb * MEGABYTE)

    def source(path: Path) -> Source:
        return Source.from_path(path, max_bytes=limit, max_nesting=settings.max_rdf_nesting)

    shapes = from_sources(
        [source(p) for p in regular_files(args.shapes)],
        builtin=not args.no_builtin,
        analytics=settings.analytics_rules,
    )
    previous = read_results(args.against) if args.against else None
    files = [source(p) for p in regular_files(args.data)]
    if not args.data and settings.sparql_url:
        report = _remote_report(args, settings, [source(p) for p in regular_files(args.shapes)])
    else:
        data = files if args.data else _store_sources(args)
        with PhaseProgress(sys.stderr, enabled=sys.stderr.isatty()) as bar, _no_cycle_collection():
            report = validate(
                data, shapes=shapes, engine=args.engine, fail_on=args.fail_on, on_phase=bar.phase
            )
    with _no_cycle_collection():
        text = render(report, args.format)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    elif previous is None:
        sys.stdout.write(text)
    if previous is not None:
        return _print_diff(report, previous, args)
    return 0 if report.conforms else 1


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused for one run: a validation makes few reference cycles
    but many objects, and at a million triples its nine full collections took 0.6 s of 10."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _print_diff(report: Report, previous: list[JsonResult], args: argparse.Namespace) -> int:
    """Print the diff against the earlier report; 1 when a new finding is at --fail-on or above."""
    from service.reports import to_dict
    from service.reports.as_json import dumps
    from service.reports.diff import Diff

    diff = Diff.between(to_dict(report)["results"], previous)
    if args.format == "json":
        sys.stdout.write(dumps(diff.to_dict()).decode("utf-8") + "\n")
    else:
        sys.stdout.write(diff.to_text())
    return 1 if diff.new_at_least(args.fail_on) else 0


def _add_import(commands: Commands) -> None:
    from service.importers import KINDS

    parser = commands.add_parser(
        "import",
        help="build the three layers from mail, chat and event logs, one graph per import",
        epilog="options per kind: " + "; ".join(_kind_options(kind) for kind in sorted(KINDS)),
    )
    parser.add_argument("kind", metavar="KIND", help=f"one of: {', '.join(sorted(KINDS))}")
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="the source files; a folder stands for every file under it (a Maildir, an export)",
    )
    parser.add_argument("--graph", help="graph IRI (default urn:triskel:import:<kind>:<sha256>)")
    parser.add_argument("--mapping", type=Path, metavar="FILE", help="the kind's mapping file")
    parser.add_argument(
        "--option",
        "-o",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an option of the kind (repeatable; see below)",
    )
    parser.add_argument(
        "--pseudonymise",
        action="store_true",
        help="identifiers as HMAC-SHA256 hashes under TRISKEL_PSEUDONYM_KEY",
    )
    parser.add_argument("--since", metavar="DATE", help="leave out items before DATE (ISO 8601)")
    parser.add_argument("--dry-run", action="store_true", help="write nothing; print the summary")
    parser.add_argument("--store", metavar="PATH", help="embedded store folder (var/store)")
    parser.set_defaults(handler=_run_import)


def _kind_options(kind: str) -> str:
    """`kind: name (default), ...` for the help text."""
    from service.importers import importer_named

    specs = importer_named(kind).options
    return f"{kind}: " + ", ".join(f"{o.name} ({o.default or '-'})" for o in specs)


def _run_import(args: argparse.Namespace) -> int:
    """Read the sources, build the graph, write it all or nothing (unless --dry-run or the
    store holds this very import already); the summary goes to stdout as JSON. The sources'
    bytes are let go once the graph is built, before the write needs its memory."""
    import json

    from service.importers.run import parse_since, prepare
    from service.rdf.reader import MEGABYTE, read_file
    from service.store import open_store

    settings = _store_settings(args)
    limit = int(settings.max_body_mb * MEGABYTE)
    key = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else None
    progress = sys.stderr if sys.stderr.isatty() else None
    prepared = prepare(
        args.kind,
        [_read_source(path, limit, progress) for path in _source_paths(args.paths)],
        options=_named_params(args.option, flag="--option"),
        mapping=read_file(args.mapping, max_bytes=limit) if args.mapping else None,
        pseudonym_key=key,
        pseudonymise=args.pseudonymise,
        since=parse_since(args.since) if args.since else None,
        graph=args.graph,
        max_bytes=limit,
    )
    if progress is not None:
        print(f"built {prepared.triples:,} triples for {prepared.graph}", file=progress)
    written = False
    if not args.dry_run:
        store = open_store(settings)
        try:
            if not prepared.is_current(store):
                prepared.write(store)
                written = True
        finally:
            store.close()
    report = prepared.report(written=written, dry_run=args.dry_run)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def _source_paths(paths: list[Path]) -> list[Path]:
    """The files to import: each path given, a folder replaced by every file under it
    (sorted), named by its path so an importer sees the folder's layout."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if not p.is_dir()))
        else:
            files.append(path)
    return files


def _read_source(path: Path, limit: int, progress: TextIO | None) -> Source:
    """A source file's bytes, with a bar on `progress` for a big one."""
    from service.importers.contract import Source
    from service.rdf.reader import open_regular, read_body
    from service.store.files import progress_bar

    with open_regular(path) as raw:
        bar = progress_bar(raw, f"reading {path.name}", progress)
        data = read_body(bar or raw, max_bytes=limit, source=str(path))
        if bar is not None:
            bar.finish("read; building the graph")
    return Source(str(path), data)


def _remote_report(args: argparse.Namespace, settings: Settings, shapes: list[RdfSource]) -> Report:
    """The remote store (`TRISKEL_SPARQL_URL`) validated whole on its engine
    (`service.validation.pushdown`): a full revalidation that never copies the data here."""
    from service.reports.validations import Check, Options, pushed_down
    from service.store.remote import RemoteStore

    store = RemoteStore.from_settings(settings)
    try:
        options = Options(
            builtin=not args.no_builtin,
            fail_on=args.fail_on,
            engine=args.engine,
            analytics=settings.analytics_rules,
        )
        check = Check(options, tuple(shapes), settings.max_report_results)
        return pushed_down(store, check, page_rows=settings.remote_page_rows)[0]
    finally:
        store.close()


def _add_analyse(commands: Commands) -> None:
    parser = commands.add_parser(
        "analyse", help="recompute the network analytics graph (urn:triskel:analytics)"
    )
    parser.add_argument(
        "--people", action="store_true", help="print the per-person metrics too (store access)"
    )
    parser.add_argument("--store", metavar="PATH", help="embedded store folder (var/store)")
    parser.set_defaults(handler=_run_analyse)


def _run_analyse(args: argparse.Namespace) -> int:
    """Recompute the analytics graph; its summary goes to stdout as JSON. Whoever runs the
    command holds the store itself, so `--people` shows per-person metrics whatever
    TRISKEL_PERSON_METRICS says (the setting decides what the graph holds)."""
    import json

    from service.findings.saved import forget
    from service.network.run import analyse_store
    from service.store import open_store

    settings = _store_settings(args)
    store = open_store(settings)
    try:
        if settings.analytics_rules:  # the live findings read the graph: rebuilt at next start
            forget(store)
        answer = analyse_store(
            store,
            min_group_size=settings.min_group_size,
            write_people=settings.person_metrics == "read",
            show_people=args.people,
        )
    finally:
        store.close()
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    return 0


def _add_whatif(commands: Commands) -> None:
    parser = commands.add_parser(
        "whatif", help="what a scenario would change (findings, practices, network); no write"
    )
    parser.add_argument(
        "scenario",
        type=Path,
        metavar="SCENARIO",
        help="a JSON scenario (README: What-if), or with --update a SPARQL Update file",
    )
    parser.add_argument(
        "--update", action="store_true", help="SCENARIO is a SPARQL Update, not a JSON scenario"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--people", action="store_true", help="name the people in the network change"
    )
    parser.add_argument("--store", metavar="PATH", help="embedded store folder (var/store)")
    parser.set_defaults(handler=_run_whatif)


def _run_whatif(args: argparse.Namespace) -> int:
    """Answer a what-if on the store, leaving it as it was: the findings are computed in
    memory (never written back), the update's delta is computed, never applied."""
    import json

    from service.findings import LiveFindings
    from service.guard import Guard
    from service.rdf.reader import MEGABYTE, open_regular, read_body
    from service.store import open_store
    from service.whatif import Scenario, as_text, read_scenario, what_if

    settings = _store_settings(args)
    with open_regular(args.scenario) as raw:
        body = read_body(
            raw, max_bytes=int(settings.max_body_mb * MEGABYTE), source=str(args.scenario)
        )
    if args.update:
        try:
            scenario = Scenario(raw=body.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError(f"{args.scenario}: the update is not UTF-8") from None
    else:
        scenario = read_scenario(body)
    store = open_store(settings)
    try:
        answer = what_if(
            store,
            Guard(LiveFindings.detached(store)),
            scenario,
            min_group_size=settings.min_group_size,
            people=args.people,
        )
    finally:
        store.close()
    text = as_text(answer) if args.format == "text" else json.dumps(answer, indent=2) + "\n"
    sys.stdout.write(text)
    return 0


def _store_sources(args: argparse.Namespace) -> Iterator[RdfSource]:
    """Everything in the store but the system graphs (the analytics graph kept with the rules
    over analytics on), as N-Triples sources read in pieces (`snapshot.store_sources`): the
    validation parses one while the next is read. All graphs are merged into one, so
    N-Quads, which then had to be moved out of their graphs (15 s for 2.4M imported triples),
    are not read."""
    from service.reports.snapshot import store_sources
    from service.store import open_store

    settings = _store_settings(args)
    store = open_store(settings)
    try:
        yield from store_sources(store, analytics=settings.analytics_rules)
    finally:
        store.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triskel", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"triskel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (_add_ontology, _add_serve, _add_load, _add_query, _add_export, _add_validate):
        add(commands)
    _add_import(commands)
    _add_analyse(commands)
    _add_whatif(commands)
    return parser


def _use_cache(directory: Path | None) -> None:
    """Keep parsed SPARQL between runs (`service.rdflib_sparql`): a server or a validation
    starts in a fraction of the time its first run took."""
    if directory is not None:
        from service import rdflib_sparql

        rdflib_sparql.use_cache(directory)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; map the project's errors to exit code 2 and one line on stderr."""
    args = _parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        _use_cache(Settings().cache_dir)
        return handler(args)
    except ValidationError as exc:  # a TRISKEL_* variable the settings refuse
        first = exc.errors()[0]
        name = "TRISKEL_" + "_".join(str(part) for part in first["loc"]).upper()
        print(f"triskel: error: {name}: {first['msg']}", file=sys.stderr)
        return 2
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
