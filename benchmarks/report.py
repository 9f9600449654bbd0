"""Targets of issue 5 checked against the results, and the markdown rendering of both."""

from __future__ import annotations

from typing import Any

RSS_LIMIT_MB = 1.5 * 1024  # 1.5 GiB
HYBRID_P95_LIMIT_MS = 50.0
INGEST_RATIO_TARGET = 2.0
RERUN_FRACTION_LIMIT = 0.05
RECALL_TOLERANCE = 0.01
ACK_P99_LIMIT_MS = 500.0
ACK_USERS = 20
STAGES = ("retrieve", "generate", "verify", "total")  # the keys of Answer.timings, in order


def _range(s: dict[str, Any], fmt: str = "{:.1f}", suffix: str = "") -> str:
    """Render a spread as ``median (min–max)``."""
    if s.get("median") is None:
        return "—"
    med, lo, hi = (fmt.format(s[k]) for k in ("median", "min", "max"))
    return f"{med}{suffix} ({lo}–{hi})"


def _percent(s: dict[str, Any]) -> str:
    """Render a spread of fractions as percentages."""
    scaled = {k: v * 100 if isinstance(v, float) else v for k, v in s.items()}
    return _range(scaled, "{:.1f}", "%")


def _largest(results: dict[str, Any]) -> dict[str, Any] | None:
    sizes = results.get("scale", {}).get("sizes", [])
    return max(sizes, key=lambda s: s["chunks"]) if sizes else None


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Return each target of the issue with what was measured and whether it holds."""
    rows: list[dict[str, Any]] = []
    ingest = results.get("ingest")
    if ingest:
        ratio = ingest["ratio"]["median"]
        rows.append(
            {
                "target": "Ingest ≥ 2× the LangChain baseline's chunks/s (same model)",
                "measured": f"{_range(ingest['ratio'], '{:.2f}', '×')}",
                "pass": ratio >= INGEST_RATIO_TARGET,
                "miss": None
                if ratio >= INGEST_RATIO_TARGET
                else f"missed by {INGEST_RATIO_TARGET - ratio:.2f}× "
                f"(needs {INGEST_RATIO_TARGET / ratio:.2f}× more speed)",
            }
        )
        fraction = ingest["rerun_fraction"]["median"]
        rows.append(
            {
                "target": "Unchanged re-run ≤ 5% of a full run",
                "measured": _percent(ingest["rerun_fraction"]),
                "pass": fraction <= RERUN_FRACTION_LIMIT,
                "miss": None
                if fraction <= RERUN_FRACTION_LIMIT
                else f"over by {(fraction - RERUN_FRACTION_LIMIT) * 100:.1f} points",
            }
        )
    largest = _largest(results)
    if largest:
        p95 = largest["latency_ms"]["hybrid"]["p95"]
        at = f"at {largest['chunks']:,} chunks"
        one = largest["latency_ms"].get("hybrid_torch_1_thread")
        if one:
            at += f"; torch on 1 thread: {_range(one['p95'], '{:.1f}', ' ms')}"
        full = largest["chunks"] >= 100_000
        rows.append(
            {
                "target": "Hybrid retrieval p95 ≤ 50 ms at 100k chunks (excluding the LLM)",
                "measured": f"{_range(p95, '{:.1f}', ' ms')} {at}",
                "pass": p95["median"] <= HYBRID_P95_LIMIT_MS if full else None,
                "miss": None
                if p95["median"] <= HYBRID_P95_LIMIT_MS
                else f"over by {p95['median'] - HYBRID_P95_LIMIT_MS:.1f} ms "
                f"({p95['median'] / HYBRID_P95_LIMIT_MS:.1f}× the budget)",
            }
        )
        if not full:
            rows[-1]["miss"] = "not checked: --quick stops at 10k chunks"
    answers = results.get("answers")
    if answers:
        rows.append(_ack_target(answers))
    memory = results.get("scale", {}).get("memory")
    if memory:
        if "peak_rss_mb" in memory:
            peak = memory["peak_rss_mb"]
            ok = peak <= RSS_LIMIT_MB and memory.get("llm_loaded")
            rows.append(
                {
                    "target": "Bot RSS ≤ 1.5 GiB at 100k chunks with the local LLM",
                    "measured": f"{peak:,.0f} MiB peak at {memory['chunks']:,} chunks"
                    + ("" if memory.get("llm_loaded") else " (LLM failed to load)"),
                    "pass": ok if memory["chunks"] >= 100_000 else None,
                    "miss": None
                    if peak <= RSS_LIMIT_MB
                    else f"over by {peak - RSS_LIMIT_MB:,.0f} MiB",
                }
            )
        else:
            rows.append(
                {
                    "target": "Bot RSS ≤ 1.5 GiB at 100k chunks with the local LLM",
                    "measured": f"probe failed: {memory.get('error', '')[:200]}",
                    "pass": False,
                    "miss": None,
                }
            )
    for row in results.get("embedding", {}).get("rows", []):
        if row.get("status") != "measured" or row["backend"].startswith("torch fp32"):
            continue
        delta = row.get("recall_delta", {})
        worst = min((d for d in delta.values() if d is not None), default=None)
        rows.append(
            {
                "target": f"{row['backend']}: recall@5 within 0.01 of fp32",
                "measured": ", ".join(
                    f"{mode} {d:+.3f}" for mode, d in delta.items() if d is not None
                ),
                "pass": worst is not None and worst >= -RECALL_TOLERANCE,
                "miss": None
                if worst is None or worst >= -RECALL_TOLERANCE
                else f"recall lost {-worst:.3f} (tolerance 0.01): not adoptable",
            }
        )
    return rows


def _ack_target(answers: dict[str, Any]) -> dict[str, Any]:
    """Return the acknowledgement target row: every backend's median p99 and nothing unacked."""
    measured, worst, unacked = [], 0.0, 0.0
    for row in answers["backends"]:
        if "error" in row:
            measured.append(f"{row['backend']}: failed ({row['error'][:80]})")
            unacked = max(unacked, float(answers["users"]))
            continue
        p99 = row["ack_ms"]["p99"]
        measured.append(f"{row['backend']} {_range(p99, '{:.0f}', ' ms')}")
        worst = max(worst, p99["median"] if p99["median"] is not None else float("inf"))
        unacked = max(unacked, row["counts"]["not acknowledged"]["max"] or 0.0)
    ok = worst <= ACK_P99_LIMIT_MS and unacked == 0
    miss = None
    if unacked:
        miss = f"{unacked:.0f} of {answers['users']} /ask never acknowledged in some repeat"
    elif worst > ACK_P99_LIMIT_MS:
        miss = f"over by {worst - ACK_P99_LIMIT_MS:.0f} ms"
    full = answers["users"] >= ACK_USERS
    if not full:
        miss = f"not checked: {answers['users']} concurrent users, not {ACK_USERS}"
    return {
        "target": f"Acknowledgement p99 ≤ 500 ms with {ACK_USERS} concurrent /ask",
        "measured": "; ".join(measured) + f" ({answers['users']} users, fake Discord on loopback)",
        "pass": ok if full else None,
        "miss": miss,
    }


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("✅" if ok else "❌")


