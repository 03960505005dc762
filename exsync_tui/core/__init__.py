"""Everything that is not the UI. Never imports textual (an import-linter contract checks it)."""
