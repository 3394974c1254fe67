"""``python -m pytest_behavior power ...``: the same as the ``pytest-behavior`` command."""

import sys

from pytest_behavior.cli import main

sys.exit(main())
