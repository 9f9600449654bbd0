"""`python -m bot`: the same as `readout bot`."""

from bot.cli import main

raise SystemExit(main(["bot", *__import__("sys").argv[1:]]))
