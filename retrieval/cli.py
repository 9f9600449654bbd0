"""`readout sources` and `readout search`: look into the index from a terminal or a script."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from retrieval.errors import ReadoutError
from retrieval.runtime import Runtime
from retrieval.search import SearchOptions
from retrieval.settings import RetrievalSettings
from retrieval.store import Filters


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --publisher/--after/--before/--article options."""
    parser.add_argument("--publisher", help="only this publisher (exact name)")
    parser.add_argument("--after", help="published on or after this date (YYYY-MM-DD)")
    parser.add_argument("--before", help="published on or before this date (YYYY-MM-DD)")
    parser.add_argument("--article", help="only this article id")


def filters_from(args: argparse.Namespace) -> Filters | None:
    """Build search filters from parsed arguments."""
    filters = Filters(
        publisher=args.publisher, after=args.after, before=args.before, article_id=args.article
    )
    return None if filters.is_empty() else filters


def add_parsers(subparsers: Any) -> None:
    """Register ``sources`` and ``search``."""
    sources = subparsers.add_parser("sources", help="list ingested articles")
    sources.add_argument("--json", action="store_true", help="print JSON")
    sources.add_argument("--publisher", help="only this publisher")
    sources.set_defaults(func=sources_command)

    search = subparsers.add_parser("search", help="show the passages that match a query")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    search.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    search.add_argument("--json", action="store_true", help="print JSON")
    add_filter_arguments(search)
    search.set_defaults(func=search_command)


def _fail(command: str, exc: Exception) -> int:
    print(f"readout {command}: {exc}", file=sys.stderr)
    return 2


def sources_command(args: argparse.Namespace, settings: RetrievalSettings | None = None) -> int:
    """Run ``readout sources``."""
    runtime = Runtime(settings or RetrievalSettings())
    try:
        records = sorted(
            runtime.store.records().values(), key=lambda r: (r.published, r.title), reverse=True
        )
    except ReadoutError as exc:
        return _fail("sources", exc)
    if args.publisher:
        records = [r for r in records if r.publisher == args.publisher]
    rows = [
        {
            "id": r.id,
            "title": r.title,
            "publisher": r.publisher,
            "published": r.published,
            "url": r.url,
            "chunks": r.chunks,
        }
        for r in records
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} articles")
    for column in ("published", "publisher", "title", "chunks", "id"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["published"][:10], row["publisher"], row["title"], str(row["chunks"]), row["id"]
        )
    Console().print(table)
    return 0


def search_command(args: argparse.Namespace, settings: RetrievalSettings | None = None) -> int:
    """Run ``readout search``."""
    settings = settings or RetrievalSettings()
    runtime = Runtime(settings)
    options = SearchOptions(
        k=max(1, args.k),
        mode=args.mode or settings.search_mode,
        max_per_article=settings.max_per_article,
        filters=filters_from(args),
    )
    try:
        passages = runtime.searcher.search(args.query, options)
    except ReadoutError as exc:
        return _fail("search", exc)
    if args.json:
        rows = [
            {
                "rank": i,
                "score": round(p.score, 6),
                "chunk_id": p.chunk_id,
                "article_id": p.article_id,
                "title": p.title,
                "publisher": p.publisher,
                "published": p.published,
                "url": p.url,
                "start": p.start,
                "end": p.end,
                "text": p.text,
            }
            for i, p in enumerate(passages, 1)
        ]
        print(
            json.dumps(
                {"query": args.query, "mode": options.mode, "passages": rows},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    from rich.console import Console
    from rich.panel import Panel

    console = Console()
    if not passages:
        console.print("No passages match. Is anything ingested? Try `readout sources`.")
    for i, p in enumerate(passages, 1):
        head = f"[{i}] {p.title} — {p.publisher or 'unknown publisher'}, {p.published[:10]}"
        foot = f"{p.article_id} [{p.start}:{p.end}]  score {p.score:.4f}"
        console.print(Panel(p.text, title=head, subtitle=foot, title_align="left"))
    return 0
