"""Bad input never raises: each broken input becomes a failure with a reason a person can act on."""

from __future__ import annotations

import codecs
import gzip
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import loaders
from ingest.clean import clean_text
from ingest.loaders import MAX_BYTES, LoadResult, decode_bytes, load_bytes, load_path
from retrieval.errors import InputError
from retrieval.models import Article
from tests.ingest.test_loaders import PARAGRAPHS, build_pdf, html_page, only_article

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
TEXT = "Café “Koizumi” – the minister’s déjà vu.\n\n" + PARAGRAPHS[0]


def only_error(results: list[LoadResult]) -> str:
    assert len(results) == 1, results
    assert results[0].article is None, results[0].article
    assert results[0].error
    return results[0].error


# --------------------------------------------------------------------------- size and emptiness


@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.html", "a.jsonl", "a.pdf", "blob"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert only_error(load_path(path)) == "empty file"


@pytest.mark.parametrize(
    "data", [b" ", b"\n\n\t \r\n", "\u00a0\u2003\n".encode(), b"\xef\xbb\xbf  \n"]
)
@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.html", "a.jsonl"])
def test_whitespace_only(data: bytes, name: str) -> None:
    assert only_error(load_bytes(data, source=name)) == "only whitespace"


def test_only_invisible_characters() -> None:
    error = only_error(load_bytes("\u200b\u200b\u00ad".encode(), source="a.txt"))
    assert "invisible" in error


def test_oversized_file_is_refused_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(int(31.2 * 1024 * 1024))  # sparse: no disk used

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized file must not be opened")

    monkeypatch.setattr(Path, "open", no_reading)
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    assert only_error(load_path(path)) == "larger than 20 MB (31.2 MB)"


def test_oversized_bytes_are_refused() -> None:
    data = b"a" * (MAX_BYTES + 1)
    assert only_error(load_bytes(data, source="big.txt")) == "larger than 20 MB (20.0 MB)"


@pytest.mark.slow
def test_file_at_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "limit.txt"
    path.write_bytes(b"Headline\n\n" + b"x" * (MAX_BYTES - 10))
    assert only_article(load_path(path)).title == "Headline"


def test_missing_file(tmp_path: Path) -> None:
    assert only_error(load_path(tmp_path / "gone.txt")) == "no such file"


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    assert only_error(load_path(tmp_path / "folder.txt")) == "not a regular file"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PermissionError(13, "Permission denied"), "permission denied"),
        (OSError(5, "Input/output error"), "cannot read: Input/output error"),
    ],
)
def test_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, reason: str
) -> None:
    # Simulated: the suite may run as root, which reads files whatever their permissions.
    path = tmp_path / "secret.txt"
    path.write_text("text")

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(Path, "open", fail)
    assert only_error(load_path(path)) == reason


# --------------------------------------------------------------------------- binary and encodings


def test_png_bytes() -> None:
    assert only_error(load_bytes(PNG, source="photo.txt")) == "looks like a PNG image, not text"


def test_gzip_bytes_named_html(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(gzip.compress(html_page().encode()))
    assert "gzip" in only_error(load_path(path))


@pytest.mark.parametrize("fmt", ["txt", "md", "html", "jsonl"])
def test_nul_bytes_mean_binary(fmt: str) -> None:
    data = b"Headline\n\nSome text\x00with a NUL\x00\x00 inside it."
    assert only_error(load_bytes(data, source="x", fmt=fmt)) == "looks like a binary file, not text"


def test_high_share_of_control_characters_means_binary() -> None:
    data = bytes(range(1, 32)) * 4 + b"some letters"
    assert only_error(load_bytes(data, source="x.txt")) == "looks like a binary file, not text"


def test_cp1252_text_is_decoded() -> None:
    article = only_article(load_bytes(TEXT.encode("cp1252"), source="legacy.txt"))
    assert article.text == TEXT
    assert article.title == "Café “Koizumi” – the minister’s déjà vu."


def test_latin1_bytes_undefined_in_cp1252_do_not_crash() -> None:
    # 0x81 and 0x8d are undefined in cp1252; latin-1 maps them to C1 controls, which are dropped.
    article = only_article(
        load_bytes(b"Caf\xe9 \x81ok\x8d " + PARAGRAPHS[0].encode(), source="x.txt")
    )
    assert article.text.startswith("Café ok ")


@pytest.mark.parametrize(
    "encoding",
    ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"],
)
def test_unicode_encodings_with_and_without_bom(encoding: str) -> None:
    raw = TEXT.encode(encoding)
    if encoding.endswith(("-le", "-be")):
        assert not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))  # no BOM at all
    assert only_article(load_bytes(raw, source="x.txt")).text == TEXT


