"""The Slack Web API client the adapter uses: configurable base URL, waits out rate limits."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from deskops.bot.adapters.slack.settings import SlackSettings


def make_client(settings: SlackSettings, *, max_rate_limit_retries: int = 3) -> WebClient:
    """A WebClient for `settings.api_url`; HTTP 429 waits `Retry-After` and retries (slack_sdk's handler)."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=10,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=max_rate_limit_retries),
            ConnectionErrorRetryHandler(max_retry_count=1),
        ],
    )
