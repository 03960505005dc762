"""`python -m exsync_tui` runs the same command line as `exsync`."""

from exsync_tui.cli import main

raise SystemExit(main())
