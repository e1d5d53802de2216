"""Slack HTTP mode: acknowledgement latency of signed `/ticket open` commands under concurrent senders.

Two apps behind the same server (uvicorn + Starlette, bolt's dispatch in the thread pool), in
the same run: a bare slack-bolt App whose listener only calls `ack()`, and the DeskOps adapter
over the real desk (SQLite), whose listener acks and then opens the ticket, answers the user
and posts the ticket card (to a fake Slack on loopback). Slack's limit is 3 s; the goal is
within 1.5x of the bare app.

    .venv/bin/python bench/slack.py [--senders 50] [--per-sender 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from slack_bolt import Ack, App  # noqa: E402

from deskops.bot.adapters.slack.client import make_client  # noqa: E402
from deskops.bot.adapters.slack.compose import build_slack  # noqa: E402
from deskops.bot.adapters.slack.fake_api import FakeSlack, FakeUser, signed_headers  # noqa: E402
from deskops.bot.adapters.slack.http_server import BackgroundServer, asgi_app  # noqa: E402
from deskops.bot.adapters.slack.settings import SlackSettings  # noqa: E402
from deskops.bot.runtime import Runtime, Settings  # noqa: E402

SECRET = "bench-signing-secret"
TRIAGE = "CTRIAGE"


def bare_app(settings: SlackSettings) -> App:
    """A slack-bolt App that only acknowledges /ticket (the reference)."""
    app = App(client=make_client(settings), signing_secret=SECRET)

    @app.command("/ticket")
    def _ack_only(ack: Ack) -> None:
        ack()

    return app


def requests_for(fake: FakeSlack, count: int, label: str) -> list[tuple[bytes, dict[str, str]]]:
    """Signed slash-command bodies, prepared before the clock starts."""
    out = []
    for i in range(count):
        body = urllib.parse.urlencode({
            "token": "bench", "team_id": "TDESK", "team_domain": "desk", "channel_id": "CGENERAL",
            "channel_name": "general", "user_id": "UDAVE", "user_name": "dave", "command": "/ticket",
            "text": f'open "Bench {label} ticket {i}" --urgency medium', "api_app_id": "ADESK",
            "response_url": fake.response_url(), "trigger_id": f"{label}.{i}.{time.monotonic_ns()}",
        })
        out.append((body.encode(), signed_headers(SECRET, body)))
    return out


async def _load(url: str, work: list[tuple[bytes, dict[str, str]]], senders: int) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[tuple[bytes, dict[str, str]]] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    connector = aiohttp.TCPConnector(limit=senders)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def sender() -> None:
            nonlocal failures
            while not queue.empty():
                body, headers = queue.get_nowait()
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        failures += 1
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(senders)))
        elapsed = time.perf_counter() - began
    return latencies, elapsed, failures


def summarize(latencies: list[float], elapsed: float, failures: int) -> dict[str, float]:
    """Median, p99, max (ms) and throughput of one app's pooled rounds."""
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "failures": failures,
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "max_ms": ordered[-1] * 1000,
        "per_second": len(ordered) / elapsed,
    }


class Target:
    """One app served on loopback, with the latencies of its rounds pooled."""

    def __init__(self, app: App, label: str) -> None:
        self.server = BackgroundServer(asgi_app(app)).start()
        self.url = self.server.url + "/slack/events"
        self.label = label
        self.latencies: list[float] = []
        self.elapsed = 0.0
        self.failures = 0
        self.sent = 0

    def round(self, fake: FakeSlack, count: int, senders: int, *, record: bool = True) -> None:
        """Fire `count` signed commands from `senders` concurrent senders."""
        work = requests_for(fake, count, f"{self.label}{self.sent}")
        self.sent += count
        latencies, elapsed, failures = asyncio.run(_load(self.url, work, senders))
        if record:
            self.latencies += latencies
            self.elapsed += elapsed
            self.failures += failures

    def figures(self) -> dict[str, float]:
        """This app's pooled figures."""
        return summarize(self.latencies, self.elapsed, self.failures)


