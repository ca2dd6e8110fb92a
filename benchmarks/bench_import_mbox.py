"""Import speed and memory: `triskel import mbox` of a generated 100k-message mbox.

Generates (seeded, once per size) an mbox in `benchmarks/out/`: 2,000 people over 20
domains, each writing nine messages in ten to a circle of 25 contacts, messages of 1 to 3 To
and 0 to 2 Cc recipients (some Bcc), about a third starting a thread and the rest replying to
a recent message (In-Reply-To and References), a tenth through one of 5 mailing lists, a few
without Message-ID, the transport fields a server adds (Received, DKIM-Signature, MIME) and a
body of 15 to 40 lines (about 1.5 KB), so the reader walks past what it does not keep as it
would in a real archive. Each run imports
the file as `triskel import mbox` does, in a fresh process (read, build, the store's
all-or-nothing load into a fresh embedded store), which reports its own wall and CPU time
and peak RSS; the table gives the median of `--runs` runs and the machine's load average
(the machine is shared: read the wall times by it). The store of the last run is then
validated (`benchmarks.validated`): by `triskel validate --store` in a fresh process, then by
`POST /validate` to a `triskel serve` of it. Target (issue 12): 100k messages in at most
30 s and 1 GB, and the graph validated within the store's targets (10 s and 2 GB a million
triples, through the service). `python -m benchmarks.bench_import_mbox --messages N`
measures another size.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from benchmarks import validated as validation

OUT = Path(__file__).parent / "out"
MESSAGES = 100_000
TARGET_S = 30.0
TARGET_MB = 1024.0
PEOPLE = 2_000
DOMAINS = 20
LISTS = 5
WORDS = ("the", "of", "budget", "plan", "review", "draft", "meeting", "figures", "next", "week")
CIRCLE = 25
"""Contacts each person mostly writes to (nine messages in ten): mail networks are clustered."""


def generate(path: Path, messages: int, seed: int = 11) -> None:
    """An mbox of `messages` messages, written in time order."""
    rng = random.Random(seed)
    people = [f"person{n}@domain{n % DOMAINS}.example" for n in range(PEOPLE)]
    circles = {person: rng.sample(people, CIRCLE) for person in people}
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    recent: list[tuple[str, str]] = []
    with path.open("w", encoding="utf-8") as out:
        for number in range(messages):
            moment += timedelta(seconds=rng.randrange(1, 120))
            sender = rng.choice(people)
            pool = circles[sender] if rng.random() < 0.9 else people
            recipients = rng.sample(pool, rng.randrange(1, 4) + rng.randrange(0, 3))
            to, cc = recipients[:1], recipients[1:]
            fields = [
                f"Received: from mx{number % 7}.bench.example by mail.bench.example; "
                f"{format_datetime(moment)}",
                f"Received: from [10.0.{number % 250}.{number % 200}] "
                f"by mx{number % 7}.bench.example",
                "DKIM-Signature: v=1; a=rsa-sha256; d=bench.example; s=mail;\n"
                "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n\tb=Zm9vYmFyYmF6cXV4",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                f"From: Person {sender.partition('@')[0]} <{sender}>",
            ]
            fields.append(f"To: {', '.join(to)}")
            if cc:
                fields.append(f"Cc: {', '.join(cc)}")
            if rng.random() < 0.05:
                fields.append(f"Bcc: {rng.choice(people)}")
            fields.append(f"Subject: subject {number}")
            fields.append(f"Date: {format_datetime(moment)}")
            message_id = f"m{number}@bench.example"
            if rng.random() > 0.01:
                fields.append(f"Message-ID: <{message_id}>")
            if recent and rng.random() > 0.35:
                parent, references = rng.choice(recent[-500:])
                fields.append(f"In-Reply-To: <{parent}>")
                references = f"{references} <{parent}>".strip()
                fields.append(f"References: {references}")
            else:
                references = ""
            if rng.random() < 0.1:
                name = f"list{rng.randrange(LISTS)}"
                fields.append(f"List-Id: <{name}.lists.bench.example>")
                fields.append(f"List-Post: <mailto:{name}@lists.bench.example>")
            recent.append((message_id, " ".join(references.split()[-10:])))
            body = "\n".join(
                " ".join(rng.choices(WORDS, k=8)) for _ in range(rng.randrange(15, 40))
            )
            out.write(f"From {sender} {moment:%a %b %d %H:%M:%S %Y}\n")
            out.write("\n".join(fields) + "\n\n" + body + "\n\n")


def measure(mbox: Path, store: Path) -> dict[str, float]:
    """One import as `triskel import mbox` does it, in this process: seconds, peak MiB."""
    from service.cli import main as cli

    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        try:
            code = cli(["import", "mbox", str(mbox), "--store", str(store)])
        finally:
            sys.stdout = stdout
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "code": code,
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,
    }


STORE = OUT / "store-import-mbox"


def _run_once(mbox: Path) -> dict[str, float]:
    """`measure` in a fresh interpreter (its peak RSS is the import's own), into a fresh
    store left for the validation that follows the runs."""
    shutil.rmtree(STORE, ignore_errors=True)
    arguments = ["--measure", str(mbox), str(STORE)]
    return validation.last_json(validation.fresh_run("benchmarks.bench_import_mbox", arguments))


def _summary(mbox: Path) -> dict[str, object]:
    """What the import makes (read once more, in this process, for the table)."""
    from service.importers.contract import Source
    from service.importers.run import prepare

    prepared = prepare("mbox", [Source(mbox.name, mbox.read_bytes())], options={})
    return prepared.report(written=False, dry_run=True)


def main(argv: list[str] | None = None) -> int:
    """Print the table; non-zero when the median import misses 30 s (per 100k messages) or
    a run's peak RSS passes 1 GB."""
    parser = validation.import_parser("bench_import_mbox", "messages", MESSAGES, "MBOX")
    args = parser.parse_args(argv or [])
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    OUT.mkdir(exist_ok=True)
    mbox = OUT / f"mbox-{args.messages}.mbox"
    if not mbox.exists():
        generate(mbox, args.messages)
    print(f"{args.messages:,} messages, {mbox.stat().st_size / 1e6:.0f} MB of mbox, load {_load()}")
    runs = [_run_once(mbox) for _ in range(args.runs)]
    if any(run["code"] for run in runs):
        print("an import failed")
        return 1
    seconds = statistics.median(run["seconds"] for run in runs)
    peak = max(run["peak_mib"] for run in runs)
    report = _summary(mbox)
    print(
        f"triples {report['triples']:,}, people {report['people']:,}, "
        f"conversations {report['conversations']:,}, acts {report['acts']:,}, "
        f"arcs {report['arcs']:,}, skipped {report['skipped_count']:,}"
    )
    times = ", ".join(f"{run['seconds']:.1f}" for run in runs)
    cpu = statistics.median(run["cpu_s"] for run in runs)
    print(
        f"import in all    {seconds:6.1f} s median ({times}), CPU {cpu:.1f} s  "
        f"{args.messages / seconds:9,.0f} messages/s  peak {peak:,.0f} MiB  load {_load()}"
    )
    limit = TARGET_S * args.messages / MESSAGES
    print(f"target: {limit:.0f} s for {args.messages:,} messages (30 s per 100k), 1 GB")
    triples = report["triples"]
    assert isinstance(triples, int)
    checked, _ = validation.line(validation.validated(STORE), triples)
    print(checked)
    answered, valid = validation.served_line(validation.served(STORE), triples)
    shutil.rmtree(STORE, ignore_errors=True)
    print(answered)
    return 0 if seconds <= limit and peak <= TARGET_MB and valid else 1


def _load() -> str:
    """The machine's load average, to read the times by."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
