"""One librdkafka consumer-group member (confluent-kafka) for integration tests.

Usage: group_consumer.py '<json>' where the JSON object holds
  bootstrap, topic, group  where to consume from, and as which group
  config                   extra librdkafka properties (e.g. partition.assignment.strategy)
  idle_ms                  stop once assigned and no record arrived for this long
  timeout_ms               stop after this long whatever happens
  process_ms               sleep this long after each batch (a slow member, so rebalances land mid-stream)
  max_batch                at most this many records a batch (default 100)

The member subscribes, processes each batch, then commits synchronously (and
commits again when partitions are revoked, as Kafka's consumer docs advise); it
stops on idle, on timeout, or when stdin says "stop" (or closes), and then
closes (which revokes its partitions and leaves the group).

Output, one JSON object per line on stdout:
  {"event": "assign" | "revoke" | "lost", "partitions": [...], "assignment": [...]}
      from the rebalance callbacks; "assignment" is the member's whole assignment
      afterwards (incremental for cooperative protocols, replaced for eager ones)
  {"event": "records", "keys": [...]}      a batch, printed once its commit returned
  {"event": "error", "error": "..."}       a consume or commit error
  {"event": "done", "keys": [...], "assignments": [[...], ...], "final": [...],
   "errors": [...], "conflicts": [...], "libversion": "..."}
      the last line: every key consumed, the assignment after each callback, the
      assignment when it stopped, errors, and commits refused because they raced
      a rebalance (see REBALANCE_CONFLICTS)
"""

import json
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, libversion

# A commit racing a rebalance: Kafka refuses it for a generation that has been
# superseded or whose assignment is not out yet. The offsets stay stored and a
# later commit (the next batch's, or the one on revocation) carries them.
REBALANCE_CONFLICTS = {KafkaError.ILLEGAL_GENERATION, KafkaError.REBALANCE_IN_PROGRESS}


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def main():
    args = json.loads(sys.argv[1])
    idle_s = args.get("idle_ms", 5000) / 1000
    deadline = time.monotonic() + args.get("timeout_ms", 120_000) / 1000
    process_s = args.get("process_ms", 0) / 1000
    max_batch = args.get("max_batch", 100)

    stop = threading.Event()

    def watch_stdin():
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()

    consumer = Consumer(
        {
            "bootstrap.servers": args["bootstrap"],
            "group.id": args["group"],
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            **args.get("config", {}),
        }
    )
    # librdkafka rebalances incrementally only when every configured assignor is cooperative.
    strategies = str(args.get("config", {}).get("partition.assignment.strategy", "range")).split(",")
    cooperative = all(s.strip() == "cooperative-sticky" for s in strategies)
    current = set()
    assignments = []
    keys = []
    errors = []
    conflicts = []

    def commit():
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as e:
            error = e.args[0]
            if error.code() == KafkaError._NO_OFFSET:
                return
            (conflicts if error.code() in REBALANCE_CONFLICTS else errors).append(f"commit: {error.str()}")
            emit({"event": "error", "error": f"commit: {error.str()}"})

    state = {"assigned_at": None}

    def on_change(event, partitions):
        nonlocal current
        if event == "revoke":
            # What was processed from the partitions going away is committed before another member takes them.
            commit()
        ids = {p.partition for p in partitions}
        if cooperative:
            current = current | ids if event == "assign" else current - ids
        else:
            current = ids if event == "assign" else set()
        assignments.append(sorted(current))
        if current and state["assigned_at"] is None:
            state["assigned_at"] = time.monotonic()
        emit({"event": event, "partitions": sorted(ids), "assignment": sorted(current)})

    consumer.subscribe(
        [args["topic"]],
        on_assign=lambda c, ps: on_change("assign", ps),
        on_revoke=lambda c, ps: on_change("revoke", ps),
        on_lost=lambda c, ps: on_change("lost", ps),
    )
    last = time.monotonic()
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            batch = consumer.consume(num_messages=max_batch, timeout=0.2)
            good = []
            for m in batch:
                if m.error():
                    errors.append(str(m.error()))
                    emit({"event": "error", "error": str(m.error())})
                else:
                    good.append(m.key().decode() if m.key() is not None else "")
            now = time.monotonic()
            if good:
                if process_s:
                    time.sleep(process_s)
                commit()
                keys.extend(good)
                emit({"event": "records", "keys": good})
                last = time.monotonic()
            elif state["assigned_at"] is not None and now - max(last, state["assigned_at"]) > idle_s:
                break
        final = sorted(p.partition for p in consumer.assignment())
    finally:
        consumer.close()
    emit(
        {
            "event": "done",
            "keys": keys,
            "assignments": assignments,
            "final": final,
            "errors": errors,
            "conflicts": conflicts,
            "libversion": librdkafka if isinstance(librdkafka := libversion(), str) else librdkafka[0],
        }
    )


if __name__ == "__main__":
    main()
