"""`python -m ingest`: the same as `readout ingest`."""

from ingest.cli import main

raise SystemExit(main())