def to_markdown(results: dict[str, Any]) -> str:
    """Render the results as markdown tables (the README's Performance section)."""
    runs = results.get("runs", {})
    out = [
        "# Readout benchmarks",
        "",
        f"{results['machine']}; load average at start {results.get('load_average')}; "
        f"`{results['command']}`; {results['mode']} mode, {results['repeats']} repeats: "
        "medians (min–max). Other work shares these cores: compare ratios taken in the same run, "
        "not absolute times across runs.",
        "",
        *(
            [f"Parts measured at: {', '.join(f'{k} {v}' for k, v in sorted(runs.items()))}.", ""]
            if len(set(runs.values())) > 1
            else []
        ),
        "## Targets (issue 5)",
        "",
        "| target | measured | result |",
        "|---|---|---|",
    ]
    for row in results["targets"]:
        note = f" {row['miss']}" if row.get("miss") else ""
        out.append(f"| {row['target']} | {row['measured']} | {_mark(row['pass'])}{note} |")
    out += _ingest_md(results.get("ingest"))
    out += _embedding_md(results.get("embedding"), results.get("batch_sizes"))
    out += _scale_md(results.get("scale"))
    out += _answers_md(results.get("answers"))
    return "\n".join(out) + "\n"


def _ingest_md(ingest: dict[str, Any] | None) -> list[str]:
    if not ingest:
        return []
    lines = [
        "",
        f"## Ingest: the sample corpus ({ingest['corpus']})",
        "",
        "Full ingest into a fresh embedded store, model loaded beforehand; both pipelines "
        "alternate within each repeat and the ratio is taken per repeat.",
        "",
        "| pipeline | chunks | chunks/s | characters/s |",
        "|---|---|---|---|",
        f"| Readout `run_ingest` (chunk → embed → `Store.put_articles`) | "
        f"{ingest['chunks']['readout']} | {_range(ingest['readout_chunks_per_second'])} | "
        f"{_range(ingest['readout_chars_per_second'], '{:,.0f}')} |",
        f"| LangChain baseline (splitter → HuggingFaceEmbeddings → `Chroma.from_documents`) | "
        f"{ingest['chunks']['baseline']} | {_range(ingest['baseline_chunks_per_second'])} | "
        f"{_range(ingest['baseline_chars_per_second'], '{:,.0f}')} |",
        f"| **Readout / baseline** | | **{_range(ingest['ratio'], '{:.2f}', '×')}** | "
        f"{_range(ingest['char_ratio'], '{:.2f}', '×')} |",
        f"| unchanged re-run / full run | | "
        f"{_percent(ingest['rerun_fraction'])} "
        f"(re-run {_range(ingest['rerun_seconds'], '{:.3f}', ' s')}, full "
        f"{_range(ingest['full_seconds'], '{:.2f}', ' s')}) | |",
    ]
    parts = ingest.get("readout_breakdown_seconds")
    if parts:
        # Results written before writes were batched call them "put_article"; --merge keeps them.
        writes = parts.get("writes") or parts.get("put_article") or {}
        base = ingest["baseline_breakdown_seconds"]
        lines += [
            "",
            "Where a full ingest's time goes (seconds):",
            "",
            "| Readout: open store | embed | `put_articles` writes | load, clean, chunk, rest | "
            "baseline: read + split | baseline: `from_documents` (embed + write) |",
            "|---|---|---|---|---|---|",
            f"| {_range(parts['open_store'], '{:.2f}')} | {_range(parts['embed'], '{:.2f}')} | "
            f"{_range(writes, '{:.2f}')} | {_range(parts['other'], '{:.2f}')} | "
            f"{_range(base['read_and_split'], '{:.3f}')} | "
            f"{_range(base['from_documents'], '{:.2f}')} |",
        ]
    search = ingest.get("sample_corpus_search") or {}
    if search:
        lines += [
            "",
            "Search on the same small corpus (dev set, 25 questions; latency of one query, "
            "embedding included):",
            "",
            "| search | recall@5 | p50 ms | p95 ms |",
            "|---|---|---|---|",
        ]
        for name, row in search.items():
            lat = row["latency_ms"]
            lines.append(f"| {name} | {row['recall@5']} | {lat['p50']} | {lat['p95']} |")
    return lines


