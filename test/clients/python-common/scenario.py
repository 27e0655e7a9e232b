"""The client scenario (test/clients/SCENARIO.md), the parts every Python client shares.

A client's script imports this module (it uses the standard library only),
implements the client's own calls (admin, producer, a `Member` subclass) and
hands them to `run`, which does the steps in order and writes the report: one
JSON object per line on stdout. Nothing here judges what the client saw; a
failed step is reported, never raised.

The consume step runs its two members as two threads, each with its own
consumer instance. A member pauses what it is assigned until both members hold
partitions, so that both receive records however quickly the first one to join
could have drained the topic alone.
"""

import json
import sys
import threading
import time
import traceback
from collections import Counter

# How long the resume member keeps polling after its last record, so that a
# record it should not receive has the time to show up.
RESUME_LINGER_S = 3.0
# At most this many records a poll.
MAX_BATCH = 500


class Scenario:
    """The invocation's arguments, the records, and the report."""

    def __init__(self, argv):
        args = json.loads(argv[1])
        self.bootstrap = args["bootstrap"]
        self.topic = args["topic"]
        self.group = args["group"]
        self.records = args["records"]
        self.more = args["more"]
        self.compressions = args["compressions"]
        self.timeout_s = args["timeoutMs"] / 1000
        self.transactional_topic = args["transactionalTopic"]
        self.transactional_id = args["transactionalId"]
        self.transaction_records = args["transactionRecords"]
        self._out = threading.Lock()

    def emit(self, step, **fields):
        line = json.dumps({"step": step, **fields})
        with self._out:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def deadline(self):
        return time.monotonic() + self.timeout_s

    @staticmethod
    def record(codec, i):
        """Record `i` of compression `codec`: (key, value, headers), all bytes but header names."""
        key = f"{codec}-{i}".encode()
        value = f"value-{codec}-{i}-{'x' * (i % 100)}".encode()
        headers = [("index", str(i).encode()), ("codec", codec.encode())]
        return key, value, headers


