"""``python -m pytest_behavior.cli``: the ``pytest-behavior`` command."""

import sys

from pytest_behavior.cli import main

sys.exit(main())
