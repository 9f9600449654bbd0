"""URL and feed ingestion against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from ingest.settings import IngestSettings
from ingest.sources import SourceSpec
from ingest.sync import run_ingest
from retrieval.runtime import Runtime
from tests.conftest import free_port

pytestmark = pytest.mark.slow

PARAGRAPHS = [
    "Japanese Defense Minister Shinjiro Koizumi met US Secretary of Defense Pete Hegseth at the "
    "Pentagon on Thursday, and the two agreed to expand joint exercises in the southwest.",
    "The ministers also discussed co-production of missiles, a priority for Tokyo as it builds up "
    "its defense industry, officials said after the talks in Arlington, Virginia.",
    "Koizumi told reporters he could not provide specific details about any discussion of China, "
    "according to Jiji Press, which covered the meeting in detail.",
]


def page(title: str, body: list[str], date: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    return (
        "<!doctype html><html><head>"
        f"<title>{title}</title><meta property='og:site_name' content='Local Wire'>"
        f"<meta property='article:published_time' content='{date}'>"
        "</head><body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>All rights reserved. Subscribe to our newsletter.</footer></body></html>"
    ).encode()


def feed(base: str) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>{base}{path}</link>"
        f"<pubDate>Fri, 16 Jan 2026 10:00:00 GMT</pubDate>{extra}</item>"
        for t, path, extra in [
            ("Ministers agree on drills", "/news/drills.html", ""),
            ("Missiles and industry", "/news/industry.html", ""),
            ("A dead link", "/news/gone.html", ""),
        ]
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Local Wire</title>"
        f"<link>{base}</link><description>test</description>{items}</channel></rss>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    """Serve the test site."""

    routes: ClassVar[dict[str, tuple[str, bytes]]] = {}

    def do_GET(self) -> None:
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        ctype, body = route
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def site() -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    Handler.routes = {
        "/news/drills.html": (
            "text/html; charset=utf-8",
            page("Ministers agree on drills", PARAGRAPHS, "2026-01-16"),
        ),
        "/news/industry.html": (
            "text/html",
            page("Missiles and industry", PARAGRAPHS[1:], "2026-01-17"),
        ),
        "/news/empty.html": ("text/html", b"<html><body><nav>Home</nav></body></html>"),
        "/rss.xml": ("application/rss+xml", feed(base)),
    }
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def test_article_url_is_ingested_with_metadata(
    runtime: Runtime, ingest_settings: IngestSettings, site: str
) -> None:
    url = f"{site}/news/drills.html?utm_source=x#top"
    report = run_ingest([SourceSpec("url", url)], runtime.store, runtime.embedder, ingest_settings)
    assert len(report.added) == 1, report.to_dict()
    article = runtime.store.get_article(report.added[0].article_id)
    assert article is not None
    assert article.id == f"{site}/news/drills.html"  # canonical: no tracking, no fragment
    assert article.title == "Ministers agree on drills"
    assert article.publisher == "Local Wire"
    assert article.published.startswith("2026-01-16")
    assert "southwest" in article.text and "Home" not in article.text


def test_feed_entries_are_fetched_and_dead_links_reported(
    runtime: Runtime, ingest_settings: IngestSettings, site: str
) -> None:
    report = run_ingest(
        [SourceSpec("url", f"{site}/rss.xml")], runtime.store, runtime.embedder, ingest_settings
    )
    assert sorted(e.title for e in report.added) == [
        "Ministers agree on drills",
        "Missiles and industry",
    ]
    assert [e.input for e in report.failed] == [f"{site}/news/gone.html"]
    assert "404" in report.failed[0].reason


def test_unreachable_and_empty_pages_fail_without_touching_the_index(
    runtime: Runtime, ingest_settings: IngestSettings, site: str
) -> None:
    good = SourceSpec("url", f"{site}/news/drills.html")
    run_ingest([good], runtime.store, runtime.embedder, ingest_settings)
    before = runtime.store.count()
    dead = f"http://127.0.0.1:{free_port()}/nothing-listens-here"
    report = run_ingest(
        [good, SourceSpec("url", dead), SourceSpec("url", f"{site}/news/empty.html")],
        runtime.store,
        runtime.embedder,
        ingest_settings,
        prune=True,
    )
    reasons = {e.input: e.reason for e in report.failed}
    assert "unreachable" in reasons[dead]
    assert reasons[f"{site}/news/empty.html"]
    assert len(report.unchanged) == 1 and not report.removed
    assert runtime.store.count() == before
