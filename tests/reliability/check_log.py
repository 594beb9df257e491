#!/usr/bin/env python3
"""check_log.py: judges one reliability scenario from the load driver's log,
the scenario's fault events and the database itself.

Always checked (every scenario):
  * every call the driver sent has exactly one outcome (nothing hangs),
    and no call took longer than its deadline plus 1 s of scheduling slack;
  * every tweet acknowledged OK is in the database exactly once, with the id
    the client was given; no definitely-failed tweet is in the database;
    nothing is in the database that was never sent; "unknown" may be either;
  * the author's own timeline and each follower's home timeline (the
    driver's --followers), read through the server after the load, list
    exactly the stored tweets of that run, each once (whatever happened to
    the database, the server or the memory tier meanwhile).
Then the scenario's own criteria (see CRITERIA below and
docs/reliability.md). Prints one summary line of measured numbers, and
exits 1 listing every criterion that failed.
"""
import argparse
import collections
import sys
import time

import tier_state
from percentile import pct

SLACK_MS = 1000          # scheduling slack on a loaded two-core machine
RECOVERY_MS = 5000       # serve again within 5 s of the fault's end
FAST_FAIL_MS = 1000      # "fail fast" while the database is down
GRPC_OWN_THREADS = 40    # gRPC's executor, timers, resolver; our watcher


class Call:
    def __init__(self, marker, sent):
        self.marker, self.sent = marker, sent
        self.outcome = None      # ok / failed / unknown
        self.done = None
        self.latency = None
        self.code = "OK"
        self.message = ""
        self.tweet_id = None


class Timeline:
    """One home timeline the driver paged through after its load."""

    def __init__(self, run, role):
        self.run, self.role = run, role
        self.ids = []
        self.end = None  # ["OK"] or [CODE, MESSAGE]


class Load:
    """Everything the driver logged."""

    def __init__(self):
        self.calls, self.health, self.problems = {}, [], []
        self.timelines = []
        self.accounts = {}       # (run, role) -> user id
        self.read_failures = []  # (t, role, code, message)


def read_load(path):
    load = Load()
    calls, health, outcomes_seen = load.calls, load.health, collections.Counter()
    problems = load.problems
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            t, kind = int(fields[0]), fields[1]
            if kind == "sent":
                calls[fields[2]] = Call(fields[2], t)
            elif kind in ("ok", "failed", "unknown"):
                call = calls.get(fields[2])
                if call is None or call.outcome is not None:
                    problems.append(f"outcome without a single send: {line.strip()}")
                    continue
                call.outcome, call.done, call.latency = kind, t, int(fields[3])
                if kind == "ok":
                    call.tweet_id = int(fields[4])
                else:
                    call.code = fields[4]
                    call.message = fields[5] if len(fields) > 5 else ""
                outcomes_seen[kind] += 1
            elif kind == "health":
                health.append((t, fields[2]))
            elif kind == "account":
                load.accounts[(fields[2], fields[3])] = int(fields[4])
            elif kind == "read_failed":
                load.read_failures.append((t, *fields[2:5]))
            elif kind == "timeline_begin":
                load.timelines.append(Timeline(fields[2], fields[3]))
            elif kind == "timeline":
                load.timelines[-1].ids.append(int(fields[2]))
            elif kind == "timeline_end":
                load.timelines[-1].end = fields[2:]
    return load


def read_events(path):
    events, samples = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            t, text = line.rstrip("\n").split("\t", 1)
            if text.startswith("sample "):
                values = dict(kv.split("=") for kv in text.split()[1:])
                samples.append((int(t), int(values["threads"]),
                                int(values["db_connections"])))
            else:
                events.append((int(t), text))
    return events, samples


def event_time(events, prefix):
    for t, text in events:
        if text.startswith(prefix):
            return t
    sys.exit(f"check_log.py: no '{prefix}' event in the events log")


