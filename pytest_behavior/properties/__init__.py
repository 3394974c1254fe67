"""Built-in behavioral properties and the marker registry."""

from __future__ import annotations

from pytest_behavior.properties.base import Bound, Metric, Property
from pytest_behavior.properties.registry import parse_marker, registered_markers

__all__ = ["Bound", "Metric", "Property", "parse_marker", "registered_markers"]