def log(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def text(data):
    """Bytes as the report's UTF-8 string, None as null."""
    if data is None:
        return None
    if isinstance(data, str):
        return data
    return bytes(data).decode("utf-8", errors="backslashreplace")


def describe_error(e):
    return f"{type(e).__name__}: {e}"


class Errors:
    """Error messages in the order first seen, each with how often it occurred."""

    def __init__(self):
        self._counts = Counter()

    def add(self, message):
        self._counts[message] += 1

    def __bool__(self):
        return bool(self._counts)

    def report(self):
        return [m if n == 1 else f"{m} ({n} times)" for m, n in self._counts.items()]


class RebalanceConflict(Exception):
    """A commit the group refused because a rebalance superseded the member's
    generation (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS).
    The offsets stay pending and the next commit carries them; librdkafka issue
    #4059 shows this against Apache Kafka too."""


class Together:
    """What the members of one step share: which partitions each holds, the
    records they received, when to start and when to stop."""

    def __init__(self, members, target):
        self.target = target
        self.holding = [set() for _ in range(members)]
        self.seen = set()
        self.lock = threading.Lock()
        self.started = threading.Event()
        self.done = threading.Event()
        self.closing = threading.Barrier(members)
        if members == 1:
            self.started.set()

    def hold(self, member, partitions, held):
        with self.lock:
            if held:
                self.holding[member] |= set(partitions)
            else:
                self.holding[member] -= set(partitions)
            if all(self.holding):
                self.started.set()

    def received(self, partition, offset):
        with self.lock:
            self.seen.add((partition, offset))
            if len(self.seen) >= self.target:
                self.done.set()

    def count(self):
        with self.lock:
            return len(self.seen)


class Member:
    """One member of the group: polls, reports every record, commits what it
    processed after each poll, and commits again when partitions are revoked.

    A client subclass creates its consumer (subscribed to the topic from the
    earliest offset, automatic commits off), calls `assigned`, `revoked` and
    `lost` from its rebalance callbacks, and implements the primitives below.
    """

    def __init__(self, scenario, index, together):
        self.scenario = scenario
        self.index = index
        self.together = together
        self.pending = {}  # partition -> next offset, processed but not committed
        self.committed = {}  # partition -> highest offset this member committed
        self.refused = []  # commits refused by a rebalance: (partition, offset, error)
        self.errors = Errors()
        self.paused = False

    # -- what a client implements --------------------------------------

    def poll(self, timeout_s):
        """Up to MAX_BATCH records as (partition, offset, key, value, headers);
        errors the client returns with records go to self.errors."""
        raise NotImplementedError

    def commit(self, offsets):
        """Commit {partition: offset} synchronously; raise RebalanceConflict
        when the group refused it because of a rebalance."""
        raise NotImplementedError

    def pause(self, partitions):
        raise NotImplementedError

    def resume(self, partitions):
        raise NotImplementedError

    def assignment(self):
        raise NotImplementedError

    def close(self):
        raise NotImplementedError

    # -- rebalance callbacks -------------------------------------------

    def assigned(self, partitions):
        if not self.together.started.is_set():
            self.pause(partitions)  # until every member holds partitions
            self.paused = True
        elif partitions:
            self.resume(partitions)  # one paused before the start may come back later
        self.together.hold(self.index, partitions, True)
        log(f"member {self.index}: assigned {sorted(partitions)}" + (" (paused)" if self.paused else ""))

    def revoked(self, partitions):
        """Commit what was processed before another member takes the partitions."""
        log(f"member {self.index}: revoked {sorted(partitions)}")
        self.commit_pending()
        self.forget(partitions)

    def lost(self, partitions):
        """Partitions taken away without a chance to commit."""
        log(f"member {self.index}: lost {sorted(partitions)}")
        self.forget(partitions)

    def forget(self, partitions):
        for p in partitions:
            self.pending.pop(p, None)
        self.together.hold(self.index, partitions, False)

    # -- commits --------------------------------------------------------

    def commit_pending(self):
        offsets = dict(self.pending)
        if not offsets:
            return True
        try:
            self.commit(offsets)
        except Exception as e:
            self.commit_failed(offsets, e)
            return False
        self.commit_succeeded(offsets)
        return True

    def commit_succeeded(self, offsets):
        for p, o in offsets.items():
            if self.pending.get(p) == o:
                del self.pending[p]
            self.committed[p] = max(o, self.committed.get(p, -1))

    def commit_failed(self, offsets, e):
        if isinstance(e, RebalanceConflict):
            self.refused.extend((p, o, str(e)) for p, o in offsets.items())
        else:
            self.errors.add(f"commit: {describe_error(e)}")

    def refused_report(self):
        """The refused commits, and as errors those no later commit of this member carried."""
        report = []
        for p, o, error in self.refused:
            covered = self.committed.get(p, -1) >= o
            report.append({"partition": p, "offset": o, "error": error, "committedLater": covered})
            if not covered:
                self.errors.add(f"commit of partition {p} offset {o} refused ({error}) and not committed later")
        return report

    # -- the loop -------------------------------------------------------

    def consume(self, step, deadline, linger_s=0.0):
        """Poll until the members together have every record (then `linger_s`
        longer after the last one) or the deadline passes, reporting each record
        and committing after every poll."""
        last = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= deadline:
                self.errors.add(
                    f"timed out after {self.scenario.timeout_s:g} s with {self.together.count()} of "
                    f"{self.together.target} records"
                    + ("" if self.together.started.is_set() else ", before every member held partitions")
                )
                break
            if self.together.done.is_set() and now - last >= linger_s:
                break
            if self.paused and self.together.started.is_set():
                self.resume(self.assignment())
                self.paused = False
                log(f"member {self.index}: every member holds partitions, resumed")
            try:
                batch = self.poll(0.2)
            except Exception as e:
                self.errors.add(f"poll: {describe_error(e)}")
                time.sleep(0.2)
                continue
            for partition, offset, key, value, headers in batch:
                self.scenario.emit(
                    step,
                    member=self.index,
                    partition=partition,
                    offset=offset,
                    key=text(key),
                    value=text(value),
                    headers=[[name, text(v)] for name, v in headers or []],
                )
                self.pending[partition] = offset + 1
                self.together.received(partition, offset)
            if batch:
                last = time.monotonic()
                self.commit_pending()

    def finish(self):
        """Commit, wait for the other members to have committed too, close.
        Returns the partitions held last and the errors of commit and close."""
        errors = Errors()
        if not self.commit_pending() and self.pending:
            errors.add(f"final commit failed, offsets {self.pending} not committed")
        try:
            self.together.closing.wait(timeout=self.scenario.timeout_s)
        except threading.BrokenBarrierError:
            pass
        held = []
        try:
            held = sorted(self.assignment())
        except Exception as e:
            errors.add(f"assignment: {describe_error(e)}")
        try:
            self.close()
        except Exception as e:
            errors.add(f"close: {describe_error(e)}")
        return held, errors


def run_members(scenario, make_member, count, target, step, linger_s):
    """Run `count` members as threads; each returns (member, held, close errors)."""
    together = Together(count, target)
    deadline = scenario.deadline()
    results = [None] * count

    def body(index):
        member = None
        try:
            member = make_member(index, together)
            member.consume(step, deadline, linger_s)
            held, errors = member.finish()
            results[index] = (member, held, errors)
        except Exception as e:
            log(traceback.format_exc())
            together.closing.abort()
            errors = Errors()
            errors.add(describe_error(e))
            results[index] = (member, [], errors)

    threads = [threading.Thread(target=body, args=(i,), name=f"member-{i}") for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def member_errors(member, extra):
    errors = Errors()
    refused = []
    if member is not None:
        refused = member.refused_report()
        for m in member.errors.report():
            errors.add(m)
    for m in extra.report():
        errors.add(m)
    return errors.report(), refused


def run(scenario, client):
    """The steps in order. `client` provides: name, version(), library() (or None),
    create_topic(), produce(codec, indexes) -> (acked, Errors), make_member(index, together),
    describe() -> dict."""
    s = scenario
    version = {"client": client.name, "version": client.version()}
    library = client.library()
    if library:
        version["library"] = library
    s.emit("version", **version)

    try:
        client.create_topic()
        s.emit("create-topic", ok=True)
    except Exception as e:
        log(traceback.format_exc())
        s.emit("create-topic", ok=False, error=describe_error(e))

    for codec in s.compressions:
        started = time.monotonic()
        try:
            acked, errors = client.produce(codec, range(s.records))
        except Exception as e:
            log(traceback.format_exc())
            acked, errors = 0, Errors()
            errors.add(describe_error(e))
        log(f"produce {codec}: {acked} acked in {time.monotonic() - started:.2f} s")
        s.emit("produce", compression=codec, acked=acked, errors=errors.report())

    started = time.monotonic()
    target = s.records * len(s.compressions)
    results = run_members(s, client.make_member, 2, target, "consume", 0.0)
    log(f"consume: {target} records in {time.monotonic() - started:.2f} s")
    commit_errors = Errors()
    for index, (member, held, close_errors) in enumerate(results):
        errors, refused = member_errors(member, Errors())
        s.emit("consume-done", member=index, assigned=held, errors=errors, refusedCommits=refused)
        for m in close_errors.report():
            commit_errors.add(f"member {index}: {m}")
    s.emit("commit", ok=not commit_errors, errors=commit_errors.report())

    try:
        acked, errors = client.produce("none", range(s.records, s.records + s.more))
        if errors or acked != s.more:
            log(f"resume: produced {acked} of {s.more}: {errors.report()}")
    except Exception as e:
        log(traceback.format_exc())
        errors = Errors()
        errors.add(f"produce: {describe_error(e)}")
    started = time.monotonic()
    [(member, _, close_errors)] = run_members(s, client.make_member, 1, s.more, "resume", RESUME_LINGER_S)
    log(f"resume: {s.more} records in {time.monotonic() - started:.2f} s")
    resume_errors, refused = member_errors(member, close_errors)
    s.emit("resume-done", errors=errors.report() + resume_errors, refusedCommits=refused)

    try:
        s.emit("describe", **client.describe())
    except Exception as e:
        log(traceback.format_exc())
        s.emit("describe", error=describe_error(e))

    exactly_once(s, client)


def exactly_once(s, client):
    """The exactly-once step. `client` provides transact(), which initialises a transactional
    producer, produces the "aborted" records in a transaction it aborts once they are written
    and the "committed" ones in one it commits (raising on failure, every call bounded by
    the step's timeout), and read_committed(), a reader of every partition of the topic from
    the beginning with poll(timeout_s) and close() as a Member's; or no_transactions, why not."""
    why = getattr(client, "no_transactions", None)
    if why is not None:
        s.emit("exactly-once", skipped=why)
        return
    errors = Errors()
    started = time.monotonic()

    def transact():
        try:
            client.transact()
        except Exception as e:
            log(traceback.format_exc())
            errors.add(f"transactions: {describe_error(e)}")

    # Not every call takes a timeout (kafka-python's commit_transaction waits as long as it takes):
    # the thread is left behind when it outlasts the step.
    thread = threading.Thread(target=transact, name="transactions", daemon=True)
    thread.start()
    thread.join(s.timeout_s)
    if thread.is_alive():
        errors.add(f"transactions: timed out after {s.timeout_s:g} s")
    log(f"exactly-once: transactions in {time.monotonic() - started:.2f} s")
    if not errors:
        started = time.monotonic()
        deadline = s.deadline()
        received = 0
        reader = None
        try:
            reader = client.read_committed()
            while received < s.transaction_records:
                if time.monotonic() >= deadline:
                    errors.add(f"read_committed: timed out with {received} of {s.transaction_records} records")
                    break
                for partition, offset, key, value, headers in reader.poll(0.2):
                    s.emit(
                        "exactly-once",
                        partition=partition,
                        offset=offset,
                        key=text(key),
                        value=text(value),
                        headers=[[name, text(v)] for name, v in headers or []],
                    )
                    received += 1
        except Exception as e:
            log(traceback.format_exc())
            errors.add(f"read_committed: {describe_error(e)}")
        finally:
            if reader is not None:
                try:
                    reader.close()
                except Exception as e:
                    errors.add(f"read_committed close: {describe_error(e)}")
        log(f"exactly-once: read in {time.monotonic() - started:.2f} s")
    s.emit("exactly-once-done", errors=errors.report())
