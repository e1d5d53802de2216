"""The `interfaces` and `alerts` sections of the desk file: hand-offs to the operations centre, the
security team and suppliers, and the monitoring systems that may open incidents.

```yaml
interfaces:
  carrier:                          # `/ticket handoff REF --to carrier`; inbound: POST /hooks/carrier
    kind: supplier                  # operations | security | supplier
    description: WAN and internet lines
    agreement: carrier-uc           # an OLA or UC of the agreements section
    pending_reason: supplier        # the ticket waits in pending:<reason> while they work (default supplier)
    secret_env: CARRIER_SECRET      # the environment variable holding the shared HMAC secret
    webhook: https://carrier.example/deskops       # outbound: a signed JSON POST ...
    # email: {to: noc@carrier.example, from: desk@example.com, smtp_host: localhost, smtp_port: 25}
  soc:                              # kind security needs a confidential category: chat shows no details
    {kind: security, agreement: soc-ola, category: security, secret_env: SOC_SECRET, webhook: https://soc.example/in}
alerts:
  sources:                          # POST /alerts/generic?source=NAME or /alerts/alertmanager?source=NAME
    prometheus: {secret_env: ALERTS_SECRET, category: network, urgency: high, impact: medium}
```

Secrets never sit in the desk file: it names the environment variables the bot reads them from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Self

from pydantic import Field, model_validator

from deskops.core.config.agreements import PENDING_REASONS, AgreementConfig, AgreementKind
from deskops.core.config.base import StrictModel
from deskops.core.config.tickets import CategoryConfig

ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"


class EmailChannel(StrictModel):
    """Hand-off by e-mail through an SMTP server."""

    to: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    sender: str = Field(default="deskops@localhost", alias="from", pattern=r"^[^@\s]+@[^@\s]+$")
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)


class InterfaceConfig(StrictModel):
    """One party the desk hands tickets to: its kind, agreement, channel and shared secret."""

    kind: Literal["operations", "security", "supplier"] = "supplier"
    description: str = ""
    agreement: str
    pending_reason: str = "supplier"
    category: str | None = None
    """The ticket's category from the hand-off on (security: a confidential one, so chat shows no details)."""
    secret_env: str = Field(pattern=ENV_NAME)
    webhook: str | None = Field(default=None, pattern=r"^https?://")
    email: EmailChannel | None = None

    @model_validator(mode="after")
    def _one_channel(self) -> Self:
        if (self.webhook is None) == (self.email is None):
            raise ValueError("give exactly one channel: webhook: URL, or email: {to: ADDRESS, smtp_host: HOST}")
        if self.pending_reason not in PENDING_REASONS:
            raise ValueError(f"pending_reason {self.pending_reason!r} is not one of {', '.join(PENDING_REASONS)}")
        return self


class AlertSourceConfig(StrictModel):
    """A monitoring system allowed to open incidents, with the defaults of the incidents it opens."""

    secret_env: str = Field(pattern=ENV_NAME)
    category: str | None = None
    service: str | None = None
    group: str | None = None
    urgency: str | None = None
    impact: str | None = None
    reporter: str = "monitoring"
    """The requester of the incidents it opens (a name of the desk's log, not necessarily a person)."""


class AlertsConfig(StrictModel):
    """Monitoring systems that may post alerts."""

    sources: dict[str, AlertSourceConfig] = {}


def interface_reference_problems(
    interfaces: dict[str, InterfaceConfig],
    alerts: AlertsConfig,
    *,
    agreements: dict[str, AgreementConfig],
    groups: set[str],
    categories: Mapping[str, CategoryConfig],
) -> list[str]:
    """List unknown agreements (or SLAs where an OLA/UC is needed), groups and categories."""
    problems: list[str] = []
    for name, interface in interfaces.items():
        category = categories.get(interface.category) if interface.category is not None else None
        if interface.category is not None and category is None:
            problems.append(f"interfaces.{name}.category: unknown category {interface.category!r}")
        if interface.kind == "security" and (category is None or not category.confidential):
            problems.append(f"interfaces.{name}.category: a security interface needs a confidential category "
                            "(categories.NAME.confidential: true) so its tickets' details stay out of chat")
        agreement = agreements.get(interface.agreement)
        if agreement is None:
            problems.append(f"interfaces.{name}.agreement: unknown agreement {interface.agreement!r} "
                            f"(known: {', '.join(agreements) or 'none'})")  # fmt: skip
        elif agreement.kind == AgreementKind.SLA:
            problems.append(f"interfaces.{name}.agreement: {interface.agreement!r} is an SLA; name an OLA or UC")
    for name, source in alerts.sources.items():
        if source.group is not None and source.group not in groups:
            problems.append(f"alerts.sources.{name}.group: unknown group {source.group!r}")
        if source.category is not None and source.category not in categories:
            problems.append(f"alerts.sources.{name}.category: unknown category {source.category!r}")
    return problems
