"""The `readout` command: one entry point whose subcommands come from each package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import app as bot_app
from ingest import cli as ingest_cli
from retrieval import cli as retrieval_cli
from retrieval.runtime import configure_logging, redact_secrets
from retrieval.settings import RetrievalSettings


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="readout",
        description="Answer questions about news events from ingested articles, with the exact "
        "passage behind every sentence. Settings come from READOUT_* variables and .env.",
    )
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ingest_cli.add_parser(sub)
    retrieval_cli.add_parsers(sub)
    retrieval_cli.add_answer_parsers(sub)
    bot_app.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``readout`` command line."""
    parser = build_parser()
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    configure_logging(args.log_level)
    settings = RetrievalSettings()
    redact_secrets(
        settings.openai_api_key.get_secret_value(), settings.chroma_token.get_secret_value()
    )
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
