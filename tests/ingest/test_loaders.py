"""Each input format becomes the right Article: text, title, date, publisher, section, id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ingest.loaders import LoadResult, canonical_url, iso_date, load_bytes, load_path
from retrieval.models import Article, content_hash

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "examples" / "corpus"
SAMPLE = CORPUS / "000_20936f9da8db826c.txt"
DEV_ARTICLES = sorted(CORPUS.glob("*.md"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"

CAPTIONS = [
    "US Secretary of Defense Pete Hegseth participates in a meeting with Japanese Defense "
    "Minister Shinjiro Koizumi at the Pentagon in Arlington, Virginia, DC, USA, 15 January 2026. "
    "Photo: VCG",
    "Japanese Defense Minister Shinjiro Koizumi (Left) and US Defense Secretary Pete Hegseth take "
    "part in military-style exercises at a US military facility near Washington on January 15, "
    "2026. Photo: VCG",
]
PARAGRAPHS = [
    "Japanese Defense Minister Shinjiro Koizumi met US Secretary of Defense Pete Hegseth at the "
    "Pentagon on Thursday, and the two agreed to expand joint exercises in the southwest.",
    "The ministers also discussed co-production of missiles, a priority for Tokyo as it builds up "
    "its defense industry, officials said after the talks in Arlington, Virginia.",
    "Koizumi told reporters he could not provide specific details about any discussion of China, "
    "according to Jiji Press, which covered the meeting in detail.",
]


def only_article(results: list[LoadResult]) -> Article:
    assert len(results) == 1, results
    assert results[0].error is None, results[0].error
    assert results[0].article is not None
    return results[0].article


def pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def build_pdf(pages: list[list[str]], info: dict[str, str] | None = None) -> bytes:
    """Write a minimal valid PDF (Helvetica text, exact xref offsets) without any PDF library."""
    n_pages = len(pages)
    font = 3 + 2 * n_pages
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{3 + 2 * i} 0 R".encode() for i in range(n_pages))
        + f"] /Count {n_pages} >>".encode(),
    ]
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 11 Tf", "72 720 Td", "14 TL"]
        ops += [f"({pdf_escape(line)}) Tj T*" for line in lines]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {4 + 2 * i} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    trailer_info = ""
    if info:
        entries = " ".join(f"/{k} ({pdf_escape(v)})" for k, v in info.items())
        objects.append(f"<< {entries} >>".encode("latin-1"))
        trailer_info = f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{trailer_info} >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def html_page(
    title: str = "Ministers agree on drills",
    body: list[str] = PARAGRAPHS,
    *,
    head: str = "",
) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{title} | Local Wire</title><meta property='og:title' content='{title}'>"
        "<meta property='og:site_name' content='Local Wire'>"
        "<meta property='article:published_time' content='2026-01-16T10:19:00+08:00'>"
        f"{head}</head><body>"
        "<nav><a href='/'>Home</a> | <a href='/world'>World</a> | <a href='/login'>Log in</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        "<aside><h3>Most read</h3><ul><li><a href='/x'>Something else</a></li></ul></aside>"
        "<footer><p>© 2026 Local Wire. All rights reserved.</p>"
        "<p>Subscribe to our newsletter</p></footer></body></html>"
    )


# --------------------------------------------------------------------------- plain text


def test_sample_article_header_becomes_metadata() -> None:
    article = only_article(load_path(SAMPLE))
    assert article.section == "CHINA / DIPLOMACY"
    assert article.title == (
        "Readout differences following US, Japanese defense chiefs’ meeting reveal Tokyo’s "
        "one-sided push for US backing against China, yet to achieve its goal: experts"
    )
    assert article.published == "2026-01-16T22:19:00"
    assert article.publisher == "" and article.url == ""
    assert article.id == article.source == str(SAMPLE)
    assert "Published:" not in article.text
    assert "DIPLOMACY" not in article.text
    assert article.title not in article.text
    assert article.text.startswith("US Secretary of Defense Pete Hegseth participates")
    assert article.text.endswith(
        "safeguard peace and stability in the region and beyond, Zhang said."
    )
    assert article.hash == content_hash(article.text)


def test_sample_article_captions_appear_exactly_once() -> None:
    raw = SAMPLE.read_text("utf-8")
    assert [raw.count(c) for c in CAPTIONS] == [2, 3]  # the premise: the file repeats them
    text = only_article(load_path(SAMPLE)).text
    assert [text.count(c) for c in CAPTIONS] == [1, 1]
    # The second caption stays where it first appeared, before the "mild dehydration" paragraph.
    assert text.index(CAPTIONS[1]) < text.index("mild dehydration")
    assert "\xa0" not in text and "\n\n\n" not in text


def test_sample_article_source_label_is_kept_as_given(tmp_path: Path) -> None:
    results = load_path(SAMPLE, source="examples/corpus/000_20936f9da8db826c.txt")
    assert results[0].input == "examples/corpus/000_20936f9da8db826c.txt"
    assert only_article(results).id == "examples/corpus/000_20936f9da8db826c.txt"


def test_headline_and_published_without_section() -> None:
    data = f"Ministers agree on drills\nPublished: January 5, 2026\n\n{PARAGRAPHS[0]}".encode()
    article = only_article(load_bytes(data, source="a.txt"))
    assert (article.title, article.published, article.section) == (
        "Ministers agree on drills",
        "2026-01-05",
        "",
    )
    assert article.text == PARAGRAPHS[0]


def test_standfirst_between_headline_and_published_stays_in_the_body() -> None:
    data = (
        "Ministers agree on drills\nA standfirst line.\nPublished: 2026-01-05 08:30\n\n"
        + PARAGRAPHS[0]
    )
    article = only_article(load_bytes(data.encode(), source="a.txt"))
    assert article.title == "Ministers agree on drills" and article.section == ""
    assert article.published == "2026-01-05T08:30:00"
    assert article.text == f"A standfirst line.\n\n{PARAGRAPHS[0]}"


def test_plain_text_without_header_uses_first_line_as_title() -> None:
    data = "\n\n".join(PARAGRAPHS).encode()
    article = only_article(load_bytes(data, source="notes.txt"))
    assert article.text == "\n\n".join(PARAGRAPHS)
    assert article.title.endswith("…") and len(article.title) <= 151
    assert PARAGRAPHS[0].startswith(article.title[:-1])
    assert article.published == "" and article.section == ""


def test_url_argument_becomes_the_canonical_id() -> None:
    article = only_article(
        load_bytes(
            b"Short title\n\nBody text of the article.",
            source="https://Example.com/a/b/?utm_source=x&id=3#frag",
            url="https://Example.com/a/b/?utm_source=x&id=3#frag",
        )
    )
    assert article.id == article.url == "https://example.com/a/b?id=3"
    assert article.source == "https://Example.com/a/b/?utm_source=x&id=3#frag"


# --------------------------------------------------------------------------- front matter


def test_dev_corpus_has_fourteen_articles() -> None:
    assert len(DEV_ARTICLES) == 14


@pytest.mark.parametrize("path", DEV_ARTICLES, ids=lambda p: p.stem[:40])
def test_dev_article_front_matter_becomes_metadata(path: Path) -> None:
    raw = path.read_text("utf-8")
    meta = yaml.safe_load(raw.split("---\n")[1])
    article = only_article(load_path(path))
    assert article.title == meta["title"]
    assert article.publisher == meta["publisher"]
    assert article.published == meta["published"]
    assert article.url == canonical_url(meta["url"]) and article.id == article.url
    assert article.source == str(path)
    assert "summary_of" not in article.text and not article.text.startswith("---")
    first_paragraph = raw.split("---\n", 2)[2].strip().split("\n\n")[0]
    assert article.text.startswith(first_paragraph)


def test_front_matter_in_a_txt_file_and_yaml_types() -> None:
    data = (
        "---\n"
        "title: Koizumi visits\n"
        "date: 2026-01-16\n"  # a YAML date object, not a string
        "publisher: null\n"
        "category: [Politics, Defense]\n"
        "author: {name: Someone, email: x@example.com}\n"
        "url: not a url\n"
        "extra: [[1, 2], {a: b}]\n"
        "---\n\n"
        f"{PARAGRAPHS[0]}\n"
    ).encode()
    article = only_article(load_bytes(data, source="x.txt"))
    assert article.title == "Koizumi visits"
    assert article.published == "2026-01-16"
    assert article.publisher == ""
    assert article.section == "Politics, Defense"
    assert article.url == "" and article.id == "x.txt"  # a bogus url is never an id
    assert article.text == PARAGRAPHS[0]


def test_front_matter_datetime_and_aliases() -> None:
    data = (
        b"---\n"
        b"Title: 'Drills: widened'\n"
        b"published: 2026-01-16 22:19:00+08:00\n"
        b"site_name: The Wire\n"
        b"link: HTTPS://News.Example.com/x/?fbclid=abc\n"
        b"section: 42\n"
        b"---\n"
        b"# Heading kept in the body\n\nBody.\n"
    )
    article = only_article(load_bytes(data, source="x.md"))
    assert article.title == "Drills: widened"
    assert article.published == "2026-01-16T22:19:00+08:00"
    assert article.publisher == "The Wire"
    assert article.id == article.url == "https://news.example.com/x"
    assert article.section == "42"
    assert article.text == "# Heading kept in the body\n\nBody."


def test_empty_front_matter_and_title_from_markdown_heading() -> None:
    data = b"---\n---\n\n## Koizumi in Washington\n\nBody text."
    article = only_article(load_bytes(data, source="x.md"))
    assert article.title == "Koizumi in Washington"
    assert article.text.startswith("## Koizumi in Washington")


def test_markdown_headline_with_published_line() -> None:
    data = b"# The headline\nPublished: Jan 16, 2026\n\nBody text."
    article = only_article(load_bytes(data, source="notes.md"))
    assert (article.title, article.published, article.text) == (
        "The headline",
        "2026-01-16",
        "Body text.",
    )


def test_markdown_without_front_matter() -> None:
    data = b"# The headline\n\nSome *body* text.\n"
    article = only_article(load_bytes(data, source="notes.md"))
    assert article.title == "The headline"
    assert article.text == "# The headline\n\nSome *body* text."


# --------------------------------------------------------------------------- HTML


def test_html_page_main_text_and_metadata() -> None:
    url = "https://news.example.com/world/drills.html?utm_medium=rss#comments"
    article = only_article(load_bytes(html_page().encode(), source=url, url=url))
    assert article.title == "Ministers agree on drills"
    assert article.publisher == "Local Wire"
    assert article.published.startswith("2026-01-16")
    assert article.id == article.url == "https://news.example.com/world/drills.html"
    assert article.text == "\n\n".join(PARAGRAPHS)  # paragraphs, no title, nav or footer
    for junk in ("Home", "Log in", "Most read", "All rights reserved", "newsletter"):
        assert junk not in article.text


def test_html_file_uses_its_canonical_link_when_no_url_is_given(tmp_path: Path) -> None:
    path = tmp_path / "saved.htm"
    head = "<link rel='canonical' href='HTTPS://News.Example.com/world/drills/'>"
    path.write_text(html_page(head=head), "utf-8")
    article = only_article(load_path(path))
    assert article.id == article.url == "https://news.example.com/world/drills"
    assert article.source == str(path)


def test_html_declared_legacy_charset_is_honoured() -> None:
    body = "防衛相は木曜日に米国防長官と会談し、南西地域での共同演習の拡大で合意した。" * 3
    page = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=Shift_JIS'>"
        "<title>防衛相会談</title></head><body><article>"
        + "".join(f"<p>{body} {word}</p>" for word in "one two three four five six".split())
        + "</article></body></html>"
    )
    article = only_article(load_bytes(page.encode("shift_jis"), source="jp.html"))
    assert body in article.text


# --------------------------------------------------------------------------- JSON Lines


def test_jsonl_lines_load_independently() -> None:
    lines = [
        json.dumps(
            {
                "title": "First",
                "text": PARAGRAPHS[0],
                "source": {"id": None, "name": "Wire A"},
                "publishedAt": "2026-01-16T10:00:00Z",
                "url": "https://a.example.com/1?utm_campaign=x",
            }
        ),
        '{"title": "Broken", "text": ',
        "",
        json.dumps({"headline": "Third", "content": PARAGRAPHS[1], "id": "abc-3"}),
        json.dumps({"body": PARAGRAPHS[2], "date": "Jan 17, 2026", "publisher": "Wire C"}),
    ]
    results = load_bytes("\n".join(lines).encode(), source="feed.jsonl")
    assert [r.input for r in results] == [f"feed.jsonl#L{n}" for n in (1, 2, 4, 5)]
    first, broken, third, fifth = results
    assert broken.article is None and broken.error is not None
    assert broken.error.startswith("invalid JSON on line 2:")
    assert first.article is not None and third.article is not None and fifth.article is not None
    assert first.article.id == "https://a.example.com/1"
    assert first.article.publisher == "Wire A"
    assert first.article.published == "2026-01-16T10:00:00+00:00"
    assert (third.article.title, third.article.id) == ("Third", "feed.jsonl#abc-3")
    assert fifth.article.id == "feed.jsonl#L5" and fifth.article.published == "2026-01-17"
    assert fifth.article.title == fifth.article.text[:150].rsplit(" ", 1)[0] + "…"
    # Every article keeps the file as its source, so a broken line protects its siblings.
    assert {r.article.source for r in results if r.article} == {"feed.jsonl"}


# --------------------------------------------------------------------------- PDF


def test_pdf_text_title_and_creation_date() -> None:
    data = build_pdf(
        [["Koizumi meets Hegseth", PARAGRAPHS[0][:80]], ["Second page (with parentheses)."]],
        {"Title": "Defense chiefs meet", "CreationDate": "D:20260116221900+08'00'"},
    )
    article = only_article(load_bytes(data, source="report.pdf"))
    assert article.title == "Defense chiefs meet"
    assert article.published == "2026-01-16T22:19:00+08:00"
    assert "Koizumi meets Hegseth" in article.text
    assert "Second page (with parentheses)." in article.text
    assert article.text.index("Koizumi") < article.text.index("Second page")


def test_pdf_without_metadata_takes_title_from_first_line(tmp_path: Path) -> None:
    path = tmp_path / "plain.pdf"
    path.write_bytes(build_pdf([["A headline in the PDF", "Body line."]]))
    article = only_article(load_path(path))
    assert article.title == "A headline in the PDF" and article.published == ""


def test_committed_pdf_fixture_loads() -> None:
    article = only_article(load_path(FIXTURES / "article.pdf"))
    assert article.title == "Koizumi and Hegseth agree on drills"
    assert "Nansei Islands" in article.text


# --------------------------------------------------------------------------- format choice


@pytest.mark.parametrize(
    ("data", "kwargs", "title"),
    [
        # fmt wins over the extension: this .txt is parsed as HTML.
        (html_page().encode(), {"source": "page.txt", "fmt": "html"}, "Ministers agree on drills"),
        # no extension: the content type decides.
        (
            html_page().encode(),
            {"source": "https://x.example/a", "content_type": "text/html"},
            "Ministers agree on drills",
        ),
        # neither: sniffed from the bytes.
        (html_page().encode(), {"source": "blob"}, "Ministers agree on drills"),
        (b"---\ntitle: Sniffed\n---\nBody.", {"source": "blob"}, "Sniffed"),
        (b'{"title": "Json", "text": "Body."}\n', {"source": "blob"}, "Json"),
        (build_pdf([["Pdf title"]]), {"source": "download.html"}, "Pdf title"),
        # an HTML-looking text named .txt stays text.
        (b"<p>Not parsed</p>", {"source": "a.txt"}, "<p>Not parsed</p>"),
    ],
)
def test_format_choice(data: bytes, kwargs: dict[str, str], title: str) -> None:
    results = load_bytes(data, **kwargs)
    assert results[0].article is not None, results
    assert results[0].article.title == title


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/Path/", "https://example.com/Path"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/", "https://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:8443/a#x", "https://example.com:8443/a"),
        (
            "https://example.com/a?utm_source=x&UTM_Medium=y&q=1&fbclid=2&gclid=3",
            "https://example.com/a?q=1",
        ),
        ("https://example.com/a?b=&a=1", "https://example.com/a?b=&a=1"),
        ("https://example.com/a.php?123&utm_term=z", "https://example.com/a.php?123"),
        ("https://example.com/s?q=a+b%2Fc&&utm%5Fsource=x", "https://example.com/s?q=a+b%2Fc"),
        ("https://user:secret@Example.com/a", "https://example.com/a"),
        ("https://[2001:DB8::1]:8080/a/", "https://[2001:db8::1]:8080/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("not a url", "not a url"),
        ("http://[::1", "http://[::1"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(canonical_url(url)) == canonical_url(url)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jan 16, 2026 10:19 PM", "2026-01-16T22:19:00"),
        ("Jan. 16, 2026", "2026-01-16"),
        ("January 16, 2026 22:19 GMT+8", "2026-01-16T22:19:00"),
        ("16 January 2026", "2026-01-16"),
        ("2026-01-16", "2026-01-16"),
        ("2026-01-16T22:19:00Z", "2026-01-16T22:19:00+00:00"),
        ("Fri, 16 Jan 2026 10:00:00 GMT", "2026-01-16T10:00:00+00:00"),
        ("2026/01/16", "2026-01-16"),
        ("20260116", "2026-01-16"),
        ("2026-01-16T22:19", "2026-01-16T22:19:00"),
        ("yesterday", ""),
        ("", ""),
        (20260116, ""),
        (None, ""),
    ],
)
def test_iso_date(value: object, expected: str) -> None:
    assert iso_date(value) == expected


@settings(max_examples=300)
@given(
    st.builds(
        lambda scheme, host, rest: f"{scheme}://{host}{rest}",
        st.sampled_from(["http", "HTTPS", "ftp", ""]),
        st.sampled_from(["Example.com", "a.b:8080", "[::1]", "", "user:pw@h.org"]),
        st.text(max_size=40),
    )
    | st.text(max_size=60)
)
# Found by a fresh clone's run: a form feed before the fragment, behind an invalid port.
@example("http://a.b:8080\x0c#")
def test_canonical_url_is_idempotent_and_never_raises(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once or not once.startswith(("http://", "https://"))
