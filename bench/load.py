"""Load: hundreds of concurrent users open and work tickets, over Slack HTTP mode and through the engine directly.

Two paths, each on its own fresh desk, in the same run:
- Slack: signed slash commands over HTTP (loopback) to the real Slack adapter (slack-bolt behind
  uvicorn/Starlette), which answers through a fake Slack; phase 1 every user opens tickets at
  once, phase 2 they comment on their own tickets while an agent assigns and resolves them all;
- engine: the same work through `CommandDispatcher.dispatch_text` from a thread per user (what the
  console and every adapter call), no HTTP.

Checked after each path, from the database: every ticket opened exactly once (no lost, no
duplicate title), every one resolved with its comment, each ticket's event log numbered 1..n with
no gap, and no error answer. Latency figures are printed side by side; the last line is JSON.

    .venv/bin/python bench/load.py [--users 200] [--tickets-per-user 2] [--database URL]

`--database` takes a PostgreSQL URL of an empty scratch database to run both paths there (each
path gets new tables by restoring nothing: the bench refuses a database that holds tickets).
Bounded: at most --users x --tickets-per-user tickets per path, --time-limit seconds overall.
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
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select, text  # noqa: E402

from deskops.bot.adapters.slack.compose import build_slack  # noqa: E402
from deskops.bot.adapters.slack.fake_api import FakeSlack, FakeUser, signed_headers  # noqa: E402
from deskops.bot.adapters.slack.http_server import BackgroundServer, asgi_app  # noqa: E402
from deskops.bot.adapters.slack.settings import SlackSettings  # noqa: E402
from deskops.bot.commands.model import Actor  # noqa: E402
from deskops.bot.runtime import Runtime, Settings  # noqa: E402
from deskops.core.events import EventType  # noqa: E402
from deskops.core.persistence.tables import TicketEventRow, TicketRow  # noqa: E402

SECRET = "load-signing-secret"
TRIAGE = "CTRIAGE"
AGENT, AGENT_SLACK = "alice", "UALICE"


def user_name(i: int) -> str:
    """The desk id of load user i."""
    return f"load{i:04d}"


def desk_file(folder: Path, users: int) -> Path:
    """The example desk plus `users` requesters with e-mail addresses and Slack ids."""
    source = (REPO / "config" / "desk.yaml").read_text(encoding="utf-8")
    people = "".join(
        f"  {user_name(i)}: {{name: Load User {i}, email: {user_name(i)}@load.example, slack: U{user_name(i).upper()}, "
        f"roles: [requester]}}\n"
        for i in range(users)
    )
    assert "\npeople:\n" in source
    path = folder / "desk.yaml"
    path.write_text(source.replace("\npeople:\n", "\npeople:\n" + people, 1), encoding="utf-8")
    return path


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) in ms."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def figures(latencies: list[float], elapsed: float, errors: int) -> dict[str, float]:
    """Median, p95, p99, max (ms), commands per second, errors."""
    return {
        "commands": len(latencies),
        "errors": errors,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": pct(latencies, 0.95),
        "p99_ms": pct(latencies, 0.99),
        "max_ms": max(latencies) * 1000,
        "per_second": len(latencies) / elapsed,
    }


def verify(runtime: Runtime, titles: list[str]) -> dict[str, Any]:
    """From the database: each title once, all resolved, each with a comment, event logs gapless."""
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(TicketRow.id, TicketRow.title, TicketRow.state)).all()
        per_ticket = select(TicketEventRow.ticket_id, func.count(), func.max(TicketEventRow.seq))
        seqs = connection.execute(per_ticket.group_by(TicketEventRow.ticket_id)).all()
        commented = TicketEventRow.type == EventType.COMMENT_ADDED.value
        comments = connection.execute(
            select(func.count(func.distinct(TicketEventRow.ticket_id))).where(commented)
        ).scalar_one()
    seen = Counter(row.title for row in rows)
    wanted = Counter(titles)
    return {
        "tickets": len(rows),
        "lost": sum((wanted - seen).values()),
        "duplicated": sum((seen - wanted).values()) + sum(1 for t, n in seen.items() if n > 1 and t in wanted),
        "not_resolved": sum(1 for row in rows if row.state != "resolved"),
        "with_comment": int(comments),
        "gapped_logs": sum(1 for _id, count, top in seqs if count != top),
    }


# ----------------------------------------------------------------------------------- Slack path


def slash(fake: FakeSlack, user_id: str, command_text: str, n: int) -> tuple[bytes, dict[str, str]]:
    """A signed /ticket slash command from `user_id`."""
    body = urllib.parse.urlencode({
        "token": "load", "team_id": "TDESK", "team_domain": "desk", "channel_id": "CGENERAL",
        "channel_name": "general", "user_id": user_id, "user_name": user_id.lower(), "command": "/ticket",
        "text": command_text, "api_app_id": "ADESK", "response_url": fake.response_url(),
        "trigger_id": f"load.{n}.{time.monotonic_ns()}",
    })
    return body.encode(), signed_headers(SECRET, body)


async def fire(url: str, batches: list[list[tuple[bytes, dict[str, str]]]]) -> tuple[list[float], float, int]:
    """One sender per batch (a user), all at once; each sends its requests in order."""
    latencies: list[float] = []
    failures = 0
    connector = aiohttp.TCPConnector(limit=len(batches))
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def sender(batch: list[tuple[bytes, dict[str, str]]]) -> None:
            nonlocal failures
            for body, headers in batch:
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    failures += response.status != 200
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(sender(batch) for batch in batches))
        return latencies, time.perf_counter() - began, failures


def wait_until(check: Any, deadline: float) -> bool:
    """Poll `check()` until true or the deadline passes."""
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def slack_path(users: int, per_user: int, database: str | None, folder: Path, deadline: float) -> dict[str, Any]:
    """Open and work tickets over Slack HTTP mode; return latency figures and the checks."""
    people = [FakeUser(f"U{user_name(i).upper()}", user_name(i), f"{user_name(i)}@load.example") for i in range(users)]
    people.append(FakeUser(AGENT_SLACK, AGENT, "alice@example.com"))
    config = desk_file(folder, users)
    with FakeSlack(people) as fake:
        url = database or f"sqlite:///{folder / 'slack.db'}"
        runtime = Runtime.build(Settings(database_url=url, config_path=config))
        settings = SlackSettings(bot_token="xoxb-load", signing_secret=SECRET, api_url=fake.api_url,
                                 default_triage_channel=TRIAGE)
        app, _desk = build_slack(runtime.dispatcher, runtime.config, runtime.engine, runtime.clock, settings)
        server = BackgroundServer(asgi_app(app)).start()
        url = server.url + "/slack/events"
        try:
            titles = [f"Slack load u{i} t{k}" for i in range(users) for k in range(per_user)]
            opens = [
                [slash(fake, f"U{user_name(i).upper()}", f'open "Slack load u{i} t{k}" --category hardware', k)
                 for k in range(per_user)]
                for i in range(users)
            ]
            lat1, el1, fail1 = asyncio.run(fire(url, opens))
            count = len(titles)
            done = wait_until(lambda: _tickets(runtime) >= count, deadline)
            refs = _refs(runtime)  # ref -> requester, as the desk stored them
            by_user: dict[str, list[str]] = {}
            for ref, requester in refs.items():
                by_user.setdefault(requester, []).append(ref)
            work = [
                [slash(fake, f"U{person.upper()}", f"comment {ref} still broken, please look", n)
                 for n, ref in enumerate(mine)]
                for person, mine in by_user.items()
            ]
            agent_refs = sorted(refs)
            lanes = max(1, users // 10)  # the agent works from several windows at once
            for lane in range(lanes):
                work.append([
                    item
                    for n, ref in enumerate(agent_refs[lane::lanes])
                    for item in (slash(fake, AGENT_SLACK, f"assign {ref} me", 2 * n),
                                 slash(fake, AGENT_SLACK, f"resolve {ref} --code fixed", 2 * n + 1))
                ])
            lat2, el2, fail2 = asyncio.run(fire(url, work))
            expected_answers = len(lat1) + len(lat2)
            done = done and wait_until(lambda: len(fake.calls_to("response_url")) >= expected_answers, deadline)
            wait_until(lambda: verify(runtime, titles)["not_resolved"] == 0, deadline)
            refusals = _refusals(fake)
            checks = verify(runtime, titles)
        finally:
            server.stop()
            runtime.stop()
    return {
        "open": figures(lat1, el1, fail1),
        "work": figures(lat2, el2, fail2),
        "checks": checks,
        "refusals": refusals,
        "finished_in_time": done,
    }


def _tickets(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(TicketRow)).scalar_one())


def _refs(runtime: Runtime) -> dict[str, str]:
    with runtime.engine.connect() as connection:
        return dict(connection.execute(select(TicketRow.ref, TicketRow.requester)).all())  # type: ignore[arg-type]


def _refusals(fake: FakeSlack) -> list[str]:
    """Answers that say something went wrong (the adapter answers refusals through response_url)."""
    bad = []
    for call in fake.calls_to("response_url"):
        said = json.dumps(call.params)
        if "went wrong" in said or "error id" in said or "cannot" in said.lower():
            bad.append(said[:200])
    return bad


# ---------------------------------------------------------------------------------- engine path


def engine_path(users: int, per_user: int, database: str | None, folder: Path) -> dict[str, Any]:
    """Open and work tickets through the dispatcher from one thread per user."""
    config = desk_file(folder, users)
    runtime = Runtime.build(Settings(database_url=database or f"sqlite:///{folder / 'engine.db'}", config_path=config))
    errors: list[str] = []

    def run(person: str, lines: list[str]) -> list[float]:
        took = []
        for line in lines:
            started = time.perf_counter()
            reply = runtime.dispatcher.dispatch_text(line, Actor(person))
            took.append(time.perf_counter() - started)
            if not reply.ok:
                errors.append(f"{person}: {line} -> {reply.text[:120]}")
        return took

    def phase(jobs: list[tuple[str, list[str]]]) -> tuple[list[float], float]:
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            results = list(pool.map(lambda job: run(*job), jobs))
        return [t for r in results for t in r], time.perf_counter() - began

    try:
        titles = [f"Engine load u{i} t{k}" for i in range(users) for k in range(per_user)]
        lat1, el1 = phase([
            (user_name(i), [f'/ticket open "Engine load u{i} t{k}" --category hardware' for k in range(per_user)])
            for i in range(users)
        ])
        open_errors = len(errors)
        refs = _refs(runtime)
        by_user: dict[str, list[str]] = {}
        for ref, requester in refs.items():
            by_user.setdefault(requester, []).append(ref)
        jobs = [(person, [f"/ticket comment {ref} still broken, please look" for ref in mine])
                for person, mine in by_user.items()]
        ordered = sorted(refs)
        lanes = max(1, users // 10)
        jobs += [(AGENT, [line for ref in ordered[lane::lanes]
                          for line in (f"/ticket assign {ref} me", f"/ticket resolve {ref} --code fixed")])
                 for lane in range(lanes)]
        lat2, el2 = phase(jobs)
        checks = verify(runtime, titles)
    finally:
        runtime.stop()
    return {
        "open": figures(lat1, el1, open_errors),
        "work": figures(lat2, el2, len(errors) - open_errors),
        "checks": checks,
        "refusals": errors[:5],
        "finished_in_time": True,
    }


def _guard_empty(url: str | None) -> None:
    """Refuse a PostgreSQL database that already holds tickets (the checks count every ticket)."""
    if url is None:
        return
    from deskops.core.persistence.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            has = connection.execute(text("SELECT to_regclass('tickets') IS NOT NULL")).scalar_one()
            if has and connection.execute(text("SELECT count(*) FROM tickets")).scalar_one():
                sys.exit(f"{url} already holds tickets; give an empty scratch database")
    finally:
        engine.dispose()


def main() -> None:
    """Run both paths and print their figures side by side; the last line is JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--tickets-per-user", type=int, default=2)
    parser.add_argument("--database", help="an empty PostgreSQL scratch database (default: SQLite files)")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds before the bench gives up")
    args = parser.parse_args()
    if not 1 <= args.users <= 1000 or not 1 <= args.tickets_per_user <= 20:
        sys.exit("--users 1..1000 and --tickets-per-user 1..20 keep the run bounded")
    deadline = time.monotonic() + args.time_limit
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        _guard_empty(args.database)
        results["engine"] = engine_path(args.users, args.tickets_per_user, args.database, Path(tmp))
        if args.database:  # the Slack path needs its own empty desk too
            _reset(args.database)
        results["slack"] = slack_path(args.users, args.tickets_per_user, args.database, Path(tmp), deadline)

    total = args.users * args.tickets_per_user
    print(f"Load: {args.users} concurrent users, {total} tickets per path "
          f"({'PostgreSQL' if args.database else 'SQLite'}); each ticket opened, commented, assigned, resolved")
    print(f"{'':30}{'engine (dispatcher)':>22}{'Slack HTTP (signed)':>22}")
    rows = [
        ("open: median ms", "open", "median_ms"), ("open: p95 ms", "open", "p95_ms"),
        ("open: p99 ms", "open", "p99_ms"), ("open: max ms", "open", "max_ms"),
        ("open: commands/s", "open", "per_second"), ("work: median ms", "work", "median_ms"),
        ("work: p99 ms", "work", "p99_ms"), ("work: commands/s", "work", "per_second"),
        ("error answers", None, "errors"),
    ]
    for label, phase, key in rows:
        cells = []
        for path in ("engine", "slack"):
            res = results[path]
            value = res["open"][key] + res["work"][key] if phase is None else res[phase][key]
            cells.append(f"{value:.1f}" if isinstance(value, float) else str(value))
        print(f"{label:30}{cells[0]:>22}{cells[1]:>22}")
    for key in ("tickets", "lost", "duplicated", "not_resolved", "with_comment", "gapped_logs"):
        print(f"{'check: ' + key:30}{results['engine']['checks'][key]!s:>22}{results['slack']['checks'][key]!s:>22}")
    print("Slack acks are Slack's 3 s deadline (the work finishes after the ack); engine times include the work.")
    for path in ("engine", "slack"):
        for refusal in results[path]["refusals"][:3]:
            print(f"  {path} refusal: {refusal}")
    ok = all(
        res["checks"]["lost"] == 0 and res["checks"]["duplicated"] == 0 and res["checks"]["not_resolved"] == 0
        and res["checks"]["tickets"] == total and res["checks"]["gapped_logs"] == 0
        and res["checks"]["with_comment"] == total
        and res["open"]["errors"] + res["work"]["errors"] == 0 and not res["refusals"] and res["finished_in_time"]
        for res in results.values()
    )
    print("RESULT:", "no error, no lost or duplicated ticket" if ok else "PROBLEMS (see above)")
    summary: dict[str, Any] = {"users": args.users, "tickets_per_path": total, "ok": ok}
    for path, res in results.items():
        for phase in ("open", "work"):
            for key in ("median_ms", "p99_ms", "per_second"):
                summary[f"{path}_{phase}_{key}"] = round(res[phase][key], 2)
        summary[f"{path}_errors"] = res["open"]["errors"] + res["work"]["errors"] + len(res["refusals"])
        summary[f"{path}_lost"] = res["checks"]["lost"]
        summary[f"{path}_duplicated"] = res["checks"]["duplicated"]
    print(json.dumps(summary))
    if not ok:
        sys.exit(1)


def _reset(url: str) -> None:
    """Empty the scratch PostgreSQL database between the two paths (drop its tables)."""
    from deskops.core.persistence.db import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
