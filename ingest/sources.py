"""Resolve what an admin names (files, folders, URLs, feeds, sources.yaml) into loadable units."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from ingest.loaders import LoadResult, load_bytes, load_path
from ingest.settings import IngestSettings
from retrieval.errors import ConfigError, InputError

log = logging.getLogger(__name__)

Kind = Literal["path", "url", "feed"]
LOADABLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".ndjson", ".pdf"}
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One configured source, with defaults for the articles it yields."""

    kind: Kind
    target: str
    publisher: str = ""

    def label(self) -> str:
        """Return how reports name this source."""
        return self.target


@dataclass(slots=True)
class Unit:
    """One thing to load: a file, a page, or a feed entry; ``load`` never raises."""

    label: str
    load: Callable[[], list[LoadResult]]


def is_url(text: str) -> bool:
    """Return True for an http(s) URL."""
    return text.startswith(("http://", "https://"))


def display_path(path: Path) -> str:
    """Return a path relative to the working directory when below it, as a stable article id."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def spec_from_arg(arg: str) -> list[SourceSpec]:
    """Turn a command-line argument into source specs (a sources.yaml expands to its list)."""
    if is_url(arg):
        return [SourceSpec("url", arg)]
    path = Path(arg)
    if path.suffix.lower() in (".yaml", ".yml") and path.is_file():
        return parse_sources_file(path)
    return [SourceSpec("path", arg)]


def parse_sources_file(path: Path) -> list[SourceSpec]:
    """Read a sources.yaml: a list (or ``sources:`` list) of paths, URLs and feeds."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
    if isinstance(data, dict):
        data = data.get("sources")
    if not isinstance(data, list):
        raise ConfigError(f"{path} must hold a list of sources (or a `sources:` list)")
    specs: list[SourceSpec] = []
    for i, item in enumerate(data, 1):
        specs.append(_spec_from_yaml(item, path.parent, f"{path} entry {i}"))
    return specs


def _spec_from_yaml(item: Any, base: Path, where: str) -> SourceSpec:
    if isinstance(item, str):
        item = {"url": item} if is_url(item) else {"path": item}
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a path, a URL or a mapping, got {item!r}")
    publisher = str(item.get("publisher") or "")
    keys = [k for k in ("path", "url", "feed") if item.get(k)]
    if len(keys) != 1:
        raise ConfigError(f"{where}: give exactly one of path, url or feed")
    kind: Kind = keys[0]  # type: ignore[assignment]  # narrowed by the list above
    target = str(item[kind])
    if kind == "path" and not Path(target).is_absolute():
        # Paths in a sources.yaml are relative to the file, so it works from any directory.
        target = display_path(base / target)
    elif kind != "path" and not is_url(target):
        raise ConfigError(f"{where}: {kind} must be an http(s) URL, got {target!r}")
    return SourceSpec(kind, target, publisher)


class Fetcher:
    """Fetch URLs with a timeout and a size cap; failures become InputError with a reason."""

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self._client: Any = None

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                timeout=self.settings.fetch_timeout,
                follow_redirects=True,
                headers={"User-Agent": self.settings.user_agent},
            )
        return self._client

    def get(self, url: str) -> tuple[bytes, str, str]:
        """Return (body, content type, final URL) or raise InputError."""
        import httpx

        limit = self.settings.fetch_max_bytes
        try:
            with self._http().stream("GET", url) as response:
                if response.status_code >= 400:
                    raise InputError(f"HTTP {response.status_code} from {url}")
                body = bytearray()
                for part in response.iter_bytes():
                    body.extend(part)
                    if len(body) > limit:
                        raise InputError(f"larger than {limit // (1024 * 1024)} MB: {url}")
                ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
                return bytes(body), ctype, str(response.url)
        except httpx.TimeoutException:
            raise InputError(f"timed out after {self.settings.fetch_timeout:g} s: {url}") from None
        except httpx.HTTPError as exc:
            raise InputError(f"unreachable: {url} ({type(exc).__name__})") from None

    def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None


def looks_like_feed(body: bytes, content_type: str) -> bool:
    """Return True when a response is an RSS/Atom feed rather than an article page."""
    if content_type in _FEED_TYPES:
        return True
    head = body[:2048].lstrip().lower()
    return (content_type.endswith("xml") or head.startswith(b"<?xml")) and (
        b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head
    )


def _with_publisher(results: list[LoadResult], publisher: str) -> list[LoadResult]:
    if not publisher:
        return results
    return [
        replace(r, article=replace(r.article, publisher=publisher))
        if r.article is not None and not r.article.publisher
        else r
        for r in results
    ]