def test_utf32_big_endian_with_bom() -> None:
    raw = codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be")
    assert only_article(load_bytes(raw, source="x.txt")).text == TEXT


def test_utf16_front_matter_markdown() -> None:
    data = f"---\ntitle: Wide\n---\n{TEXT}".encode("utf-16")
    article = only_article(load_bytes(data, source="x.md"))
    assert (article.title, article.text) == ("Wide", TEXT)


def test_bom_that_lies_is_a_reason_not_a_crash() -> None:
    error = only_error(load_bytes(codecs.BOM_UTF8 + b"\xff\xfe\xfa bad", source="x.txt"))
    assert "byte-order mark" in error


def test_invalid_utf8_falls_back_without_crashing() -> None:
    data = (
        b"Headline\n\nThe minister said \xc3\x28 and \xe2\x82 were typos. " + PARAGRAPHS[0].encode()
    )
    article = only_article(load_bytes(data, source="x.txt"))
    assert "The minister said Ã( and â‚ were typos." in article.text


@pytest.mark.parametrize("charset", ["idna", "base64", "rot13", "no-such-codec", "utf-16"])
def test_odd_declared_charsets_fall_back(charset: str) -> None:
    page = html_page().replace("charset='utf-8'", f"charset='{charset}'")
    data = page.replace("Ministers", "Ministérs").encode("cp1252")  # not UTF-8: codecs are tried
    article = only_article(load_bytes(data, source="p.html"))
    assert article.title == "Ministérs agree on drills"


def test_decode_bytes_directly() -> None:
    assert decode_bytes("é".encode()) == "é"
    assert decode_bytes(b"") == ""
    with pytest.raises(InputError, match="binary"):
        decode_bytes(b"abc\x00def")


def test_lone_surrogates_never_reach_an_article() -> None:
    # JSON may legally spell a lone surrogate; a str holding one cannot be encoded as UTF-8.
    # (An escaped high+low pair is one real character; reversed, they are two lone halves.)
    line = json.dumps({"title": "T\ud800", "text": "Before \udfff\ud800 after \ud83d\ude00."})
    article = only_article(load_bytes(line.encode(), source="x.jsonl"))
    assert article.text == "Before  after \U0001f600." and article.title == "T"
    article.text.encode("utf-8")
    # In a Python str even a high+low sequence is two separate, invalid code points.
    assert clean_text("a\ud83d\ude00b\udfff") == "ab"


# --------------------------------------------------------------------------- front matter


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("title: [unclosed\n", "malformed front matter: "),
        ("title: a\n  bad: indent\n", "malformed front matter: "),
        ("title: !!python/object/apply:os.system ['echo hi']\n", "malformed front matter: "),
        ("- a\n- list\n", "front matter is not a mapping of fields (got list)"),
        ("just a string\n", "front matter is not a mapping of fields (got str)"),
    ],
)
def test_bad_front_matter(front: str, reason: str) -> None:
    data = f"---\n{front}---\n\n{PARAGRAPHS[0]}".encode()
    error = only_error(load_bytes(data, source="x.md"))
    assert error.startswith(reason)
    assert "\n" not in error and len(error) < 200


