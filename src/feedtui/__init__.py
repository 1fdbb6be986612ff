"""feedtui: a fast, safe, keyboard-first terminal feed reader."""

__version__ = "0.1.0"
