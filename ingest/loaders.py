"""Turn the bytes of one input (text, Markdown, HTML, JSON Lines, PDF) into cleaned Articles.

Nothing here raises for bad content: every problem becomes a :class:`LoadResult` with a short
reason that the ingest report shows next to the input. trafilatura and pypdf are imported inside
the functions that need them, so importing this module stays cheap.
"""

from __future__ import annotations

import codecs
import email.utils
import io
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from ingest.clean import clean_text
from retrieval.errors import InputError
from retrieval.models import Article

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024

FORMATS = ("txt", "md", "html", "jsonl", "pdf")
_FORMAT_ALIASES = {
    "text": "txt",
    "markdown": "md",
    "htm": "html",
    "ndjson": "jsonl",
    **{name: name for name in FORMATS},
}
_EXTENSIONS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".pdf": "pdf",
}
_CONTENT_TYPES = {
    "text/plain": "txt",
    "text/markdown": "md",
    "text/x-markdown": "md",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/json": "jsonl",
    "application/pdf": "pdf",
}

# Magic numbers of formats people commonly drop into a corpus folder by mistake; naming the
# format makes the report actionable ("that .html is really gzip").
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "an executable"),
    (b"%PDF-", "a PDF file"),
)
_BOMS = (
    # UTF-32 before UTF-16: the UTF-32-LE mark begins with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY = "looks like a binary file, not text"
# Share of control characters above which decoded "text" is really binary data; prose has
# none at all, so the margin is wide.
_MAX_CONTROL_RATIO = 0.05
_SNIFF_BYTES = 64 * 1024

# The sample article's header: an optional ALL-CAPS section line, the headline, then this.
_PUBLISHED_LINE = re.compile(r"^published\s*(?:on|at)?\s*:\s*(?P<date>.{4,60})$", re.IGNORECASE)
_TITLE_MAX_CHARS = 150
# Fewer words than this after extraction is navigation or a cookie wall, not an article.
_MIN_HTML_WORDS = 15
_FRONT_MATTER_OPEN = re.compile(r"\A---[ \t]*\n")
_FRONT_MATTER_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""", re.I
)
_TRACKING_PARAMS = frozenset({"fbclid", "gclid"})
_DATE_FORMATS = (
    ("%b %d, %Y %I:%M %p", True),
    ("%B %d, %Y %I:%M %p", True),
    ("%b %d, %Y %H:%M", True),
    ("%B %d, %Y %H:%M", True),
    ("%b %d, %Y", False),
    ("%B %d, %Y", False),
    ("%d %B %Y %H:%M", True),
    ("%d %b %Y %H:%M", True),
    ("%d %B %Y", False),
    ("%d %b %Y", False),
    ("%Y/%m/%d %H:%M", True),
    ("%Y/%m/%d", False),
    ("%d.%m.%Y", False),
)
_TRAILING_ZONE = re.compile(r"\s*(?:\(?\b(?:GMT|UTC|BJT|JST|KST|EST|EDT|PST|PDT)\b[+\-\d:]*\)?)$")


@dataclass(frozen=True)
class LoadResult:
    """The outcome of loading one input: an article, or the reason there is none."""

    input: str  # how the ingest report names the input: a path, a URL, or "path#L3"
    article: Article | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        if (self.article is None) == (self.error is None):
            raise ValueError("a LoadResult holds exactly one of article and error")


# --------------------------------------------------------------------------- decoding


def decode_bytes(data: bytes, *, declared_charset: str | None = None) -> str:
    """Decode text bytes of any common encoding; raise InputError for binary data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise InputError(
                    f"starts with a {encoding} byte-order mark but does not decode as it"
                ) from None
            return _reject_controls(text)
    wide = _guess_utf32(data) or _guess_utf16(data)
    if wide is not None:
        try:
            return _reject_controls(data.decode(wide))
        except UnicodeDecodeError:
            raise InputError(_BINARY) from None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"looks like {what}, not text")
    # Git's rule: text never contains NUL, so any NUL here (UTF-16/32 were handled above) means
    # binary data.
    if b"\x00" in data:
        raise InputError(_BINARY)
    return _reject_controls(_decode_8bit(data, declared_charset))


