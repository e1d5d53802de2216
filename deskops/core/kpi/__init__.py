"""KPIs over the ticket store, for a period and a filter: pure computations, no I/O.

- `facts.TicketFacts`: the per-ticket facts a report needs (read from the projection by
  `deskops.core.persistence.kpi_facts`), so the same code serves chat-opened and imported tickets.
- `period.Period`: a half-open UTC interval `[start, end)`; either side may be open.
- `stats.Summary`: mean, median and p90 of a sample (linear interpolation, as numpy and pandas).
- `report.build_report`: the report of DESIGN.md §4, with the definitions it uses (`DEFINITIONS`).
"""
