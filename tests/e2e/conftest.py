"""Starts the real fbvncd for the vncdotool tests."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))

from fbvncd_proc import fbvncd  # noqa: E402,F401 (the fixture)
