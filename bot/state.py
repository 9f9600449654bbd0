"""The bot's own state in SQLite: answers behind buttons, votes, and thread conversations.

Answers are kept so the Passages and vote buttons work after a restart; user ids are stored only
as salted hashes, which is all feedback export needs.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from retrieval.models import Answer, Citation, Passage


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """Rebuild an Answer from its stored JSON."""
    return Answer(
        question=data["question"],
        text=data["text"],
        abstained=bool(data["abstained"]),
        citations=[Citation(**c) for c in data.get("citations", [])],
        passages=[Passage(**p) for p in data.get("full_passages", [])],
        timings=dict(data.get("timings", {})),
    )


class BotState:
    """A small SQLite database under the data directory."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS answers (
                    key TEXT PRIMARY KEY, created REAL, data TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS votes (
                    key TEXT, user_hash TEXT, up INTEGER, created REAL,
                    PRIMARY KEY (key, user_hash));
                CREATE TABLE IF NOT EXISTS turns (
                    thread_id INTEGER, created REAL, question TEXT, answer TEXT);
                CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
                """
            )
            row = self._db.execute("SELECT value FROM meta WHERE name='salt'").fetchone()
            if row is None:
                self._salt = secrets.token_hex(16)
                self._db.execute("INSERT INTO meta VALUES ('salt', ?)", (self._salt,))
            else:
                self._salt = str(row[0])

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def user_hash(self, user_id: int) -> str:
        """Return a salted hash of a Discord user id."""
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()[:16]

    def save_answer(self, answer: Answer) -> str:
        """Store an answer and return the key its buttons carry."""
        key = secrets.token_hex(8)
        data = answer.to_dict()
        data["full_passages"] = [p.to_dict() for p in answer.passages]
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO answers VALUES (?, ?, ?)", (key, time.time(), json.dumps(data))
            )
        return key

    def get_answer(self, key: str) -> Answer | None:
        """Return a stored answer, or None."""
        with self._lock:
            row = self._db.execute("SELECT data FROM answers WHERE key=?", (key,)).fetchone()
        return answer_from_dict(json.loads(row[0])) if row else None

    def vote(self, key: str, user_id: int, up: bool) -> None:
        """Record (or change) a user's vote on an answer."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO votes VALUES (?, ?, ?, ?)",
                (key, self.user_hash(user_id), int(up), time.time()),
            )

    def add_turn(self, thread_id: int, question: str, answer: str) -> None:
        """Remember a question and answer of a thread conversation."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?)", (thread_id, time.time(), question, answer)
            )

    def history(self, thread_id: int, turns: int) -> list[tuple[str, str]]:
        """Return a thread's last ``turns`` (question, answer) pairs, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT question, answer FROM turns WHERE thread_id=? ORDER BY created DESC "
                "LIMIT ?",
                (thread_id, turns),
            ).fetchall()
        return [(str(q), str(a)) for q, a in reversed(rows)]

    def is_conversation(self, thread_id: int) -> bool:
        """Return True for a thread the bot opened for an /ask."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM turns WHERE thread_id=? LIMIT 1", (thread_id,))
            return row.fetchone() is not None

    def export_feedback(self) -> list[dict[str, Any]]:
        """Return voted answers as eval cases in the dev-set format."""
        with self._lock:
            rows = self._db.execute(
                "SELECT a.key, a.data, SUM(v.up), COUNT(v.up) FROM votes v JOIN answers a "
                "ON a.key = v.key GROUP BY a.key ORDER BY MIN(v.created)"
            ).fetchall()
        cases = []
        for key, data, ups, votes in rows:
            answer = json.loads(data)
            sources = {p["chunk_id"]: p["source"] for p in answer.get("full_passages", [])}
            helpful = int(ups) * 2 >= int(votes)
            cases.append(
                {
                    "id": f"fb-{key}",
                    "question": answer["question"],
                    "type": ("unanswerable" if answer["abstained"] else "factual")
                    if helpful
                    else "needs_review",
                    "answer_keywords": [],
                    "gold": [
                        {
                            "file": Path(sources.get(c["chunk_id"], c["article_id"])).name,
                            "quote": c["quote"],
                        }
                        for c in answer["citations"]
                    ]
                    if helpful
                    else [],
                    "notes": f"from Discord feedback: {ups} of {votes} votes helpful; "
                    f"answer was: {answer['text'][:300]}",
                }
            )
        return cases
