"""Importing ticket history from other tools: pure parsers from source rows to tickets with their events.

A parser turns the rows of a source file (an iterable of mappings column → text; the file reading
lives in the bot) into `ImportedTicket`s or `Rejected` records. Each imported ticket carries the
same domain events a ticket opened in chat would have (deskops.core.events vocabulary) and the
projection row folded from them, so the store, the KPIs and the SLA clocks treat both alike.

- `uci.parse_uci`: the UCI 498 ServiceNow incident event log (one row per update of an incident).
- `csv_format.parse_csv`: DeskOps' generic CSV (docs/csv-format.md), one row per update of a ticket.
- `history.build_ticket`: the shared fold from a ticket's successive snapshots to events + projection.
"""