def _embedding_md(emb: dict[str, Any] | None, batches: list[dict[str, Any]] | None) -> list[str]:
    if not emb:
        return []
    lines = [
        "",
        f"## Embedding backends ({emb['texts']} generated chunks, {emb['avg_chars']} characters "
        "on average; recall@5 on the dev set beside the speed)",
        "",
        "| backend | chunks/s | × Readout fp32 | recall@5 dense | recall@5 hybrid | notes |",
        "|---|---|---|---|---|---|",
    ]
    for row in emb["rows"]:
        if row["status"] != "measured":
            lines.append(f"| {row['backend']} | — | — | — | — | {row['status']}: {row['error']} |")
            continue
        recall = row.get("recall@5") or {}
        delta = row.get("recall_delta") or {}

        def cell(mode: str, recall: dict[str, Any] = recall, delta: dict[str, Any] = delta) -> str:
            value = recall.get(mode)
            if value is None:
                return "—"
            d = delta.get(mode)
            return f"{value:.3f}" + (f" ({d:+.3f})" if d else "")

        lines.append(
            f"| {row['backend']} | {_range(row['chunks_per_second'])} | "
            f"{_range(row['ratio_to_readout_fp32'], '{:.2f}', '×')} | {cell('dense')} | "
            f"{cell('hybrid')} | {row['note']} |"
        )
    if batches:
        lines += [
            "",
            "Readout Embedder by batch size:",
            "",
            "| batch_size | chunks/s |",
            "|---|---|",
        ]
        for row in batches:
            star = " (default)" if row["default"] else ""
            lines.append(f"| {row['batch_size']}{star} | {_range(row['chunks_per_second'])} |")
    return lines


