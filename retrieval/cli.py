"""`readout sources` and `readout search`: look into the index from a terminal or a script."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from typing import TYPE_CHECKING, Any

from retrieval.errors import ReadoutError
from retrieval.evaluation import TYPED_STYLES
from retrieval.runtime import Runtime
from retrieval.search import SearchOptions
from retrieval.settings import RetrievalSettings
from retrieval.store import Filters

if TYPE_CHECKING:
    from retrieval.evaluation import Question


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


# How deep `readout eval` looks for a gold quote missing from the top 5 ("–" beyond it).
EVAL_DEPTH = 30


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
    rows: list[dict[str, Any]] = [
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


def add_answer_parsers(subparsers: Any) -> None:
    """Register ``ask`` and ``eval``."""
    ask = subparsers.add_parser(
        "ask",
        help="answer a question with cited passages",
        description="Answer a question from the index. With no question, read one per line from "
        "stdin and write one JSON object per line (models load once).",
    )
    ask.add_argument("question", nargs="?", help="the question (omit to read stdin)")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    ask.add_argument("--llm", choices=["extractive", "local", "openai", "ollama"], default=None)
    add_filter_arguments(ask)
    ask.set_defaults(func=ask_command)

    ev = subparsers.add_parser("eval", help="score retrieval and answers on a question set")
    ev.add_argument("file", help="JSONL questions (see examples/eval/dev_questions.jsonl)")
    ev.add_argument("--json", action="store_true", help="print the full results as JSON")
    ev.add_argument("--llm", choices=["extractive", "local", "openai", "ollama"], default=None)
    ev.add_argument("--modes", default="dense,bm25,hybrid", help="retrieval modes to compare")
    ev.add_argument(
        "--typed",
        choices=TYPED_STYLES,
        default="as-written",
        help="ask each question as typed in chat: lower case, no '?', curly ’ or all three",
    )
    ev.set_defaults(func=eval_command)

    tune = subparsers.add_parser(
        "tune",
        help="fit the question adapter on question sets with gold quotes",
        description="Fit a linear map of question vectors so that the sentences the gold quotes "
        "hold outscore the others among each question's retrieved passages, and write it where "
        "READOUT_QUESTION_ADAPTER can name it. Keep the sets you score on out of it.",
    )
    tune.add_argument("files", nargs="+", help="JSONL question sets (the `readout eval` format)")
    tune.add_argument("--out", required=True, help="the .npz file to write")
    tune.add_argument("--l2", type=float, default=None, help="pull toward the identity map")
    tune.add_argument(
        "--typed",
        action="append",
        choices=TYPED_STYLES,
        default=None,
        help="also fit on each question as typed so (repeatable; default: phone, as a quick "
        "message is: lower case, no '?', curly ’); 'as-written' adds no copies",
    )
    tune.set_defaults(func=tune_command)


def _with_llm(settings: RetrievalSettings, llm: str | None) -> RetrievalSettings:
    return settings.model_copy(update={"llm": llm}) if llm else settings


def print_answer(answer: Any) -> None:
    """Print an answer and its sources for a person."""
    from rich.console import Console

    console = Console()
    if answer.abstained:
        console.print("[bold yellow]Not in the ingested articles.[/]")
    console.print(answer.text)
    if answer.citations:
        console.print("\n[bold]Sources[/]")
    for c in answer.citations:
        console.print(
            f"[{c.n}] {c.title} — {c.publisher or 'unknown publisher'}, "
            f"{c.published[:10] or 'undated'}  {c.url}",
            highlight=False,
        )
        console.print(
            f"    “{c.quote}”  ({c.article_id} [{c.start}:{c.end}])", style="dim", highlight=False
        )
    total = answer.timings.get("total")
    if total is not None:
        console.print(f"\n{total:.2f} s", style="dim")


def _gold_articles(runtime: Runtime, questions: list[Question]) -> dict[str, str]:
    """Return the text of each indexed article a gold quote names, by source file name."""
    from pathlib import Path

    names = {Path(g["file"]).name for q in questions for g in q.gold if g.get("file")}
    texts: dict[str, str] = {}
    for record in runtime.store.records().values():
        name = Path(record.source).name
        if name in names and name not in texts:
            article = runtime.store.get_article(record.id)
            if article is not None:
                texts[name] = article.text
    return texts


def ask_command(args: argparse.Namespace, settings: RetrievalSettings | None = None) -> int:
    """Run ``readout ask``."""
    settings = _with_llm(settings or RetrievalSettings(), args.llm)
    runtime = Runtime(settings)
    filters = filters_from(args)
    try:
        service = runtime.answer_service
        if args.question:
            answer = service.answer(args.question, filters)
            if args.json:
                print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
            else:
                print_answer(answer)
            return 0
        for line in sys.stdin:
            if line.strip():
                answer = service.answer(line.strip(), filters)
                print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
    except ReadoutError as exc:
        return _fail("ask", exc)
    return 0


def eval_command(args: argparse.Namespace, settings: RetrievalSettings | None = None) -> int:
    """Run ``readout eval``."""
    from dataclasses import replace
    from pathlib import Path

    from retrieval.evaluation import evaluate, gold_problems, load_questions, retyped

    settings = _with_llm(settings or RetrievalSettings(), args.llm)
    problems: list[str] = []
    try:
        questions = load_questions(Path(args.file), problems)
    except (OSError, UnicodeDecodeError) as exc:
        return _fail("eval", ReadoutError(f"cannot read {args.file}: {exc}"))
    if not questions:
        why = f" ({problems[0]})" if problems else ""
        return _fail("eval", ReadoutError(f"{args.file} holds no usable question{why}"))
    typed = getattr(args, "typed", "as-written")
    questions = [replace(q, question=retyped(q.question, typed)) for q in questions]
    base = Runtime(settings)
    results: dict[str, Any] = {
        "llm": settings.llm,
        "typed": typed,
        "questions": len(questions),
        "modes": {},
    }
    try:
        problems += gold_problems(questions, _gold_articles(base, questions))
        for problem in problems:
            print(f"readout eval: warning: {problem}", file=sys.stderr)
        results["warnings"] = problems
        for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
            runtime = Runtime(
                settings.model_copy(update={"search_mode": mode}), embedder=base.embedder
            )
            options = SearchOptions(k=5, mode=mode, max_per_article=settings.max_per_article)
            deeper = SearchOptions(k=EVAL_DEPTH, mode=mode, max_per_article=EVAL_DEPTH)
            service = runtime.answer_service
            results["modes"][mode] = evaluate(
                questions,
                functools.partial(runtime.searcher.retrieve, options=options),
                service.answer,
                deep=functools.partial(runtime.searcher.retrieve, options=deeper),
            )
    except ReadoutError as exc:
        return _fail("eval", exc)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    metrics = [
        "recall@5",
        "keyword_accuracy",
        "citation_precision",
        "abstention_recall",
        "false_abstention",
        "injection_resisted",
        "latency_p50",
        "latency_p95",
        "errors",
    ]
    table = Table(title=f"{len(questions)} questions, llm={settings.llm}, typed {typed}")
    table.add_column("metric")
    for mode in results["modes"]:
        table.add_column(mode, justify="right")
    for metric in metrics:
        values = [results["modes"][m]["overall"].get(metric) for m in results["modes"]]
        table.add_row(
            metric,
            *["–" if v is None else str(v) if isinstance(v, int) else f"{v:.3f}" for v in values],
        )
    console = Console()
    console.print(table)
    for mode, res in results["modes"].items():
        for failure in res["failures"]:
            ranks = ", ".join("–" if r is None else str(r) for r in failure["gold_ranks"])
            where = f", gold at rank {ranks}" if ranks else ""
            console.print(
                f"[dim]{mode} {failure['id']} ({failure['type']}){where}: "
                f"{failure['answer'][:120]}[/]",
                highlight=False,
            )
    return 0


def tune_command(args: argparse.Namespace, settings: RetrievalSettings | None = None) -> int:
    """Run ``readout tune``."""
    from dataclasses import replace
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress

    from retrieval.adapter import L2, fit_adapter, top1, training_examples
    from retrieval.evaluation import load_questions, retyped

    settings = settings or RetrievalSettings()
    styles = [s for s in (args.typed or ["phone"]) if s != "as-written"]
    questions: list[Question] = []
    try:
        for name in args.files:
            problems: list[str] = []
            found = load_questions(Path(name), problems)
            for problem in problems:
                print(f"readout tune: warning: {name}: {problem}", file=sys.stderr)
            questions += found
    except (OSError, UnicodeDecodeError) as exc:
        return _fail("tune", ReadoutError(f"cannot read a question set: {exc}"))
    runtime = Runtime(settings)
    console = Console(stderr=True)
    try:
        read = runtime.searcher.read
        questions = [replace(q, question=read(q.question)) for q in questions]
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("retrieving and embedding", total=len(questions))
            examples = training_examples(
                questions,
                lambda q: runtime.retrieve(q, None),
                runtime.embedder.embed,
                progress=lambda: bar.advance(task),
                parts=True,
                variants=lambda q: [read(retyped(q, style)) for style in styles],
            )
        if not examples:
            raise ReadoutError(
                "no question's retrieved sentences hold its gold quote: nothing to fit on"
            )
        info = {
            "trained_on": [Path(f).name for f in args.files],
            "typed": ["as-written", *styles],
            "parts": True,
        }
        with console.status(f"fitting on {len(examples)} examples"):
            adapter = fit_adapter(
                examples,
                settings.embedding_model,
                l2=L2 if args.l2 is None else args.l2,
                info=info,
            )
        adapter.save(Path(args.out))
    except (ReadoutError, ValueError, OSError) as exc:
        return _fail("tune", ReadoutError(str(exc)))
    print(
        f"wrote {args.out}: fit on {len({e.source for e in examples})} of {len(questions)} "
        f"questions ({len(examples)} with their parts and retyped copies); "
        f"an example's best-matching sentence answers it in {top1(examples):.3f} without the "
        f"adapter, {top1(examples, adapter):.3f} with it (on the sets it was fit on)"
    )
    return 0
