"""Allow `python -m feedtui`."""

from feedtui.cli import main

raise SystemExit(main())
