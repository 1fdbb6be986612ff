"""Allow `python -m feedtui`."""

from feedtui.cli import main

# Guarded: process-pool workers started with "spawn" re-import the main module.
if __name__ == "__main__":
    raise SystemExit(main())
