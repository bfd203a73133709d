"""gate: a release gate for ML model releases. This module holds the version only."""

__version__ = "0.1.0"