def test_malformed_front_matter_names_the_yaml_problem() -> None:
    error = only_error(load_bytes(b"---\ntitle: [unclosed\n---\nBody", source="x.md"))
    assert "while parsing" in error or "expected" in error


def test_unterminated_front_matter() -> None:
    data = f"---\ntitle: Koizumi\npublished: 2026-01-16\n\n{PARAGRAPHS[0]}".encode()
    assert only_error(load_bytes(data, source="x.md")) == (
        "unterminated front matter: no closing --- line"
    )


def test_front_matter_without_body() -> None:
    data = b"---\ntitle: Only metadata\n---\n\n  \n"
    assert only_error(load_bytes(data, source="x.md")) == "front matter but no article text"


def test_front_matter_with_dates_nulls_and_nested_maps_loads() -> None:
    data = (
        "---\n"
        "title: null\n"
        "published: 2026-01-16T22:19:00\n"
        "publisher: {name: Nested, parent: {deeper: true}}\n"
        "url: {href: 'https://example.com'}\n"
        "section: ~\n"
        "tags: [a, [b, c]]\n"
        "---\n"
        f"{PARAGRAPHS[1]}\n"
    ).encode()
    article = only_article(load_bytes(data, source="x.md"))
    assert article.title == PARAGRAPHS[1][:150].rsplit(" ", 1)[0] + "…"
    assert article.published == "2026-01-16T22:19:00"
    assert (article.publisher, article.url, article.section, article.id) == ("", "", "", "x.md")


def test_yaml_alias_bomb_is_not_expanded() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 20)
    ]
    data = "---\n" + "\n".join(levels) + "\npublisher: *a19\ntitle: Bomb\n---\nBody text.\n"
    article = only_article(load_bytes(data.encode(), source="x.md"))
    assert (article.title, article.publisher) == ("Bomb", "")


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
        "<html><head><title>Only a title</title></head><body><div>Menu</div></body></html>",
        "<html><body><script>var x = 'lots of script text here';</script></body></html>",
        "not html at all",
        "<",
    ],
)
def test_html_without_article_text(page: str) -> None:
    assert (
        only_error(load_bytes(page.encode(), source="p.html"))
        == "no article text found in the HTML"
    )


def test_deeply_nested_html_does_not_crash() -> None:
    page = "<html><body>" + "<div>" * 5000 + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page += "</div>" * 5000 + "</body></html>"
    results = load_bytes(page.encode(), source="deep.html")
    assert len(results) == 1
    assert results[0].error or (results[0].article and "Koizumi" in results[0].article.text)


def test_recursion_in_the_extractor_becomes_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    def recurse(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(trafilatura, "bare_extraction", recurse)
    error = only_error(load_bytes(html_page().encode(), source="p.html"))
    assert error == "HTML is nested too deeply to parse"


def test_unexpected_parser_error_becomes_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    def explode(*args: object, **kwargs: object) -> None:
        raise KeyError("lxml had a bad day")

    monkeypatch.setattr(trafilatura, "bare_extraction", explode)
    error = only_error(load_bytes(html_page().encode(), source="p.html"))
    assert error.startswith("could not parse as HTML (KeyError:")


# --------------------------------------------------------------------------- JSON Lines


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[1, 2]", "line 1 is not a JSON object"),
        ('"just a string"', "line 1 is not a JSON object"),
        ('{"title": "No text"}', "line 1 has no text, content or body string"),
        ('{"text": 42}', "line 1 has no text, content or body string"),
        ('{"text": {"nested": "object"}}', "line 1 has no text, content or body string"),
        ('{"text": "   \\u200b "}', "no article text left after cleaning"),
        ("{'single': 'quotes'}", "invalid JSON on line 1: Expecting property name enclosed"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON on line 1: nested too deeply"),
    ],
)
def test_bad_jsonl_lines(line: str, reason: str) -> None:
    results = load_bytes(f"{line}\n".encode(), source="x.jsonl")
    assert [r.input for r in results] == ["x.jsonl#L1"]
    assert only_error(results).startswith(reason)


