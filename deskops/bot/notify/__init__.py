"""Outbox delivery: sends stored notifications through a platform's Deliverer, retries, marks delivered.

Use cases write `OutboxRow`s in the same transaction as the change that causes them (so a crash
loses none). `OutboxDelivery.deliver_due(now)` then:

1. claims due rows with a compare-and-set update (`attempts + 1`, `next_attempt_at = now + lease`), so
   two running instances never send the same row at once (PostgreSQL also skips locked rows);
2. hands each one to the first `Deliverer` that can reach its recipient (Slack, Discord, console);
3. marks it delivered, or records the error and retries later with exponential backoff.

Delivery is at least once: a crash between sending and marking sends the row again after the
lease. Deliverers recognise the repeat by `Notification.key` (the row's idempotency key).
"""

from deskops.bot.notify.model import Deliverer, DeliveryError, Notification
from deskops.bot.notify.outbox import OutboxDelivery, RetryPolicy

__all__ = ["Deliverer", "DeliveryError", "Notification", "OutboxDelivery", "RetryPolicy"]
