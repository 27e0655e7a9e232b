"""The client scenario (test/clients/SCENARIO.md) with kafka-python.

Usage: main.py '<json>'

kafka-python chooses its API versions itself (api_version unset: it asks the
broker with ApiVersions); the broker version it infers from them is logged to stderr.
"""

import sys
import time
from pathlib import Path

import kafka
import kafka.errors as Errors
from kafka import AsyncConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python-common"))
import scenario as sc  # noqa: E402

# Commit errors that mean a rebalance superseded the member's generation.
REBALANCE_CONFLICTS = (
    Errors.CommitFailedError,
    Errors.IllegalGenerationError,
    Errors.UnknownMemberIdError,
    Errors.RebalanceInProgressError,
)

COMPRESSION = {"none": None, "gzip": "gzip", "snappy": "snappy", "lz4": "lz4", "zstd": "zstd"}


class Listener(AsyncConsumerRebalanceListener):
    """kafka-python runs rebalance listeners on its IO thread, where a blocking
    commit() is refused; the async listener awaits an asynchronous commit instead."""

    def __init__(self, member):
        self.member = member

    async def on_partitions_revoked(self, revoked):
        m = self.member
        sc.log(f"member {m.index}: revoked {sorted(tp.partition for tp in revoked)}")
        offsets = dict(m.pending)
        if offsets:
            try:
                await m.consumer.commit_async(m.offsets(offsets))
            except Exception as e:
                m.commit_failed(offsets, as_conflict(e))
            else:
                m.commit_succeeded(offsets)
        m.forget([tp.partition for tp in revoked])

    async def on_partitions_assigned(self, assigned):
        self.member.assigned([tp.partition for tp in assigned])

    async def on_partitions_lost(self, lost):
        self.member.lost([tp.partition for tp in lost])


def as_conflict(e):
    return sc.RebalanceConflict(sc.describe_error(e)) if isinstance(e, REBALANCE_CONFLICTS) else e


class KafkaPythonMember(sc.Member):
    def __init__(self, scenario, index, together):
        super().__init__(scenario, index, together)
        self.consumer = KafkaConsumer(
            bootstrap_servers=scenario.bootstrap,
            group_id=scenario.group,
            client_id=f"scenario-member-{index}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=sc.MAX_BATCH,
        )
        self.consumer.subscribe([scenario.topic], listener=Listener(self))
        # Learn the topic's partitions before the first poll. Otherwise the group leader's first
        # assignment is empty (its metadata lacks the topic yet), and the rejoin that follows the
        # metadata update is one kafka-python 3.0.12 can lose: when that JoinGroup/SyncGroup
        # completes while no poll() is waiting for it, the member never takes its assignment nor
        # heartbeats again, and the group evicts it after session.timeout.ms.
        self.consumer.partitions_for_topic(scenario.topic)

    def offsets(self, offsets):
        return {TopicPartition(self.scenario.topic, p): OffsetAndMetadata(o, "", -1) for p, o in offsets.items()}

    def poll(self, timeout_s):
        polled = self.consumer.poll(timeout_ms=int(timeout_s * 1000))
        return [
            (r.partition, r.offset, r.key, r.value, r.headers)
            for records in polled.values()
            for r in records
        ]

    def commit(self, offsets):
        try:
            self.consumer.commit(self.offsets(offsets))
        except REBALANCE_CONFLICTS as e:
            raise as_conflict(e) from e

    def pause(self, partitions):
        self.consumer.pause(*(TopicPartition(self.scenario.topic, p) for p in partitions))

    def resume(self, partitions):
        self.consumer.resume(*(TopicPartition(self.scenario.topic, p) for p in partitions))

    def assignment(self):
        return [tp.partition for tp in self.consumer.assignment()]

    def close(self):
        self.consumer.close()  # revokes (the listener commits what is pending) and leaves the group


