"""`python -m gate` runs the command line."""

from __future__ import annotations

from gate import cli

raise SystemExit(cli.main())