def test_jsonl_with_windows_line_endings_and_trailing_blank_lines() -> None:
    lines = [json.dumps({"text": p, "title": f"T{i}"}) for i, p in enumerate(PARAGRAPHS)]
    results = load_bytes(("\r\n".join(lines) + "\r\n\r\n").encode(), source="x.ndjson")
    assert [r.article.title for r in results if r.article] == ["T0", "T1", "T2"]
    assert len({r.article.id for r in results if r.article}) == 3


# --------------------------------------------------------------------------- PDF


def _encrypted(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(build_pdf([["Secret headline", "Body."]]))))
    # RC4 needs no optional crypto package, so the test runs wherever pypdf does.
    writer.encrypt(user_password, "owner-password", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_password_protected_pdf() -> None:
    assert only_error(load_bytes(_encrypted("secret"), source="x.pdf")) == (
        "PDF is encrypted (password-protected)"
    )


def test_pdf_encrypted_only_against_editing_loads() -> None:
    assert only_article(load_bytes(_encrypted(""), source="x.pdf")).title == "Secret headline"


def test_pdf_without_text() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    assert only_error(load_bytes(out.getvalue(), source="scan.pdf")) == (
        "PDF has no extractable text (scanned pages need OCR)"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (build_pdf([["Headline", "Body"]])[:300], "not a readable PDF ("),
        (b"%PDF-1.7\n" + b"garbage " * 50, "not a readable PDF ("),
        (b"This is just text, not a PDF.", "not a PDF (no %PDF- header)"),
    ],
)
def test_broken_pdfs(data: bytes, reason: str) -> None:
    assert only_error(load_bytes(data, source="x.pdf")).startswith(reason)


def test_pdf_with_malformed_creation_date_still_loads() -> None:
    data = build_pdf([["Headline", "Body"]], {"Title": "T", "CreationDate": "D:2026XX99"})
    article = only_article(load_bytes(data, source="x.pdf"))
    assert (article.title, article.published) == ("T", "")


# --------------------------------------------------------------------------- contract


def test_unknown_format_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        load_bytes(b"text", source="x", fmt="docx")


def test_load_result_holds_exactly_one_outcome() -> None:
    article = Article(id="a", title="t", text="x")
    with pytest.raises(ValueError):
        LoadResult("x")
    with pytest.raises(ValueError):
        LoadResult("x", article=article, error="both")


def test_loaders_import_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ingest.loaders;"
        "print(sorted({'trafilatura', 'pypdf', 'yaml', 'discord'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert loaders.MAX_BYTES == 20 * 1024 * 1024


# --------------------------------------------------------------------------- properties

SEEDS = [b"", b"---\n", b"%PDF-1.4\n", b"<html><body>", b'{"text": "', b"\xef\xbb\xbf", b"\xff\xfe"]


def _check(results: list[LoadResult]) -> None:
    assert results
    for result in results:
        assert (result.article is None) != (result.error is None)
        if result.article is not None:
            assert result.article.text and result.article.text == clean_text(result.article.text)
            result.article.text.encode("utf-8")


@pytest.mark.parametrize("fmt", [None, "txt", "md", "html", "jsonl", "pdf"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(SEEDS), data=st.binary(max_size=2000))
def test_load_bytes_never_raises(fmt: str | None, prefix: bytes, data: bytes) -> None:
    _check(load_bytes(prefix + data, source="fuzz", fmt=fmt))


@pytest.mark.parametrize("fmt", ["txt", "md", "html", "jsonl"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=1000))
def test_load_bytes_never_raises_on_text(fmt: str, text: str) -> None:
    _check(load_bytes(text.encode("utf-8", "surrogatepass"), source="fuzz", fmt=fmt))