def _decode_8bit(data: bytes, declared_charset: str | None) -> str:
    # Strict UTF-8 first: legacy 8-bit text with accents is almost never valid UTF-8 by chance,
    # while pages often declare latin-1 but are UTF-8.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = [declared_charset] if declared_charset else []
    for encoding in [*candidates, "cp1252"]:
        try:
            text = data.decode(encoding)
        except (UnicodeError, LookupError):  # a page may declare "idna" or "base64", too
            continue
        log.debug("decoded as %s", encoding)
        return text
    # latin-1 maps every byte, so this never fails; the control-character check catches junk.
    return data.decode("latin-1")


def _guess_utf32(data: bytes) -> str | None:
    """Return the UTF-32 byte order of BOM-less text: its high bytes are (almost) all NUL."""
    sample = data[: 4096 - 4096 % 4]
    units = len(sample) // 4
    if units < 2 or len(data) % 4:
        return None
    # Byte positions in a 4-byte unit: the top byte of a code point is always 0, the next one
    # is 0 outside the supplementary planes, and the lowest is 0 only for a few characters.
    for encoding, always, mostly, rarely in (("utf-32-le", 3, 2, 0), ("utf-32-be", 0, 1, 3)):
        if (
            sample[always::4].count(0) == units
            and sample[mostly::4].count(0) >= 0.9 * units
            and sample[rarely::4].count(0) <= 0.1 * units
        ):
            return encoding
    return None


def _guess_utf16(data: bytes) -> str | None:
    """Return the UTF-16 byte order of BOM-less text whose ASCII shows as char/NUL pairs."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_nuls = sample[0 : pairs * 2 : 2].count(0)
    odd_nuls = sample[1 : pairs * 2 : 2].count(0)
    if odd_nuls >= 0.4 * pairs and even_nuls <= 0.05 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.4 * pairs and odd_nuls <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _reject_controls(text: str) -> str:
    sample = text[:_SNIFF_BYTES]
    if not sample:
        return text
    controls = sum(
        1 for ch in sample if (ch < " " and ch not in "\t\n\r\f") or "\x7f" <= ch <= "\x9f"
    )
    if controls / len(sample) > _MAX_CONTROL_RATIO:
        raise InputError(_BINARY)
    return text


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    # A page readable as ASCII cannot be UTF-16/32, whatever it declares (the HTML standard
    # says the same); decoding it so would turn it into CJK-looking garbage.
    return None if name.startswith(("utf-16", "utf-32")) else name


# --------------------------------------------------------------------------- field helpers


def canonical_url(url: str) -> str:
    """Return a URL's canonical form: lower-case scheme and host, no fragment or tracking."""
    # The fragment goes first: "http://a.b:8080\x0c#" would keep its form feed (an invalid
    # port is kept as written) until a second pass stripped it, and ids must be idempotent.
    url = _without_fragment(url.strip()).strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # an invalid port or IPv6 literal: keep it, but never a fragment
        return _without_fragment(url)
    if not parts.scheme or not host:
        return _without_fragment(url)
    scheme = parts.scheme.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        netloc = f"{netloc}:{port}"
    # User info is dropped: an id shows up in reports and replies, and must never carry a
    # password.
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    # Filter the raw pairs instead of re-encoding them, so kept parameters stay byte-identical
    # ("?123" must not turn into "?123=").
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracking_param(unquote_plus(pair.split("=", 1)[0]))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def _without_fragment(url: str) -> str:
    """Return ``url`` without its ``#fragment`` when it is a web URL (a path keeps its '#')."""
    return url.partition("#")[0] if url.lower().startswith(("http://", "https://")) else url


def _is_tracking_param(name: str) -> bool:
    name = name.strip().lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS


def _web_url(value: object) -> str:
    """Return the canonical form of an absolute http(s) URL, else "" (never a bogus id)."""
    if not isinstance(value, str):
        return ""
    canonical = canonical_url(value)
    return canonical if canonical.startswith(("http://", "https://")) else ""


