"""Console chat adapter: the embedded default (terminal, scripts on stdin, --json)."""
