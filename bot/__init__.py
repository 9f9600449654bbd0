"""Readout's Discord bot and the `readout` command line (the composition root)."""