def _one_line(value: object, limit: int = 500) -> str:
    """Return a metadata value as one clean line; containers other than flat lists are ignored."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, list | tuple):
        # A flat list of names (publisher: [A, B]) reads fine joined; anything deeper is
        # ignored rather than stringified, which could be huge (YAML aliases) or meaningless.
        items = [_one_line(v, limit) for v in value[:10] if isinstance(v, str | int | float)]
        return ", ".join(i for i in items if i)[:limit]
    if isinstance(value, str | int | float | date):
        return " ".join(clean_text(str(value)).split())[:limit]
    return ""


def iso_date(value: object) -> str:
    """Return a date or datetime (object or common string form) as ISO-8601, else ""."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return ""
    text = " ".join(value.split())
    if not text:
        return ""
    # A date alone must stay a date: "2026-01-16" is not midnight of that day.
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            return parse(text).isoformat()
        except ValueError:
            pass
    # "Jan. 16, 2026" and "Jan 16, 2026 10:19 PM GMT+8" are common in bylines.
    bare = _TRAILING_ZONE.sub("", re.sub(r"^([A-Za-z]{3,4})\.", r"\1", text))
    for fmt, has_time in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(bare, fmt)
        except ValueError:
            continue
        return parsed.isoformat() if has_time else parsed.date().isoformat()
    try:
        return email.utils.parsedate_to_datetime(text).isoformat()  # RFC 2822, as in feeds
    except (TypeError, ValueError, IndexError):
        return ""


