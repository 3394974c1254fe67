"""pytester runs the plugin in-process and restores ``sys.modules`` after each run; modules with C
extensions (numpy) cannot be imported twice, so import everything the plugin loads lazily up front."""

from __future__ import annotations

import jsonschema  # noqa: F401
import numpy  # noqa: F401
import scipy.stats  # noqa: F401

import pytest_behavior.config.fixture
import pytest_behavior.properties
import pytest_behavior.report.failure
import pytest_behavior.report.terminal
import pytest_behavior.stats.binary
import pytest_behavior.stats.continuous  # noqa: F401
from pytest_behavior.properties import registered_markers
from pytest_behavior.sampling.litellm_loader import import_litellm

registered_markers()
import_litellm()