def drain(fake: FakeSlack, expected: int, timeout: float = 180) -> int:
    """Wait until the desk's after-ack work has posted `expected` cards (so rounds do not overlap)."""
    deadline = time.monotonic() + timeout
    while len(fake.channel_messages(TRIAGE)) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(fake.channel_messages(TRIAGE))


def main() -> None:
    """Run both apps and print their figures side by side; the last line is JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--per-sender", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per app (pooled)")
    args = parser.parse_args()

    with FakeSlack([FakeUser("UDAVE", "dave", "dave@example.com")]) as fake, \
            tempfile.TemporaryDirectory() as tmp:
        settings = SlackSettings(bot_token="xoxb-bench", signing_secret=SECRET, api_url=fake.api_url,
                                 default_triage_channel=TRIAGE)
        runtime = Runtime.build(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
                                         config_path=REPO / "config" / "desk.yaml"))
        app, _desk = build_slack(runtime.dispatcher, runtime.config, runtime.engine, runtime.clock, settings)
        reference, adapter = Target(bare_app(settings), "bare"), Target(app, "desk")
        try:
            per_round = args.senders * args.per_sender // args.rounds
            for target in (reference, adapter):  # warm-up, not recorded
                target.round(fake, args.senders, args.senders, record=False)
            cards = drain(fake, adapter.sent)
            # Alternate the two apps so load on the machine hits both alike; the desk's work after
            # its acks is let finish before the bare app's next round, so it does not slow that one.
            work_seconds = 0.0
            for _ in range(args.rounds):
                reference.round(fake, per_round, args.senders)
                began = time.perf_counter()
                adapter.round(fake, per_round, args.senders)
                cards = drain(fake, adapter.sent)
                work_seconds += time.perf_counter() - began
            expected = adapter.sent
            bare, desk = reference.figures(), adapter.figures()
        finally:
            reference.server.stop()
            adapter.server.stop()
            runtime.stop()

    rows: list[tuple[str, Any, Any]] = [
        ("requests", bare["requests"], desk["requests"]),
        ("non-200 answers", bare["failures"], desk["failures"]),
        ("median ack (ms)", f"{bare['median_ms']:.1f}", f"{desk['median_ms']:.1f}"),
        ("p99 ack (ms)", f"{bare['p99_ms']:.1f}", f"{desk['p99_ms']:.1f}"),
        ("max ack (ms)", f"{bare['max_ms']:.1f}", f"{desk['max_ms']:.1f}"),
        ("acks per second", f"{bare['per_second']:.0f}", f"{desk['per_second']:.0f}"),
    ]
    print(f"Slack HTTP mode: {args.senders} concurrent senders, {bare['requests']} signed /ticket open per app "
          f"in {args.rounds} alternating rounds")
    print(f"{'':22}{'bare bolt (ack only)':>22}{'DeskOps adapter':>18}")
    for name, left, right in rows:
        print(f"{name:22}{left!s:>22}{right!s:>18}")
    median_ratio = desk["median_ms"] / bare["median_ms"]
    p99_ratio = desk["p99_ms"] / bare["p99_ms"]
    print(f"ratio desk/bare: median {median_ratio:.2f}x, p99 {p99_ratio:.2f}x (goal <= 1.5x; Slack's limit 3000 ms)")
    work_rate = desk["requests"] / work_seconds
    print(f"tickets opened after the acks (cards posted): {cards} of {expected}; "
          f"the desk worked through {work_rate:.1f} tickets/s (open, answer, post card)")
    print(json.dumps({
        "senders": args.senders,
        "requests": desk["requests"],
        "bare_median_ms": round(bare["median_ms"], 2), "bare_p99_ms": round(bare["p99_ms"], 2),
        "desk_median_ms": round(desk["median_ms"], 2), "desk_p99_ms": round(desk["p99_ms"], 2),
        "desk_max_ms": round(desk["max_ms"], 2),
        "median_ratio": round(median_ratio, 3), "p99_ratio": round(p99_ratio, 3),
        "bare_per_second": round(bare["per_second"], 1), "desk_per_second": round(desk["per_second"], 1),
        "desk_failures": desk["failures"], "cards_posted": cards, "desk_work_per_second": round(work_rate, 2),
    }))


if __name__ == "__main__":
    main()