def _title_from(text: str, *, markdown: bool = False) -> str:
    """Return the first non-empty line as a title, cut at a word boundary when long."""
    for line in text.split("\n"):
        line = line.strip()
        if markdown:
            line = line.lstrip("#").strip()
        if line:
            line = " ".join(line.split())
            if len(line) <= _TITLE_MAX_CHARS:
                return line
            cut = line.rfind(" ", 0, _TITLE_MAX_CHARS)
            return line[: cut if cut > _TITLE_MAX_CHARS // 2 else _TITLE_MAX_CHARS].rstrip() + "…"
    return ""


def _article(
    *,
    source: str,
    text: str,
    title: str = "",
    publisher: str = "",
    published: str = "",
    url: str = "",
    section: str = "",
    id_fallback: str | None = None,
    empty_reason: str = "no article text left after cleaning",
) -> Article:
    """Build an Article from raw fields: clean the text, pick the id, require some text."""
    body = clean_text(text)
    if not body:
        raise InputError(empty_reason)
    return Article(
        id=url or (id_fallback if id_fallback is not None else source),
        title=title or _title_from(body),
        text=body,
        publisher=publisher,
        published=published,
        url=url,
        section=section,
        source=source,
    )


# --------------------------------------------------------------------------- formats


def _load_text(text: str, *, source: str, url: str, markdown: bool) -> Article:
    """Load plain text or Markdown: YAML front matter, the sample's header lines, or neither."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    opening = _FRONT_MATTER_OPEN.match(text)
    if opening is not None:
        return _load_front_matter(text, opening.end(), source=source, url=url, markdown=markdown)
    cleaned = clean_text(text)
    lines = cleaned.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()][:3]
    for pos, index in enumerate(filled):
        match = _PUBLISHED_LINE.match(lines[index].strip())
        if match is None:
            continue
        header = [" ".join(lines[i].split()) for i in filled[:pos]]
        section = ""
        if len(header) == 2 and _is_section_line(header[0]):
            section = header.pop(0)
        title = header[0].lstrip("#").strip() if header and markdown else (header or [""])[0]
        # A non-section first line is the headline; the line between it and "Published:" is a
        # standfirst, which belongs to the body.
        body_start = filled[1] if len(header) == 2 else index + 1
        body = "\n".join(
            line for i, line in enumerate(lines[body_start:], body_start) if i != index
        )
        return _article(
            source=source,
            text=body,
            title=title[: _TITLE_MAX_CHARS * 2],
            published=iso_date(match.group("date")),
            url=url,
            section=section,
            empty_reason="no article text after the header lines",
        )
    return _article(
        source=source, text=cleaned, title=_title_from(cleaned, markdown=markdown), url=url
    )


def _is_section_line(line: str) -> bool:
    """Return True for a short ALL-CAPS kicker such as "CHINA / DIPLOMACY"."""
    return len(line) <= 60 and line.upper() == line and any(ch.isalpha() for ch in line)


def _load_front_matter(text: str, start: int, *, source: str, url: str, markdown: bool) -> Article:
    """Load an article whose YAML front matter begins at ``start`` (after the opening ---)."""
    import yaml

    closing = _FRONT_MATTER_CLOSE.search(text, start)
    if closing is None:
        raise InputError("unterminated front matter: no closing --- line")
    try:
        meta = yaml.safe_load(text[start : closing.start()])
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"malformed front matter: {first}") from None
    except RecursionError:
        raise InputError("malformed front matter: nested too deeply") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError(f"front matter is not a mapping of fields (got {type(meta).__name__})")
    fields = {str(k).lower(): v for k, v in meta.items()}
    body = text[closing.end() :]
    article_url = url or _web_url(_pick(fields, "url", "link", "canonical_url", "canonical"))
    return _article(
        source=source,
        text=body,
        title=_one_line(fields.get("title")) or _title_from(clean_text(body), markdown=markdown),
        publisher=_one_line(_pick(fields, "publisher", "publication", "site_name", "sitename")),
        published=iso_date(_pick(fields, "published", "date", "published_at", "pubdate")),
        url=article_url,
        section=_one_line(_pick(fields, "section", "category", "categories")),
        empty_reason="front matter but no article text",
    )


def _pick(fields: dict[str, Any], *names: str) -> Any:
    """Return the first present, non-empty value among ``names``."""
    for name in names:
        value = fields.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _load_html(text: str, *, source: str, url: str) -> Article:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            text,
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            # Balanced mode: it retries short extractions with recall settings itself, and
            # favor_precision drops the short articles that news briefs are.
            favor_precision=False,
        )
    except RecursionError:
        raise InputError("HTML is nested too deeply to parse") from None
    body = getattr(doc, "text", None) or ""
    if _word_count(body) < _MIN_HTML_WORDS:
        raise InputError("no article text found in the HTML")
    title = _one_line(getattr(doc, "title", None))
    lines = [line for line in clean_text(body).split("\n") if line.strip()]
    if title and lines and " ".join(lines[0].split()) == title:
        lines = lines[1:]  # the <h1> repeats the title; plain-text articles omit it too
    categories = getattr(doc, "categories", None) or []
    return _article(
        source=source,
        # trafilatura puts one block per line; blank lines make them paragraphs, as in the
        # text and Markdown articles, so chunking can keep them together.
        text="\n\n".join(lines),
        title=title,
        publisher=_one_line(getattr(doc, "sitename", None)),
        published=iso_date(getattr(doc, "date", None)),
        url=url or _web_url(getattr(doc, "url", None)),
        section=_one_line(categories[0]) if categories else "",
        empty_reason="no article text found in the HTML",
    )


def _word_count(text: str) -> int:
    """Count words; each CJK character counts as one, since those scripts use no spaces."""
    cjk = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return len(text.split()) + cjk


def _load_pdf(data: bytes, *, source: str, url: str) -> Article:
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        raise InputError("not a PDF (no %PDF- header)")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            # Many PDFs are encrypted only against editing, with an empty password to read.
            opened = bool(reader.decrypt(""))
        except Exception:  # noqa: BLE001 - pypdf raises several types (e.g. a missing AES backend)
            opened = False
        if not opened:
            raise InputError("PDF is encrypted (password-protected)")
    pages = [page.extract_text() or "" for page in reader.pages]
    text = clean_text("\n\n".join(pages))
    if not text:
        raise InputError("PDF has no extractable text (scanned pages need OCR)")
    info = reader.metadata
    title = published = ""
    if info is not None:
        title = _one_line(info.title)
        try:
            published = iso_date(info.creation_date)
        except Exception:  # noqa: BLE001 - a malformed /CreationDate must not lose the text
            published = ""
    return _article(
        source=source,
        text=text,
        title=title or _title_from(text),
        published=published,
        url=url,
    )


def _load_jsonl(text: str, *, source: str) -> list[LoadResult]:
    results: list[LoadResult] = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if not line.strip():
            continue
        label = f"{source}#L{number}"
        try:
            results.append(LoadResult(label, article=_json_article(line, number, source, label)))
        except InputError as exc:
            results.append(LoadResult(label, error=exc.reason))
    return results


def _json_article(line: str, number: int, source: str, label: str) -> Article:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON on line {number}: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"invalid JSON on line {number}: nested too deeply") from None
    if not isinstance(obj, dict):
        raise InputError(f"line {number} is not a JSON object")
    fields = {str(k).lower(): v for k, v in obj.items()}
    text = _pick(fields, "text", "content", "body", "article")
    if not isinstance(text, str):
        raise InputError(f"line {number} has no text, content or body string")
    publisher = _pick(fields, "publisher", "source", "site_name", "sitename")
    if isinstance(publisher, dict):  # NewsAPI style: "source": {"id": ..., "name": ...}
        publisher = publisher.get("name")
    # Without a URL, the line's own id (else its line number) keeps articles of one file apart.
    own_id = _one_line(fields.get("id"), 200)
    return _article(
        source=source,
        text=text,
        title=_one_line(_pick(fields, "title", "headline")),
        publisher=_one_line(publisher),
        published=iso_date(_pick(fields, "published", "date", "published_at", "publishedat")),
        url=_web_url(_pick(fields, "url", "link")),
        section=_one_line(_pick(fields, "section", "category")),
        id_fallback=f"{source}#{own_id}" if own_id else label,
    )


# --------------------------------------------------------------------------- entry points


def _choose_format(data: bytes, source: str, content_type: str, fmt: str | None) -> str:
    if fmt is not None:
        try:
            return _FORMAT_ALIASES[fmt.lower().lstrip(".")]
        except KeyError:
            raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}") from None
    # Content beats labels for PDFs: a download named .html or served as text/html is still
    # a PDF, and treating it as text would only report "binary".
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    path = urlsplit(source).path if "://" in source else source
    by_extension = _EXTENSIONS.get(PurePosixPath(path.replace("\\", "/")).suffix.lower())
    if by_extension:
        return by_extension
    by_type = _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
    if by_type:
        return by_type
    return _sniff(data)


def _sniff(data: bytes) -> str:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head:
        return "html"
    if head.startswith(b"---\n") or head.startswith(b"---\r\n"):
        return "md"
    if head.startswith(b"{"):
        first = head.split(b"\n", 1)[0].strip()
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except (ValueError, RecursionError):
            pass
    return "txt"


def load_bytes(
    data: bytes,
    *,
    source: str,
    url: str = "",
    content_type: str = "",
    fmt: str | None = None,
) -> list[LoadResult]:
    """Load the articles in ``data``; never raise for bad content, report a reason instead."""
    kind = _choose_format(data, source, content_type, fmt)  # first: a bad fmt is a caller bug
    if not data:
        return [LoadResult(source, error="empty file")]
    if len(data) > MAX_BYTES:
        return [LoadResult(source, error=_too_large(len(data)))]
    article_url = _web_url(url)
    try:
        if kind == "pdf":
            return [LoadResult(source, article=_load_pdf(data, source=source, url=article_url))]
        text = decode_bytes(
            data, declared_charset=_declared_charset(data) if kind == "html" else None
        )
        if not text.strip():
            return [LoadResult(source, error="only whitespace")]
        if not clean_text(text):
            return [LoadResult(source, error="no text left after removing invisible characters")]
        if kind == "jsonl":
            return _load_jsonl(text, source=source)
        if kind == "html":
            article = _load_html(text, source=source, url=article_url)
        else:
            article = _load_text(text, source=source, url=article_url, markdown=kind == "md")
        return [LoadResult(source, article=article)]
    except InputError as exc:
        return [LoadResult(source, error=exc.reason)]
    except RecursionError:
        return [LoadResult(source, error=f"{kind.upper()} is nested too deeply to parse")]
    except Exception as exc:  # third-party parsers raise anything on broken input
        log.debug("parsing %s as %s failed", source, kind, exc_info=True)
        what = "not a readable PDF" if kind == "pdf" else f"could not parse as {kind.upper()}"
        return [LoadResult(source, error=f"{what} ({type(exc).__name__}: {_first_line(exc)})")]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "no details"


def _too_large(size: int) -> str:
    return f"larger than {MAX_BYTES // (1024 * 1024)} MB ({size / (1024 * 1024):.1f} MB)"


def load_path(path: Path, *, source: str | None = None) -> list[LoadResult]:
    """Load the articles in a file, refusing one over MAX_BYTES before reading it."""
    label = source if source is not None else str(path)
    try:
        info = path.stat()
        if not path.is_file():
            return [LoadResult(label, error="not a regular file")]
        if info.st_size > MAX_BYTES:
            return [LoadResult(label, error=_too_large(info.st_size))]
        with path.open("rb") as handle:
            # One byte over the cap is enough to notice a file that grew since stat().
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return [LoadResult(label, error="no such file")]
    except PermissionError:
        return [LoadResult(label, error="permission denied")]
    except OSError as exc:
        return [LoadResult(label, error=f"cannot read: {exc.strerror or exc}")]
    if len(data) > MAX_BYTES:
        return [LoadResult(label, error=_too_large(max(len(data), info.st_size)))]
    return load_bytes(data, source=label)
