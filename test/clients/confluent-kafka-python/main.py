"""The client scenario (test/clients/SCENARIO.md) with confluent-kafka-python (librdkafka).

Usage: main.py '<json>'
"""

import sys
import time
from pathlib import Path

from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    OFFSET_BEGINNING,
    Producer,
    TopicPartition,
    libversion,
    version,
)
from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python-common"))
import scenario as sc  # noqa: E402

# Commit errors that mean a rebalance superseded the member's generation.
REBALANCE_CONFLICTS = {
    KafkaError.ILLEGAL_GENERATION,
    KafkaError.UNKNOWN_MEMBER_ID,
    KafkaError.REBALANCE_IN_PROGRESS,
}


def as_string(version_info):
    """version() and libversion() are documented as (string, int) pairs; 2.12.0 returns the string alone."""
    return version_info if isinstance(version_info, str) else version_info[0]


class ConfluentMember(sc.Member):
    def __init__(self, scenario, index, together):
        super().__init__(scenario, index, together)
        self.consumer = Consumer(
            {
                "bootstrap.servers": scenario.bootstrap,
                "group.id": scenario.group,
                "client.id": f"scenario-member-{index}",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            }
        )
        self.consumer.subscribe(
            [scenario.topic], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )

    # librdkafka runs these from within consume(), on the member's thread.
    # The default assignors (range, roundrobin) are eager: each assignment replaces the last.
    def _on_assign(self, consumer, partitions):
        consumer.assign(partitions)  # assigned here, so that they can be paused before any fetch
        self.assigned([p.partition for p in partitions])

    def _on_revoke(self, consumer, partitions):
        self.revoked([p.partition for p in partitions])

    def _on_lost(self, consumer, partitions):
        self.lost([p.partition for p in partitions])

    def _partitions(self, partitions):
        return [TopicPartition(self.scenario.topic, p) for p in partitions]

    def poll(self, timeout_s):
        batch = []
        for m in self.consumer.consume(num_messages=sc.MAX_BATCH, timeout=timeout_s):
            if m.error():
                self.errors.add(f"consume: {m.error()}")
            else:
                batch.append((m.partition(), m.offset(), m.key(), m.value(), m.headers()))
        return batch

    def commit(self, offsets):
        wanted = [TopicPartition(self.scenario.topic, p, o) for p, o in offsets.items()]
        try:
            result = self.consumer.commit(offsets=wanted, asynchronous=False)
        except KafkaException as e:
            error = e.args[0]
            if error.code() in REBALANCE_CONFLICTS:
                raise sc.RebalanceConflict(error.str()) from e
            raise
        failed = [f"partition {tp.partition}: {tp.error}" for tp in result or [] if tp.error]
        if failed:
            raise RuntimeError("; ".join(failed))

    def pause(self, partitions):
        self.consumer.pause(self._partitions(partitions))

    def resume(self, partitions):
        self.consumer.resume(self._partitions(partitions))

    def assignment(self):
        return [p.partition for p in self.consumer.assignment()]

    def close(self):
        self.consumer.close()  # revokes (on_revoke commits what is pending) and leaves the group


class ConfluentReader:
    """Every partition of the transactional topic from the beginning, read_committed, assigned (no group)."""

    def __init__(self, scenario):
        self.consumer = Consumer(
            {
                "bootstrap.servers": scenario.bootstrap,
                "group.id": f"{scenario.group}-txn",  # required by the client, unused with assign()
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
            }
        )
        topic = scenario.transactional_topic
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(6)])

    def poll(self, timeout_s):
        batch = []
        for m in self.consumer.consume(num_messages=sc.MAX_BATCH, timeout=timeout_s):
            if m.error():
                raise KafkaException(m.error())
            batch.append((m.partition(), m.offset(), m.key(), m.value(), m.headers()))
        return batch

    def close(self):
        self.consumer.close()


class Confluent:
    name = "confluent-kafka-python"

    def __init__(self, scenario):
        self.s = scenario
        self.admin = AdminClient({"bootstrap.servers": scenario.bootstrap})

    def version(self):
        return as_string(version())

    def library(self):
        return f"librdkafka {as_string(libversion())}"

    def create_topic(self):
        s = self.s
        futures = self.admin.create_topics(
            [NewTopic(s.topic, num_partitions=6, replication_factor=1)], operation_timeout=s.timeout_s
        )
        futures[s.topic].result(timeout=s.timeout_s)
        deadline = s.deadline()
        while True:
            topic = self.admin.list_topics(topic=s.topic, timeout=s.timeout_s).topics.get(s.topic)
            if topic is not None and topic.error is None and len(topic.partitions) == 6:
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"metadata shows {topic and len(topic.partitions)} partitions, not 6")
            time.sleep(0.1)

    def produce(self, codec, indexes):
        s = self.s
        producer = Producer({"bootstrap.servers": s.bootstrap, "acks": "all", "compression.type": codec})
        errors = sc.Errors()
        acked = 0

        def delivered(err, msg):
            nonlocal acked
            if err is None:
                acked += 1
            else:
                errors.add(f"delivery: {err.str()}")

        for i in indexes:
            key, value, headers = s.record(codec, i)
            while True:
                try:
                    producer.produce(s.topic, key=key, value=value, headers=headers, on_delivery=delivered)
                    break
                except BufferError:  # the local queue is full: serve deliveries and retry
                    producer.poll(0.1)
        left = producer.flush(s.timeout_s)
        if left:
            errors.add(f"{left} records not acknowledged within {s.timeout_s:g} s")
        return acked, errors

    def make_member(self, index, together):
        return ConfluentMember(self.s, index, together)

    def transact(self):
        s = self.s
        producer = Producer({"bootstrap.servers": s.bootstrap, "transactional.id": s.transactional_id, "acks": "all"})
        failed = []

        def delivered(err, msg):
            if err is not None:
                failed.append(err.str())

        producer.init_transactions(s.timeout_s)
        for outcome in ("aborted", "committed"):
            producer.begin_transaction()
            for i in range(s.transaction_records):
                key, value, headers = s.record(outcome, i)
                producer.produce(s.transactional_topic, key=key, value=value, headers=headers, on_delivery=delivered)
            # abort_transaction purges what is still unsent: flush so that the aborted records reach the log.
            left = producer.flush(s.timeout_s)
            if left or failed:
                raise RuntimeError(f"{outcome}: {left} records not acknowledged; delivery errors {failed[:3]}")
            if outcome == "aborted":
                producer.abort_transaction(s.timeout_s)
            else:
                producer.commit_transaction(s.timeout_s)

    def read_committed(self):
        return ConfluentReader(self.s)

    def describe(self):
        s = self.s
        group = self.admin.describe_consumer_groups([s.group], request_timeout=s.timeout_s)[s.group]
        group = group.result(timeout=s.timeout_s)
        request = [ConsumerGroupTopicPartitions(s.group)]
        listed = self.admin.list_consumer_group_offsets(request, request_timeout=s.timeout_s)[s.group]
        listed = listed.result(timeout=s.timeout_s)
        return {
            "state": group.state.name,
            # librdkafka exposes the protocol type only as whether it is empty (a "simple" group).
            "protocolType": "" if group.is_simple_consumer_group else "consumer",
            "members": len(group.members),
            "offsets": {
                str(tp.partition): tp.offset
                for tp in listed.topic_partitions
                if tp.topic == s.topic and tp.offset >= 0
            },
        }


def main():
    s = sc.Scenario(sys.argv)
    sc.run(s, Confluent(s))


if __name__ == "__main__":
    main()
