"""The composition root of the bot: settings → runtime → services → ReadoutBot."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from bot.settings import BotSettings
from ingest.settings import IngestSettings
from retrieval.errors import ReadoutError
from retrieval.runtime import Runtime, redact_secrets
from retrieval.settings import RetrievalSettings

log = logging.getLogger(__name__)


def build_bot(
    retrieval_settings: RetrievalSettings,
    bot_settings: BotSettings,
    ingest_settings: IngestSettings,
    *,
    runtime: Runtime | None = None,
    **options: Any,
) -> Any:
    """Build the bot with every service injected (models load on first use, off the loop)."""
    from bot.client import ReadoutBot
    from bot.services import Services
    from bot.state import BotState

    redact_secrets(
        bot_settings.discord_token.get_secret_value(),
        retrieval_settings.openai_api_key.get_secret_value(),
        retrieval_settings.chroma_token.get_secret_value(),
    )
    runtime = runtime or Runtime(retrieval_settings)
    services = Services(
        runtime=runtime,
        answerer=runtime.answer_service,
        ingest_settings=ingest_settings,
        llm_mode=retrieval_settings.llm,
        # The bot waits a little longer than the model itself, so the model's own timeout wins.
        answer_timeout=retrieval_settings.llm_timeout + 15,
    )
    state = BotState(retrieval_settings.data_dir / "bot.sqlite3")
    return ReadoutBot(services, bot_settings, state, **options)


async def _run(bot: Any, token: str, *, sync: bool, globally: bool, warm: bool) -> None:
    async with bot:
        if warm:
            # Load models before going online so the first /ask is not the slow one.
            await asyncio.to_thread(bot.services.runtime.warm_up)
        await bot.login(token)
        if sync:
            names = await bot.sync_commands(globally=globally)
            print(f"synced {len(names)} commands: {', '.join(names)}", file=sys.stderr)
        await bot.connect(reconnect=True)


def add_parsers(subparsers: Any) -> None:
    """Register ``bot`` and ``feedback``."""
    parser = subparsers.add_parser("bot", help="run the Discord bot")
    parser.add_argument(
        "--sync",
        action="store_true",
        help="sync slash commands first (to READOUT_DEV_GUILD_ID if set)",
    )
    parser.add_argument(
        "--global",
        dest="globally",
        action="store_true",
        help="with --sync: sync globally even if a dev guild is set",
    )
    parser.set_defaults(func=bot_command)

    feedback = subparsers.add_parser("feedback", help="work with 👍/👎 feedback from Discord")
    feedback_sub = feedback.add_subparsers(dest="feedback_command", required=True)
    export = feedback_sub.add_parser("export", help="write voted answers as eval cases (JSONL)")
    export.add_argument("output", nargs="?", default="-", help="file, or - for stdout")
    export.set_defaults(func=feedback_export_command)


def bot_command(args: argparse.Namespace) -> int:
    """Run ``readout bot``."""
    bot_settings = BotSettings()
    token = bot_settings.discord_token.get_secret_value()
    if not token:
        print(
            "readout bot: READOUT_DISCORD_TOKEN is not set; put it in .env (see README, "
            "'Discord set-up')",
            file=sys.stderr,
        )
        return 2
    try:
        bot = build_bot(RetrievalSettings(), bot_settings, IngestSettings())
        asyncio.run(_run(bot, token, sync=args.sync, globally=args.globally, warm=True))
    except ReadoutError as exc:
        print(f"readout bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # noqa: BLE001 - discord.LoginFailure and friends; never echo the token
        print(f"readout bot: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def feedback_export_command(args: argparse.Namespace) -> int:
    """Run ``readout feedback export``."""
    from bot.state import BotState

    settings = RetrievalSettings()
    state = BotState(settings.data_dir / "bot.sqlite3")
    cases = state.export_feedback()
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
    if args.output == "-":
        sys.stdout.write(lines)
    else:
        Path(args.output).write_text(lines, "utf-8")
        print(f"wrote {len(cases)} cases to {args.output}", file=sys.stderr)
    return 0
