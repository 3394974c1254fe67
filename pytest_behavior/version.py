"""The plugin's version, recorded in golden files and reports (the package exports it as ``__version__``)."""

from __future__ import annotations

__version__ = "0.1.0"
