"""Console chat adapter: the embedded default (terminal, scripts on stdin, --json).

`render.py` shows replies (rich panels, or JSON lines), `session.py` reads lines and runs them
(with the console's own /as, /whoami, /time, /quit), `deliverer.py` prints outbox notifications.
"""
