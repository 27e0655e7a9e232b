"""librdkafka transactions for test/transactions/transactions-librdkafka.test.ts (confluent-kafka).

Usage: transactions.py <mode> <json>. Writes newline-delimited JSON events on
stdout, `done` last (or `error`, exit code 1).

produce {bootstrap, topic, transactional_id, transaction_timeout_ms?,
         transactions: [{keys: [...], partition?, end: commit|abort|abandon}]}
    init_transactions, then per transaction begin_transaction, produce the
    keys (value = key), flush and commit_transaction or abort_transaction.
    `abandon` leaves the transaction open and ends the process at once
    (os._exit, right after the `done` event), as a crash would.

consume {bootstrap, topic, isolation, idle_ms?, stall_ms?}
    Every record of every partition from the beginning, as [partition,
    offset, key], until each partition reported its end and nothing came for
    idle_ms, or nothing came for stall_ms (a read_committed reader held back
    by an open transaction).
"""

import json
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition, libversion


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def produce(args):
    failures = []

    def delivered(err, msg):
        if err is not None:
            failures.append(f"{msg.key().decode()}: {err}")

    producer = Producer(
        {
            "bootstrap.servers": args["bootstrap"],
            "transactional.id": args["transactional_id"],
            "transaction.timeout.ms": args.get("transaction_timeout_ms", 60000),
            "linger.ms": 5,
        }
    )
    producer.init_transactions(30)
    emit("initialized")
    ended = {"commit": 0, "abort": 0}
    for txn in args["transactions"]:
        producer.begin_transaction()
        for key in txn["keys"]:
            extra = {"partition": txn["partition"]} if "partition" in txn else {}
            producer.produce(args["topic"], key=key.encode(), value=key.encode(), on_delivery=delivered, **extra)
        producer.flush(30)
        if failures:
            raise RuntimeError(f"deliveries failed: {failures[:5]}")
        end = txn["end"]
        if end == "abandon":
            emit("done", committed=ended["commit"], aborted=ended["abort"], abandoned=len(txn["keys"]))
            os._exit(0)
        if end == "commit":
            producer.commit_transaction(30)
        else:
            producer.abort_transaction(30)
        ended[end] += 1
        emit("ended", end=end, keys=len(txn["keys"]))
    version = libversion()
    emit(
        "done",
        committed=ended["commit"],
        aborted=ended["abort"],
        libversion=version[0] if isinstance(version, tuple) else version,
    )


def consume(args):
    consumer = Consumer(
        {
            "bootstrap.servers": args["bootstrap"],
            "group.id": f"reader-{os.getpid()}",
            "isolation.level": args["isolation"],
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "auto.offset.reset": "earliest",
        }
    )
    topic = args["topic"]
    metadata = consumer.list_topics(topic, timeout=20)
    partitions = sorted(metadata.topics[topic].partitions)
    if not partitions:
        raise RuntimeError(f"{topic} has no partitions")
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    eof = {p: False for p in partitions}
    records = []
    idle_ms = args.get("idle_ms", 1500)
    stall_ms = args.get("stall_ms", 6000)
    last = time.monotonic()
    while True:
        msg = consumer.poll(0.2)
        now = time.monotonic()
        if msg is None:
            idle = (now - last) * 1000
            if (all(eof.values()) and idle >= idle_ms) or idle >= stall_ms:
                break
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                eof[msg.partition()] = True
                continue
            raise RuntimeError(str(msg.error()))
        eof[msg.partition()] = False
        last = now
        records.append([msg.partition(), msg.offset(), msg.key().decode() if msg.key() is not None else None])
    consumer.close()
    emit("done", records=records, eof=all(eof.values()))


def main():
    mode, args = sys.argv[1], json.loads(sys.argv[2])
    try:
        {"produce": produce, "consume": consume}[mode](args)
    except Exception as e:  # noqa: BLE001 - reported to the test, which fails with it
        emit("error", error=f"{type(e).__name__}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
