"""`readout ingest` (also `python -m ingest`): sync sources into the index and print a report."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.lock import LockedError, ingest_lock
from ingest.report import OUTCOMES, IngestReport
from ingest.settings import IngestSettings
from ingest.sources import SourceSpec, parse_sources_file, spec_from_arg
from ingest.sync import Progress, run_ingest
from retrieval.errors import ConfigError, ReadoutError
from retrieval.runtime import Runtime, configure_logging, signal_index_changed
from retrieval.settings import RetrievalSettings
from retrieval.store import reset_collections

EXIT_RUN_FAILED = 2
EXIT_LOCKED = 3


def add_parser(subparsers: Any) -> None:
    """Register the ``ingest`` subcommand."""
    parser = subparsers.add_parser(
        "ingest",
        help="add or update articles from files, folders, URLs, feeds or sources.yaml",
        description="Sync sources into the index. With no source, re-run READOUT_SOURCES_FILE "
        "(sources.yaml), pruning articles no longer listed.",
    )
    parser.add_argument("sources", nargs="*", help="file, folder, http(s) URL, feed or .yaml")
    parser.add_argument("--prune", action="store_true", help="remove articles not in sources")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--publisher", default="", help="publisher for articles that lack one")
    parser.add_argument("--feed", action="store_true", help="treat URLs as RSS/Atom feeds")
    parser.add_argument(
        "--reindex", action="store_true", help="drop the index first (after a model change)"
    )
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the lock")
    parser.set_defaults(func=command)

    backup = subparsers.add_parser(
        "backup", help="copy the data directory safely (waits out a running ingest)"
    )
    backup.add_argument("destination", help="a new folder to create")
    backup.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the lock")
    backup.set_defaults(func=backup_command)


def backup_command(args: argparse.Namespace, settings: RetrievalSettings | None = None) -> int:
    """Run ``readout backup``."""
    from ingest.backup import backup_data_dir

    data_dir = (settings or RetrievalSettings()).data_dir
    try:
        copied = backup_data_dir(data_dir, Path(args.destination), wait=args.wait)
    except LockedError as exc:
        print(f"readout backup: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except ReadoutError as exc:
        print(f"readout backup: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    print(f"copied {copied} files from {data_dir} to {args.destination}")
    return 0


def resolve_specs(
    args: argparse.Namespace, settings: IngestSettings
) -> tuple[list[SourceSpec], bool]:
    """Return the source specs to ingest and whether to prune."""
    if not args.sources:
        if not settings.sources_file.is_file():
            raise ConfigError(
                f"no sources given and {settings.sources_file} does not exist; pass a file, "
                "folder or URL, or create it (see examples/sources.yaml)"
            )
        # Re-running the configured list is the admin's "make the index match this" step.
        return parse_sources_file(settings.sources_file), True
    specs: list[SourceSpec] = []
    for arg in args.sources:
        for spec in spec_from_arg(arg):
            kind = "feed" if args.feed and spec.kind == "url" else spec.kind
            specs.append(SourceSpec(kind, spec.target, spec.publisher or args.publisher))
    return specs, bool(args.prune)


def _progress_printer(json_mode: bool) -> tuple[Progress, Any]:
    """Return a progress callback: a rich bar on a terminal, plain lines otherwise."""
    if json_mode or not sys.stderr.isatty():
        last: dict[str, int] = {}

        def plain(phase: str, done: int, total: int, label: str) -> None:
            # One line per input, and per ~10% of embedding: readable in CI logs.
            step = 1 if phase == "load" else max(1, total // 10)
            if done and (done == total or done - last.get(phase, 0) >= step):
                last[phase] = done
                print(f"{phase} {done}/{total} {label}", file=sys.stderr, flush=True)

        return plain, None
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        TextColumn("{task.description:<6}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[label]}", style="dim"),
        transient=False,
    )
    tasks: dict[str, Any] = {}

    def rich(phase: str, done: int, total: int, label: str) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total, label="")
        bar.update(tasks[phase], completed=done, total=total, label=label[-50:])

    return rich, bar


def print_report(report: IngestReport, *, as_json: bool) -> None:
    """Print the report as JSON or as a table."""
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"Ingest: {report.summary()} ({report.seconds:.1f} s)")
    for column in ("outcome", "input", "title", "reason"):
        table.add_column(column, overflow="fold")
    for outcome in OUTCOMES:
        entries = getattr(report, outcome)
        # Unchanged articles are the bulk of a re-run; list them only when few.
        if outcome == "unchanged" and len(entries) > 20:
            table.add_row(outcome, f"{len(entries)} articles", "", "")
            continue
        for e in entries:
            table.add_row(outcome, e.input, e.title, e.reason)
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}")


def command(args: argparse.Namespace, settings: RetrievalSettings | None = None) -> int:
    """Run ``readout ingest``."""
    retrieval_settings = settings or RetrievalSettings()
    ingest_settings = IngestSettings()
    try:
        specs, prune = resolve_specs(args, ingest_settings)
        with ingest_lock(retrieval_settings.data_dir, wait=args.wait):
            if args.reindex:
                reset_collections(retrieval_settings)
            runtime = Runtime(retrieval_settings)
            progress, bar = _progress_printer(args.json)
            with bar if bar is not None else contextlib.nullcontext():
                report = run_ingest(
                    specs,
                    runtime.store,
                    runtime.embedder,
                    ingest_settings,
                    prune=prune,
                    progress=progress,
                )
            # Rebuild the keyword index now, so the first question after an ingest is fast,
            # then tell running bots to reopen the store.
            runtime.keyword.refresh()
            if report.changed():
                signal_index_changed(retrieval_settings.data_dir)
    except LockedError as exc:
        print(f"readout ingest: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except ReadoutError as exc:
        print(f"readout ingest: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    print_report(report, as_json=args.json)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ingest as its own program (``python -m ingest``)."""
    configure_logging()
    parser = argparse.ArgumentParser(prog="python -m ingest")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["ingest", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args))