def _scale_md(scale: dict[str, Any] | None) -> list[str]:
    if not scale:
        return []
    lines = [
        "",
        "## Scale: query latency of `Searcher.search` (k=6) per retrieval mode",
        "",
        f"{scale['queries']} queries (half dev-set questions, half generated), one warm-up "
        "excluded, modes interleaved; p50/p95 per pass, median (min–max) over passes. Dense "
        "includes embedding the query with the real model. *One publisher*: hybrid with a "
        "publisher filter (Chroma `where` + the BM25 weight mask), as `/ask` filters do. "
        "*Torch on 1 thread*: the same hybrid search with `torch.set_num_threads(1)` while the "
        "query is embedded (Readout leaves torch at its default, one thread per core).",
        "",
        "| chunks | articles | dense p50 / p95 ms | BM25 p50 / p95 ms | hybrid p50 / p95 ms | "
        "hybrid, one publisher p50 / p95 ms | hybrid, torch on 1 thread p50 / p95 ms | "
        "query embedding p50 ms | `store.count()` p50 ms | store build s | keyword index build s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in scale["sizes"]:
        lat = size["latency_ms"]

        def pair(name: str, lat: dict[str, Any] = lat) -> str:
            return f"{_range(lat[name]['p50'])} / {_range(lat[name]['p95'])}"

        cached = " (cached)" if size["cached"] else ""
        build = keyword = "cached"
        if size.get("insert_seconds") is not None:
            build = f"{size['insert_seconds']:.0f}{cached}"
        if size.get("keyword_build_seconds") is not None:
            keyword = f"{size['keyword_build_seconds']:.1f}{cached}"
        lines.append(
            f"| {size['chunks']:,} | {size['articles']:,} | {pair('dense')} | {pair('bm25')} | "
            f"{pair('hybrid')} | {pair('hybrid_publisher_filter')} | "
            f"{pair('hybrid_torch_1_thread') if 'hybrid_torch_1_thread' in lat else '—'} | "
            f"{_range(lat['query_embedding']['p50'])} | "
            f"{_range(lat['store_count']['p50'])} | {build} | {keyword} |"
        )
    memory = scale.get("memory")
    if memory and "peak_rss_mb" in memory:
        lines += [
            "",
            f"Memory of a bot-like process at {memory['chunks']:,} chunks (fresh interpreter: "
            "discord.py imported, store opened, keyword index loaded from its cache, embedding "
            f"model and SmolLM2 GGUF loaded with n_ctx={memory['llm_context']}, "
            f"{memory['searches']} hybrid searches, one short LLM answer):",
            "",
            "| after | RSS MiB | peak so far (VmHWM) MiB |",
            "|---|---|---|",
        ]
        peaks = memory.get("stages_peak_mb", {})
        lines += [
            f"| {stage} | {mb:,.0f} | {peaks.get(stage, 0):,.0f} |"
            for stage, mb in memory["stages_rss_mb"].items()
        ]
        lines.append(f"| **peak** | | **{memory['peak_rss_mb']:,.0f}** |")
        if "ru_maxrss_mb" in memory:
            lines.append(
                f"\nThe probe's `ru_maxrss` said {memory['ru_maxrss_mb']:,.0f} MiB: on Linux it "
                "carries the parent's peak over fork and exec (the benchmark process holds three "
                "stores), so the probe's own peak is read from `VmHWM`, which starts fresh at exec."
            )
        if memory.get("llm_error"):
            lines.append(f"\nThe LLM did not load: {memory['llm_error']}")
    elif memory:
        lines += ["", f"Memory probe failed: {memory.get('error')}"]
    lines += ["", f"Note: {scale['approximation']}"]
    return lines


def _answers_md(answers: dict[str, Any] | None) -> list[str]:
    if not answers:
        return []
    limits = answers["limits"]
    lines = [
        "",
        "## Answers: /ask end to end through the local fake Discord",
        "",
        f"{answers['users']} different users send `/ask` at the same moment, each a different "
        f"dev-set question, to the real bot on the sample corpus ({answers['articles']} "
        f"articles); {answers['repeats']} repeats, fresh users each time. Bot defaults: "
        f"{limits['max_concurrent_answers']} answers at once, {limits['max_queued_answers']} "
        f"queued, the rest told at once (ephemerally) that the bot is busy; "
        f"{limits['cooldown_seconds']:g} s per-user cooldown (not hit: each user asks once); "
        f"answers abandoned after {limits['answer_timeout_seconds']:g} s; {limits['top_k']} "
        f"passages, {limits['search_mode']} search; the local model writes at most "
        f"{limits['llm_max_tokens']} tokens. *Ack*: send → the fake receives the interaction "
        'response (a "thinking" defer, or the busy reply). *Answer*: send → the fake receives '
        "the answer. p50/p99 (p95) per repeat, then median (min–max) over repeats; with "
        f"{answers['users']} users the p99 is the slowest acknowledgement of the repeat.",
        "",
        *(
            [f"Settings changed from the defaults: {answers['overrides']}.", ""]
            if answers.get("overrides")
            else []
        ),
        "| backend | ack p50 ms | ack p99 ms | acknowledged | busy (acked, not answered) | "
        "answered | failed | abstained | first /ask after start s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    timed = []
    for row in answers["backends"]:
        if "error" in row:
            lines.append(f"| {row['backend']} | failed: {row['error']} | | | | | | | |")
            continue
        timed.append(row)
        counts = row["counts"]

        def count(name: str, counts: dict[str, Any] = counts) -> str:
            c = counts[name]
            same = c["min"] == c["max"] and c["min"] is not None
            return f"{c['min']:.0f}" if same else _range(c, "{:.0f}")

        first = row["first_ask"]
        lines.append(
            f"| {row['backend']} | {_range(row['ack_ms']['p50'])} | "
            f"{_range(row['ack_ms']['p99'])} | {count('acknowledged')} | {count('busy')} | "
            f"{count('answered')} | {count('failed')} | {count('abstained')} | "
            + (f"{first['answer']:.2f}" if first.get("answer") is not None else first["status"])
            + " |"
        )
    if timed:
        lines += [
            "",
            "Answered `/ask` (seconds; stage figures are medians of `Answer.timings` per repeat, "
            "then median (min–max) over repeats; *outside the service* = answer latency minus the "
            "service's total: waiting in the bot's queue, thread hand-off, formatting, Discord "
            "round trips):",
            "",
            "| backend | answer p50 s | answer p95 s | retrieve s | generate s | verify s | "
            "service total s | outside the service s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in timed:
            stages = row["stages_s"]
            lines.append(
                f"| {row['backend']} | {_range(row['answer_s']['p50'], '{:.2f}')} | "
                f"{_range(row['answer_s']['p95'], '{:.2f}')} | "
                + " | ".join(_range(stages[s], "{:.3f}") for s in STAGES)
                + f" | {_range(row['outside_service_s'], '{:.2f}')} |"
            )
        for row in timed:
            reasons: dict[str, int] = {}
            for wave in row.get("interactions", []):
                for outcome in wave:
                    if outcome["status"] in ("failed", "not acknowledged"):
                        reason = outcome["detail"] or outcome["status"]
                        reasons[reason] = reasons.get(reason, 0) + 1
            if reasons:
                listed = "; ".join(f"{n} × “{text}”" for text, n in reasons.items())
                lines += ["", f"{row['backend']}: admitted but not answered: {listed}"]
        problems = [p for row in timed for p in row.get("problems", [])]
        if problems:
            lines += ["", "The fake Discord recorded problems: " + "; ".join(problems[:5])]
    lines += ["", f"Note: {answers['approximation']}"]
    return lines
