package dev.kafkaless.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The client scenario (test/clients/SCENARIO.md) with Kafka's Java clients: AdminClient, KafkaProducer
 * (acks=all) and two KafkaConsumer members in two threads (commitSync after each poll).
 *
 * <p>System properties: {@code scenario.client}, the name to report; {@code scenario.groupProtocol},
 * {@code classic} (default) or {@code consumer} (KIP-848).
 *
 * <p>Until both members hold partitions, a member pauses what it is assigned: otherwise the first member
 * to join could drain the topic before the second one's join completes, and the scenario needs both
 * members to take part. Commits that race a rebalance (RebalanceInProgressException,
 * CommitFailedException) keep their offsets pending for the next commit or the revocation callback, as
 * Kafka's consumer documentation advises; they are logged on stderr, not reported as errors.
 */
public final class Scenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream OUT =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    private static final int PARTITIONS = 6;
    private static final int MAX_ERRORS = 10;
    /** How long the resume member keeps polling after its last expected record, to see anything extra. */
    private static final long RESUME_LINGER_MS = 3_000;

    private final String client = System.getProperty("scenario.client", "java");
    private final String groupProtocol = System.getProperty("scenario.groupProtocol", "classic");
    private final String bootstrap;
    private final String topic;
    private final String group;
    private final int records;
    private final int more;
    private final List<String> compressions = new ArrayList<>();
    private final long timeoutMs;
    private final String transactionalTopic;
    private final String transactionalId;
    private final int transactionRecords;

    private Scenario(JsonNode args) {
        bootstrap = args.path("bootstrap").asText();
        topic = args.path("topic").asText();
        group = args.path("group").asText();
        records = args.path("records").asInt(5000);
        more = args.path("more").asInt(100);
        args.path("compressions").forEach(c -> compressions.add(c.asText()));
        timeoutMs = args.path("timeoutMs").asLong(60_000);
        transactionalTopic = args.path("transactionalTopic").asText();
        transactionalId = args.path("transactionalId").asText();
        transactionRecords = args.path("transactionRecords").asInt(100);
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length != 1) {
            System.err.println("usage: Scenario '<json>'");
            System.exit(2);
        }
        new Scenario(JSON.readTree(argv[0])).run();
        OUT.flush();
        // Client threads that outlive close() must not hold the process.
        System.exit(0);
    }

    private void run() {
        ObjectNode version = step("version");
        version.put("client", client);
        version.put("version", AppInfoParser.getVersion());
        emit(version);
        createTopic();
        for (String compression : compressions) produce(compression);
        List<String> commitErrors = consume();
        ObjectNode commit = step("commit");
        commit.put("ok", commitErrors.isEmpty());
        commit.set("errors", strings(commitErrors));
        emit(commit);
        resume();
        describe();
        exactlyOnce();
    }

    // ---------------------------------------------------------------- output

    private static synchronized void emit(ObjectNode line) {
        OUT.println(line.toString());
        OUT.flush();
    }

    private static ObjectNode step(String name) {
        return JSON.createObjectNode().put("step", name);
    }

    private static ArrayNode strings(Collection<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.stream().limit(MAX_ERRORS).forEach(array::add);
        return array;
    }

    private static String describe(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.ExecutionException && error.getCause() != null
            ? error.getCause() : error;
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    // ---------------------------------------------------------------- records

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String codec, int i) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("index", utf8(Integer.toString(i)));
        headers.add("codec", utf8(codec));
        String value = "value-" + codec + "-" + i + "-" + "x".repeat(i % 100);
        return new ProducerRecord<>(topic, null, null, utf8(codec + "-" + i), utf8(value), headers);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- steps

    private Properties common() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return props;
    }

    private Admin admin() {
        Properties props = common();
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, client + "-admin");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        // The admin client refuses a default.api.timeout.ms below request.timeout.ms (30 s by default).
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(timeoutMs, 30_000)));
        return Admin.create(props);
    }

    private void createTopic() {
        ObjectNode out = step("create-topic");
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all()
                .get(timeoutMs, TimeUnit.MILLISECONDS);
            long deadline = System.currentTimeMillis() + timeoutMs;
            int seen = 0;
            while (System.currentTimeMillis() < deadline) {
                try {
                    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(timeoutMs, TimeUnit.MILLISECONDS).get(topic);
                    seen = d.partitions().size();
                    if (seen == PARTITIONS) break;
                } catch (java.util.concurrent.ExecutionException e) {
                    // Not visible yet: metadata propagates asynchronously.
                }
                Thread.sleep(100);
            }
            if (seen == PARTITIONS) {
                out.put("ok", true);
            } else {
                out.put("ok", false);
                out.put("error", "metadata shows " + seen + " partitions, not " + PARTITIONS);
            }
        } catch (Exception e) {
            out.put("ok", false);
            out.put("error", describe(e));
        }
        emit(out);
    }

    private KafkaProducer<byte[], byte[]> producer(String compression) {
        Properties props = common();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, client + "-producer-" + compression);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeoutMs));
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends `count` records of `codec` from index `first` and waits for every acknowledgement. */
    private int sendAll(String compression, String codec, int first, int count, Set<String> errors) {
        AtomicInteger acked = new AtomicInteger();
        try (KafkaProducer<byte[], byte[]> producer = producer(compression)) {
            for (int i = first; i < first + count; i++) {
                producer.send(record(topic, codec, i), (metadata, error) -> {
                    if (error == null) {
                        acked.incrementAndGet();
                    } else {
                        synchronized (errors) {
                            errors.add(describe(error));
                        }
                    }
                });
            }
            producer.flush();
        } catch (Exception e) {
            synchronized (errors) {
                errors.add(describe(e));
            }
        }
        return acked.get();
    }

    private void produce(String compression) {
        Set<String> errors = new LinkedHashSet<>();
        int acked = sendAll(compression, compression, 0, records, errors);
        ObjectNode out = step("produce");
        out.put("compression", compression);
        out.put("acked", acked);
        out.set("errors", strings(errors));
        emit(out);
    }

    private Properties consumerProps(int member) {
        Properties props = common();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, client + "-member-" + member);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
        // The classic protocol learns of a rebalance on the next heartbeat; KIP-848 sets the interval on the broker.
        if (groupProtocol.equals("classic")) props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        return props;
    }

    /** Runs both members to the end; returns the errors of their final commits and closes. */
    private List<String> consume() {
        int target = records * compressions.size();
        AtomicInteger total = new AtomicInteger();
        AtomicIntegerArray held = new AtomicIntegerArray(2);
        AtomicBoolean formed = new AtomicBoolean(false);
        long deadline = System.currentTimeMillis() + timeoutMs;
        long formDeadline = System.currentTimeMillis() + Math.min(timeoutMs / 2, 30_000);
        List<Member> members = List.of(
            new Member(0, "consume", total, target, deadline, held, formed, formDeadline),
            new Member(1, "consume", total, target, deadline, held, formed, formDeadline));
        List<Thread> threads = new ArrayList<>();
        for (Member m : members) {
            Thread t = new Thread(m, "member-" + m.id);
            threads.add(t);
            t.start();
        }
        List<String> commitErrors = new ArrayList<>();
        for (int i = 0; i < threads.size(); i++) {
            try {
                threads.get(i).join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Member m = members.get(i);
            ObjectNode done = step("consume-done");
            done.put("member", m.id);
            ArrayNode assigned = done.putArray("assigned");
            m.lastAssigned.forEach(assigned::add);
            done.set("errors", strings(m.errors));
            emit(done);
            commitErrors.addAll(m.closeErrors);
        }
        return commitErrors;
    }

    private void resume() {
        Set<String> errors = new LinkedHashSet<>();
        int acked = sendAll("none", "none", records, more, errors);
        if (acked != more) errors.add("produced " + acked + " of " + more + " records");
        AtomicIntegerArray held = new AtomicIntegerArray(1);
        Member m = new Member(0, "resume", new AtomicInteger(), more, System.currentTimeMillis() + timeoutMs,
            held, new AtomicBoolean(true), 0);
        m.run();
        errors.addAll(m.errors);
        errors.addAll(m.closeErrors);
        ObjectNode out = step("resume-done");
        out.set("errors", strings(errors));
        emit(out);
    }

    private void describe() {
        ObjectNode out = step("describe");
        try (Admin admin = admin()) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                .get(timeoutMs, TimeUnit.MILLISECONDS);
            @SuppressWarnings("deprecation")
            String state = d.state().toString();
            out.put("state", state);
            // The admin client only describes groups of protocol type "consumer", or "" for simple groups.
            out.put("protocolType", d.isSimpleConsumerGroup() ? "" : "consumer");
            out.put("members", d.members().size());
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<Integer, Long> offsets = new TreeMap<>();
            committed.forEach((tp, om) -> {
                if (tp.topic().equals(topic) && om != null) offsets.put(tp.partition(), om.offset());
            });
            ObjectNode o = out.putObject("offsets");
            offsets.forEach((p, offset) -> o.put(Integer.toString(p), offset));
        } catch (Exception e) {
            out.put("error", describe(e));
        }
        emit(out);
    }

    /**
     * Aborts a transaction of the `aborted` records, commits one of the `committed` records, then reads the
     * topic from the beginning with read_committed (assigned partitions, no group).
     */
    private void exactlyOnce() {
        Set<String> errors = new LinkedHashSet<>();
        Properties props = common();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, client + "-transactional");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeoutMs));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        // delivery.timeout.ms must be at least linger.ms + request.timeout.ms.
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(timeoutMs / 2, 30_000)));
        boolean produced = false;
        try (KafkaProducer<byte[], byte[]> producer =
                 new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            for (String outcome : List.of("aborted", "committed")) {
                producer.beginTransaction();
                for (int i = 0; i < transactionRecords; i++) {
                    producer.send(record(transactionalTopic, outcome, i), (metadata, error) -> {
                        if (error != null) {
                            synchronized (errors) {
                                errors.add("send " + outcome + ": " + describe(error));
                            }
                        }
                    });
                }
                // abortTransaction drops what is still unsent: flush so that the aborted records reach the log.
                producer.flush();
                if (outcome.equals("aborted")) producer.abortTransaction();
                else producer.commitTransaction();
            }
            produced = true;
        } catch (Exception e) {
            synchronized (errors) {
                errors.add("transactional producer: " + describe(e));
            }
        }
        if (produced) readCommitted(errors);
        ObjectNode out = step("exactly-once-done");
        synchronized (errors) {
            out.set("errors", strings(errors));
        }
        emit(out);
    }

    private void readCommitted(Set<String> errors) {
        Properties props = common();
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, client + "-read-committed");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer =
                 new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) partitions.add(new TopicPartition(transactionalTopic, p));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + timeoutMs;
            int received = 0;
            while (received < transactionRecords && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ObjectNode out = step("exactly-once");
                    out.put("partition", r.partition());
                    out.put("offset", r.offset());
                    out.put("key", text(r.key()));
                    out.put("value", text(r.value()));
                    ArrayNode headers = out.putArray("headers");
                    for (Header h : r.headers()) headers.addArray().add(h.key()).add(text(h.value()));
                    emit(out);
                    received++;
                }
            }
            if (received < transactionRecords) {
                errors.add("read_committed: timed out with " + received + " of " + transactionRecords + " records");
            }
        } catch (Exception e) {
            errors.add("read_committed: " + describe(e));
        }
    }

    /** One group member: polls, reports each record, commits after each poll, then commits and closes. */
    private final class Member implements Runnable {
        final int id;
        final String stepName;
        final AtomicInteger total;
        final int target;
        final long deadline;
        final AtomicIntegerArray held;
        final AtomicBoolean formed;
        final long formDeadline;
        final Set<String> errors = new LinkedHashSet<>();
        final List<String> closeErrors = new ArrayList<>();
        List<Integer> lastAssigned = List.of();
        private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
        private KafkaConsumer<byte[], byte[]> consumer;

        Member(int id, String stepName, AtomicInteger total, int target, long deadline, AtomicIntegerArray held,
               AtomicBoolean formed, long formDeadline) {
            this.id = id;
            this.stepName = stepName;
            this.total = total;
            this.target = target;
            this.deadline = deadline;
            this.held = held;
            this.formed = formed;
            this.formDeadline = formDeadline;
        }

        private boolean everyMemberHolds() {
            for (int i = 0; i < held.length(); i++) if (held.get(i) == 0) return false;
            return true;
        }

        private boolean groupFormed() {
            if (!formed.get() && (everyMemberHolds() || System.currentTimeMillis() > formDeadline)) formed.set(true);
            return formed.get();
        }

        @Override
        public void run() {
            try {
                consumer = new KafkaConsumer<>(consumerProps(id), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            } catch (Exception e) {
                errors.add(describe(e));
                closeErrors.add("member " + id + " did not start: " + describe(e));
                return;
            }
            long lastRecordAt = -1;
            try {
                consumer.subscribe(List.of(topic), new Listener());
                while (System.currentTimeMillis() < deadline) {
                    boolean reached = total.get() >= target;
                    // The resume member lingers after its last expected record to see anything extra.
                    if (reached && (stepName.equals("consume") || System.currentTimeMillis() - lastRecordAt >= RESUME_LINGER_MS)) {
                        break;
                    }
                    if (groupFormed() && !consumer.paused().isEmpty()) consumer.resume(consumer.paused());
                    ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                    for (ConsumerRecord<byte[], byte[]> r : batch) report(r);
                    if (!batch.isEmpty()) {
                        lastRecordAt = System.currentTimeMillis();
                        total.addAndGet(batch.count());
                        commit(errors);
                    }
                }
                lastAssigned = consumer.assignment().stream().map(TopicPartition::partition).sorted().toList();
                commit(closeErrors);
            } catch (Exception e) {
                errors.add(describe(e));
            } finally {
                try {
                    consumer.close(Duration.ofMillis(timeoutMs));
                } catch (Exception e) {
                    closeErrors.add("close: " + describe(e));
                }
            }
            if (!pending.isEmpty()) closeErrors.add("offsets left uncommitted: " + pending);
        }

        private void report(ConsumerRecord<byte[], byte[]> r) {
            ObjectNode out = step(stepName);
            out.put("member", id);
            out.put("partition", r.partition());
            out.put("offset", r.offset());
            out.put("key", text(r.key()));
            out.put("value", text(r.value()));
            ArrayNode headers = out.putArray("headers");
            for (Header h : r.headers()) headers.addArray().add(h.key()).add(text(h.value()));
            emit(out);
            pending.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }

        /** Commits what was processed; a commit racing a rebalance keeps its offsets for the next one. */
        private void commit(Collection<String> errorsTo) {
            if (pending.isEmpty()) return;
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(pending);
            try {
                consumer.commitSync(offsets, Duration.ofMillis(timeoutMs));
                offsets.forEach(pending::remove);
            } catch (RebalanceInProgressException | CommitFailedException e) {
                System.err.println("member " + id + ": commit raced a rebalance, kept for the next commit: " + describe(e));
            } catch (Exception e) {
                errorsTo.add("commit: " + describe(e));
            }
        }

        private final class Listener implements ConsumerRebalanceListener {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                commit(errors);
                held.set(id, Math.max(0, consumer.assignment().size() - partitions.size()));
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                partitions.forEach(pending::remove);
                held.set(id, Math.max(0, consumer.assignment().size() - partitions.size()));
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                held.set(id, consumer.assignment().size());
                if (!groupFormed()) consumer.pause(partitions);
            }
        }
    }
}