class KafkaPythonReader:
    """Every partition of the transactional topic from the beginning, read_committed, assigned (no group)."""

    def __init__(self, scenario):
        self.consumer = KafkaConsumer(
            bootstrap_servers=scenario.bootstrap,
            client_id="scenario-read-committed",
            isolation_level="read_committed",
            enable_auto_commit=False,
            max_poll_records=sc.MAX_BATCH,
        )
        partitions = [TopicPartition(scenario.transactional_topic, p) for p in range(6)]
        self.consumer.assign(partitions)
        self.consumer.seek_to_beginning(*partitions)

    def poll(self, timeout_s):
        polled = self.consumer.poll(timeout_ms=int(timeout_s * 1000))
        return [(r.partition, r.offset, r.key, r.value, r.headers) for records in polled.values() for r in records]

    def close(self):
        self.consumer.close()


class KafkaPython:
    name = "kafka-python"

    def __init__(self, scenario):
        self.s = scenario
        self.logged_version = False
        self.admin = KafkaAdminClient(
            bootstrap_servers=scenario.bootstrap, request_timeout_ms=int(scenario.timeout_s * 1000)
        )

    def version(self):
        return kafka.__version__

    def library(self):
        return None

    def create_topic(self):
        s = self.s
        self.admin.create_topics(
            {s.topic: {"num_partitions": 6, "replication_factor": 1}}, timeout_ms=int(s.timeout_s * 1000)
        )
        deadline = s.deadline()
        while True:
            topics = {t["name"]: t for t in self.admin.describe_topics([s.topic])}
            topic = topics.get(s.topic)
            if topic is not None and topic["error_code"] == 0 and len(topic["partitions"]) == 6:
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"metadata shows {topic and len(topic['partitions'])} partitions, not 6")
            time.sleep(0.1)

    def produce(self, codec, indexes):
        s = self.s
        producer = KafkaProducer(bootstrap_servers=s.bootstrap, acks="all", compression_type=COMPRESSION[codec])
        if not self.logged_version:
            sc.log(f"kafka-python takes the broker for version {producer.config['api_version']}")
            self.logged_version = True
        futures = []
        for i in indexes:
            key, value, headers = s.record(codec, i)
            futures.append(producer.send(s.topic, key=key, value=value, headers=headers))
        errors = sc.Errors()
        try:
            producer.flush(timeout=s.timeout_s)
        except Errors.KafkaTimeoutError as e:
            errors.add(f"flush: {sc.describe_error(e)}")
        acked = 0
        for f in futures:
            if not f.is_done:
                errors.add(f"not acknowledged within {s.timeout_s:g} s")
            elif f.succeeded():
                acked += 1
            else:
                errors.add(f"send: {sc.describe_error(f.exception)}")
        producer.close(timeout=s.timeout_s)
        return acked, errors

    def make_member(self, index, together):
        return KafkaPythonMember(self.s, index, together)

    def transact(self):
        s = self.s
        producer = KafkaProducer(
            bootstrap_servers=s.bootstrap,
            transactional_id=s.transactional_id,
            acks="all",
            max_block_ms=int(s.timeout_s * 1000),
        )
        try:
            producer.init_transactions()
            for outcome in ("aborted", "committed"):
                producer.begin_transaction()
                futures = []
                for i in range(s.transaction_records):
                    key, value, headers = s.record(outcome, i)
                    futures.append(producer.send(s.transactional_topic, key=key, value=value, headers=headers))
                # Flush so that the aborted records reach the log before the abort.
                producer.flush(timeout=s.timeout_s)
                failed = [f.exception for f in futures if not f.is_done or f.failed()]
                if failed:
                    raise RuntimeError(f"{outcome}: {len(failed)} records not acknowledged ({failed[0]!r})")
                if outcome == "aborted":
                    producer.abort_transaction()
                else:
                    producer.commit_transaction()
        finally:
            producer.close(timeout=s.timeout_s)

    def read_committed(self):
        return KafkaPythonReader(self.s)

    def describe(self):
        s = self.s
        group = self.admin.describe_groups([s.group])[s.group]
        if group["error"]:
            raise RuntimeError(group["error"])
        committed = self.admin.list_group_offsets(s.group)[s.group]
        return {
            "state": group["group_state"],
            "protocolType": group["protocol_type"],
            "members": len(group["members"]),
            "offsets": {str(tp.partition): om.offset for tp, om in committed.items() if tp.topic == s.topic},
        }


def main():
    s = sc.Scenario(sys.argv)
    sc.run(s, KafkaPython(s))


if __name__ == "__main__":
    main()