def _failed(label: str, reason: str) -> list[LoadResult]:
    return [LoadResult(input=label, error=reason)]


def iter_units(spec: SourceSpec, fetcher: Fetcher) -> Iterator[Unit]:
    """Yield the loadable units of a source; a missing path or dead feed yields one failure."""
    if spec.kind == "path":
        yield from _path_units(spec)
    elif spec.kind == "url":
        yield from _url_units(spec, fetcher)
    else:
        yield from _feed_units(spec, fetcher, None)


def _path_units(spec: SourceSpec) -> Iterator[Unit]:
    root = Path(spec.target)
    if root.is_file():
        files = [root]
    elif root.is_dir():
        files = sorted(
            p
            for p in root.rglob("*")
            if p.is_file() and p.suffix.lower() in LOADABLE_SUFFIXES and not _hidden(p, root)
        )
        if not files:
            yield Unit(spec.target, lambda: _failed(spec.target, "no loadable files in folder"))
    else:
        yield Unit(spec.target, lambda: _failed(spec.target, "no such file or folder"))
        return
    for path in files:
        source = display_path(path)
        yield Unit(
            source,
            lambda path=path, source=source: _with_publisher(  # type: ignore[misc]  # bound loop vars
                load_path(path, source=source), spec.publisher
            ),
        )


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _url_units(spec: SourceSpec, fetcher: Fetcher) -> Iterator[Unit]:
    try:
        body, ctype, final_url = fetcher.get(spec.target)
    except InputError as exc:
        yield Unit(spec.target, lambda reason=exc.reason: _failed(spec.target, reason))  # type: ignore[misc]
        return
    if looks_like_feed(body, ctype):
        yield from _feed_units(spec, fetcher, body)
        return
    yield Unit(
        spec.target,
        lambda: _with_publisher(
            load_bytes(body, source=final_url, url=final_url, content_type=ctype), spec.publisher
        ),
    )


def _feed_units(spec: SourceSpec, fetcher: Fetcher, body: bytes | None) -> Iterator[Unit]:
    import feedparser

    if body is None:
        try:
            body, _, _ = fetcher.get(spec.target)
        except InputError as exc:
            yield Unit(spec.target, lambda reason=exc.reason: _failed(spec.target, reason))  # type: ignore[misc]
            return
    feed = feedparser.parse(body)
    entries = list(feed.entries)
    if not entries:
        reason = "feed has no entries" if not feed.bozo else "not a readable RSS/Atom feed"
        yield Unit(spec.target, lambda: _failed(spec.target, reason))
        return
    publisher = spec.publisher or str(feed.feed.get("title", ""))
    for entry in entries:
        link = str(entry.get("link", ""))
        label = link or f"{spec.target}#{entry.get('id', '?')}"
        yield Unit(label, lambda e=entry, label=label: _load_entry(e, label, fetcher, publisher))  # type: ignore[misc]


def _load_entry(entry: Any, label: str, fetcher: Fetcher, publisher: str) -> list[LoadResult]:
    """Load a feed entry's page; fall back to the feed's own content when the page fails."""
    link = str(entry.get("link", ""))
    reason = "entry has no link"
    if link:
        try:
            body, ctype, final_url = fetcher.get(link)
            results = load_bytes(body, source=final_url, url=final_url, content_type=ctype)
            if all(r.article is not None for r in results):
                return _with_publisher(_entry_defaults(results, entry), publisher)
            reason = "; ".join(r.error or "" for r in results if r.error)
        except InputError as exc:
            reason = exc.reason
    content = entry.get("content") or []
    html = content[0].get("value", "") if content else str(entry.get("summary", ""))
    if len(html) > 200:
        results = load_bytes(html.encode("utf-8"), source=label, url=link, fmt="html")
        if all(r.article is not None for r in results):
            log.info("used the feed's own content for %s (%s)", label, reason)
            return _with_publisher(_entry_defaults(results, entry), publisher)
    return _failed(label, reason)


def _entry_defaults(results: list[LoadResult], entry: Any) -> list[LoadResult]:
    """Fill a page's missing title and date from its feed entry."""
    title = str(entry.get("title", ""))
    published = ""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        published = datetime(*parsed[:6]).isoformat()
    out = []
    for r in results:
        if r.article is not None:
            article = r.article
            if title and not article.title:
                article = replace(article, title=title)
            if published and not article.published:
                article = replace(article, published=published)
            r = replace(r, article=article)
        out.append(r)
    return out
