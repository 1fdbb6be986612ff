"""feedtui: a fast, safe, keyboard-first terminal feed reader."""

import time

START = time.perf_counter()
"""When feedtui was first imported: the zero of the benchmark hooks' timings (bench/run.py)."""

__version__ = "0.1.0"