def query_database(url_file, markers_prefixes):
    where = " OR ".join(f"text LIKE '{p}-%'" for p in markers_prefixes)
    rows = tier_state.sql(
        url_file,
        f"SELECT text, COUNT(*), MIN(id) FROM tweets WHERE {where} GROUP BY text")
    return {text: (int(count), int(first_id)) for text, count, first_id in rows}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--load", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--database-url-file", required=True)
    parser.add_argument("--server-log", required=True)
    parser.add_argument("--redis-url-file", required=True)
    args = parser.parse_args()

    load = read_load(args.load)
    calls, health, problems = load.calls, load.health, load.problems
    events, samples = read_events(args.events)
    setup = dict(kv.split("=") for kv in
                 next(t for _, t in events if t.startswith("setup ")).split()[1:])
    deadline_ms = int(setup["deadline_ms"])
    pool_size, pool_queue = int(setup["pool_size"]), int(setup["pool_queue"])
    # The server's sync-thread quota (MaxServerThreads in miniter_server.cc)
    # plus gRPC's own threads; the request pool plus the health pool.
    bound_threads = 2 * (pool_size + pool_queue) + 16 + GRPC_OWN_THREADS
    bound_db_connections = pool_size + 1
    fault_begin = event_time(events, "fault_begin")
    fault_end = event_time(events, "fault_end")
    numbers = collections.OrderedDict()

    def require(condition, text):
        if not condition:
            problems.append(text)

    # ---- every scenario: no call lost, no call past its deadline ----------
    for call in calls.values():
        require(call.outcome is not None, f"{call.marker}: sent, never answered")
    answered = [c for c in calls.values() if c.outcome is not None]
    counts = collections.Counter(c.outcome for c in answered)
    numbers.update(calls=len(calls), ok=counts["ok"], failed=counts["failed"],
                   unknown=counts["unknown"])
    max_deadline = 5000 if args.scenario == "overload" else deadline_ms
    slowest = max((c.latency for c in answered), default=0)
    numbers["max_call_ms"] = slowest
    require(slowest <= max_deadline + SLACK_MS,
            f"a call took {slowest} ms, past its {max_deadline} ms deadline")

    # ---- every scenario: what was acknowledged is there exactly once ------
    prefixes = sorted({c.marker.rsplit("-w", 1)[0] for c in calls.values()})
    in_db = query_database(args.database_url_file, prefixes)
    for call in answered:
        count, first_id = in_db.get(call.marker, (0, None))
        if call.outcome == "ok":
            require(count == 1, f"{call.marker}: acknowledged OK but stored {count} times")
            require(count != 1 or first_id == call.tweet_id,
                    f"{call.marker}: stored as id {first_id}, client was told {call.tweet_id}")
        elif call.outcome == "failed":
            require(count == 0, f"{call.marker}: definitely failed ({call.code}) but stored")
        else:
            require(count <= 1, f"{call.marker}: unknown outcome but stored {count} times")
    for text in in_db:
        require(text in calls, f"{text}: in the database but never sent")
    # ---- every scenario: the timelines show what is stored --------------
    # Each driver invocation read its user's own timeline after its load,
    # and each of its followers' home timelines: every one must hold
    # exactly the tweets of that run that the database holds (acknowledged
    # ones, and "unknown" ones that were written), each once.
    def stored_ids_of(run):
        return {first_id for text, (_, first_id) in in_db.items()
                if text.startswith(run + "-w")}

    for timeline in load.timelines:
        who = f"{timeline.role} of {timeline.run}"
        require(timeline.end == ["OK"],
                f"reading the timeline of {who} after the load: {timeline.end}")
        on_timeline = collections.Counter(timeline.ids)
        require(all(n == 1 for n in on_timeline.values()),
                f"a tweet appears twice on the timeline of {who}")
        key = "follower_timeline_tweets" if timeline.role != "author" else "timeline_tweets"
        numbers[key] = numbers.get(key, 0) + len(on_timeline)
        stored = stored_ids_of(timeline.run)
        missing = stored - set(on_timeline)
        require(not missing, f"{len(missing)} stored tweets missing from the "
                f"timeline of {who} after the run (e.g. {sorted(missing)[:5]})")
        extra = set(on_timeline) - stored
        require(not extra, f"{len(extra)} tweets on the timeline of {who} that "
                f"the run did not store (e.g. {sorted(extra)[:5]})")

    def require_tier_entries():
        """Straight from Redis, after the timelines were read through the
        tier: each reader's entry exists, is complete, and holds exactly
        the run's stored tweets above its floor."""
        checked = 0
        for (run, role), owner in load.accounts.items():
            entry = tier_state.entry(args.redis_url_file, owner)
            who = f"{role} of {run} (user {owner})"
            require(entry is not None and entry.complete and entry.floor is not None,
                    f"no complete tier entry for {who} after the run")
            if entry is None or entry.floor is None:
                continue
            stored = {i for i in stored_ids_of(run) if i > entry.floor}
            missing = stored - entry.ids
            require(not missing, f"the tier entry of {who} lacks {len(missing)} "
                    f"stored tweets (e.g. {sorted(missing)[:5]})")
            extra = entry.ids - stored_ids_of(run)
            require(not extra, f"the tier entry of {who} holds {len(extra)} "
                    f"tweets the run did not store (e.g. {sorted(extra)[:5]})")
            checked += 1
        numbers["tier_entries_checked"] = checked

    def require_outbox_drained(limit_s):
        give_up = time.monotonic() + limit_s
        rows = tier_state.outbox_rows(args.database_url_file)
        while rows and time.monotonic() < give_up:
            time.sleep(0.2)
            rows = tier_state.outbox_rows(args.database_url_file)
        numbers["outbox_rows_left"] = rows
        require(rows == 0, f"{rows} outbox rows left {limit_s} s after the run")

    unknown_stored = sum(1 for c in answered
                         if c.outcome == "unknown" and c.marker in in_db)
    numbers["unknown_stored"] = unknown_stored
    require(counts["ok"] > 0, "no call succeeded at all")

    codes = collections.Counter(c.code for c in answered if c.outcome != "ok")
    numbers["codes"] = dict(codes)
    # Recovery is timed from the moment the fault is lifted: the end event,
    # or for a restarted database the start of its restart (it answers
    # before the script that starts it returns, so this includes its own
    # start-up time and is the stricter measure).
    recovery_from = next((t for t, text in events if text.startswith("restart_begin")),
                         fault_end)
    ok_after_end = [c.done for c in answered if c.outcome == "ok" and c.sent >= recovery_from]
    serving_after_end = [t for t, s in health if t >= recovery_from and s == "SERVING"]
    not_serving_in_fault = [t for t, s in health if fault_begin <= t <= fault_end
                            and s == "NOT_SERVING"]

    numbers["health_not_serving_after_fault_ms"] = (
        not_serving_in_fault[0] - fault_begin if not_serving_in_fault else None)

    def require_recovery(limit_ms):
        first_ok = min(ok_after_end, default=None)
        numbers["first_ok_after_fault_ms"] = (
            None if first_ok is None else first_ok - recovery_from)
        require(first_ok is not None and first_ok - recovery_from <= limit_ms,
                f"no Tweet OK within {limit_ms} ms of the fault's end")

    def require_health_recovery(limit_ms):
        first = min(serving_after_end, default=None)
        numbers["health_serving_after_fault_ms"] = (
            None if first is None else first - recovery_from)
        require(first is not None and first - recovery_from <= limit_ms,
                f"health not SERVING within {limit_ms} ms of the fault's end")

    def require_bounded():
        during = [s for s in samples if fault_begin <= s[0] <= fault_end]
        before = [s for s in samples if s[0] < fault_begin]
        numbers["threads_before"] = max((s[1] for s in before), default=0)
        numbers["max_threads_during"] = max((s[1] for s in during), default=0)
        numbers["max_db_connections_during"] = max((s[2] for s in during), default=0)
        require(numbers["max_threads_during"] <= bound_threads,
                f"{numbers['max_threads_during']} server threads > {bound_threads}")
        require(numbers["max_db_connections_during"] <= bound_db_connections,
                f"{numbers['max_db_connections_during']} database connections > "
                f"{bound_db_connections}")

    # ---- the scenario's own criteria ---------------------------------------
    if args.scenario == "db_kill":
        # Calls sent while the database was down (a moment after the kill,
        # so nothing sent before it counts) fail fast and never say OK.
        # Up to the restart's start: mariadbd answers before the script
        # that starts it returns.
        restart = event_time(events, "restart_begin")
        outage = [c for c in answered if fault_begin + 200 <= c.sent < restart]
        numbers["outage_calls"] = len(outage)
        numbers["outage_max_call_ms"] = max((c.latency for c in outage), default=0)
        require(len(outage) > 0, "no call was sent during the outage")
        for c in outage:
            require(c.outcome != "ok", f"{c.marker}: OK while the database was down")
            require(c.code == "UNAVAILABLE", f"{c.marker}: {c.code} during the outage, not UNAVAILABLE")
        require(numbers["outage_max_call_ms"] <= FAST_FAIL_MS,
                f"a call took {numbers['outage_max_call_ms']} ms during the outage (> {FAST_FAIL_MS})")
        require(bool(not_serving_in_fault), "health never NOT_SERVING during the outage")
        require_recovery(RECOVERY_MS)
        require_health_recovery(RECOVERY_MS)
        require_bounded()
    elif args.scenario == "db_pause":
        paused = [c for c in answered if fault_begin + 200 <= c.sent < fault_end - deadline_ms]
        numbers["paused_calls"] = len(paused)
        numbers["paused_max_call_ms"] = max((c.latency for c in paused), default=0)
        numbers["paused_codes"] = dict(collections.Counter(c.code for c in paused))
        require(len(paused) > 0, "no call was sent during the pause")
        for c in paused:
            require(c.outcome != "ok", f"{c.marker}: OK while the database was paused")
            require(c.code in ("DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "UNAVAILABLE"),
                    f"{c.marker}: {c.code} during the pause")
        require(numbers["paused_max_call_ms"] <= deadline_ms + SLACK_MS,
                "a call outlived its deadline during the pause")
        require(bool(not_serving_in_fault), "health never NOT_SERVING during the pause")
        require_recovery(RECOVERY_MS)
        require_health_recovery(RECOVERY_MS)
        require_bounded()
    elif args.scenario == "server_term":
        exited = next(t for t, text in events if text.startswith("server_exited"))
        status = next(text for t, text in events if text.startswith("server_exited"))
        grace_ms = int(setup["grace_ms"])
        numbers["exit_after_sigterm_ms"] = exited - fault_begin
        require(status.endswith("status=0"), f"server did not exit cleanly: {status}")
        require(exited - fault_begin <= grace_ms + 500,
                f"exit took {exited - fault_begin} ms, grace is {grace_ms} ms")
        # The driver's Health.Watch stream is open throughout: the server
        # must end it (NOT_SERVING, then OK) instead of waiting out its
        # grace, so it exits once the few in-flight calls are done.
        require(exited - fault_begin <= 2000,
                f"exit took {exited - fault_begin} ms with only short calls "
                "in flight: something held the server open")
        # In flight at SIGTERM: sent before it and answered after it.
        in_flight = [c for c in answered if c.sent < fault_begin <= c.done]
        numbers["in_flight_at_sigterm"] = len(in_flight)
        for c in in_flight:
            require(c.outcome == "ok", f"{c.marker}: in flight at SIGTERM, ended {c.code}")
        require(len(in_flight) > 0 or counts["ok"] > 0, "nothing in flight")
        # NOT_SERVING reached watchers before the server stopped.
        term_health = [(t, s) for t, s in health if fault_begin <= t <= exited]
        numbers["health_at_sigterm"] = [s for _, s in term_health]
        require(term_health and term_health[0][1] == "NOT_SERVING",
                f"health after SIGTERM: {term_health}, NOT_SERVING not first")
        require(any(s == "ended:OK" for _, s in term_health),
                f"health after SIGTERM: {term_health}, the Watch stream "
                "was not ended by the server")
        require_recovery(RECOVERY_MS)
    elif args.scenario == "server_kill":
        require_recovery(RECOVERY_MS)
    elif args.scenario == "overload":
        over = [c for c in answered if c.sent < fault_end and c.marker.startswith("overload-")]
        admitted = [c.latency for c in over if c.outcome == "ok"]
        refused = [c for c in over if c.code == "RESOURCE_EXHAUSTED"]
        hinted = [c for c in refused if "retry-after-ms=" in c.message]
        numbers.update(
            admitted=len(admitted), admitted_p50_ms=pct(admitted, 0.5),
            admitted_p99_ms=pct(admitted, 0.99), admitted_max_ms=max(admitted, default=0),
            refused=len(refused),
            refused_p99_ms=pct([c.latency for c in refused], 0.99),
            refused_max_ms=max((c.latency for c in refused), default=0),
            refused_with_hint=len(hinted))
        require(len(refused) > 0, "nobody was refused: the load did not overload")
        require(numbers["admitted_p99_ms"] <= 2500,
                f"admitted p99 {numbers['admitted_p99_ms']} ms > 2500 ms")
        require(numbers["refused_p99_ms"] <= 500,
                f"RESOURCE_EXHAUSTED p99 {numbers['refused_p99_ms']} ms > 500 ms")
        require(counts["unknown"] == 0, "calls with unknown outcome under overload")
        after = [c for c in answered if c.marker.startswith("after_overload-")]
        numbers["after_calls"] = len(after)
        numbers["after_p99_ms"] = pct([c.latency for c in after], 0.99)
        require(after and all(c.outcome == "ok" for c in after),
                "not every call succeeded after the overload")
        require(numbers["after_p99_ms"] <= 500,
                f"p99 after the overload {numbers['after_p99_ms']} ms > 500 ms")
    elif args.scenario in ("tier_kill", "tier_pause", "tier_flush", "tier_restart"):
        # The memory tier is a cache: losing it costs speed, never a call.
        require(counts["failed"] == 0 and counts["unknown"] == 0,
                f"{counts['failed'] + counts['unknown']} calls failed while "
                "the memory tier was down")
        not_serving = [t for t, s in health if s != "SERVING"]
        require(not not_serving, "health left SERVING because of the tier")
        require_recovery(RECOVERY_MS)
        if args.scenario in ("tier_flush", "tier_restart"):
            # Followers read throughout: not one read may fail, and their
            # timelines (checked above) and tier entries must be complete.
            numbers["follower_read_failures"] = len(load.read_failures)
            require(not load.read_failures,
                    f"{len(load.read_failures)} follower reads failed "
                    f"(e.g. {load.read_failures[:2]})")
            require(any(t.role != "author" for t in load.timelines),
                    "no follower timeline was read")
            require_tier_entries()
    elif args.scenario == "outbox_kill":
        # A Tweet committed while its tier write was stalled (Redis paused),
        # the server killed -9 in that moment: the next server's outbox
        # repair must deliver it to every follower's entry.
        fault = next(text for _, text in events if text.startswith("fault_begin"))
        stalled = int(fault.rsplit("tweet=", 1)[1])
        numbers["stalled_tweet"] = stalled
        stalled_call = next((c for c in answered if in_db.get(c.marker, (0, 0))[1] == stalled),
                            None)
        require(stalled_call is not None and stalled_call.outcome == "unknown",
                f"the stalled tweet {stalled} was not a call in flight at the "
                f"kill ({stalled_call and stalled_call.outcome})")
        # Redis may not deliver the dead server's stalled write late (it was
        # paused, not lost): then the test would prove nothing.
        before = next(text for _, text in events if text.startswith("tier_before_restart"))
        late = [int(o) for o in before.split("holders=", 1)[1].split(",") if o]
        followers = [owner for (_, role), owner in load.accounts.items() if role != "author"]
        require(followers, "no followers")
        require(not set(late) & set(followers),
                f"inconclusive: entries {late} had the stalled tweet before the "
                "new server started")
        require_outbox_drained(10)
        require_tier_entries()
        for owner in followers:
            entry = tier_state.entry(args.redis_url_file, owner)
            require(entry is not None and entry.floor is not None and
                    entry.floor < stalled,
                    f"follower {owner}'s tier entry was trimmed past the "
                    "stalled tweet: the run wrote too much to tell")
            require(entry is not None and stalled in entry.ids,
                    f"follower {owner}'s tier entry lacks the stalled tweet {stalled}")
        require_recovery(RECOVERY_MS)
    else:
        sys.exit(f"check_log.py: unknown scenario {args.scenario}")

    print(f"reliability {args.scenario}: " +
          " ".join(f"{k}={v}" for k, v in numbers.items()).replace(" ", " "))
    if problems:
        print(f"FAILED ({len(problems)} problems):")
        for p in problems[:40]:
            print("  " + p)
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
