package dev.kafkaless.transactions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The Java side of the exactly-once tests (test/transactions/): one program, one mode per run, its
 * argument a JSON object; it writes newline-delimited JSON events on stdout and the clients' logs on
 * stderr. Every mode ends with a {@code done} event, or an {@code error} event and exit code 1.
 *
 * <ul>
 *   <li>{@code create-topics {bootstrap, topics: [{name, partitions}]}}
 *   <li>{@code seed {bootstrap, topic, partitions, count}}: records k&lt;i&gt;/v&lt;i&gt; to partition i % partitions.
 *   <li>{@code idempotent {bootstrap, topic, partitions, count, burst, pauseMs}}: the same numbering with an
 *       idempotent producer (acks=all, unbounded retries, five requests in flight), pausing after every
 *       burst; reports each record's acknowledged offset (or -1) and the producer's record retries.
 *   <li>{@code transform {bootstrap, input, output, group, transactionalId, instanceId, maxPollRecords,
 *       processMs, idleMs}}: consume-transform-produce, exactly once: a read_committed consumer (a static
 *       group member) and a transactional producer; each poll is one transaction holding the transformed
 *       records and the consumer's offsets (sendOffsetsToTransaction with its group metadata). It stops
 *       once it holds every partition of the input, has reached their ends and stayed idle for idleMs.
 *   <li>{@code read {bootstrap, topic, isolation}}: every record of the topic up to its end as the
 *       isolation level sees it (the last stable offset for read_committed), as [partition, offset, key,
 *       value], and the end offsets.
 *   <li>{@code group-offsets {bootstrap, group, topic}}: the group's committed offsets of the topic.
 * </ul>
 */
public final class Main {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream OUT =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);

    private Main() {}

    public static void main(String[] args) {
        try {
            if (args.length != 2) throw new IllegalArgumentException("usage: <mode> <json>");
            JsonNode request = JSON.readTree(args[1]);
            switch (args[0]) {
                case "create-topics" -> createTopics(request);
                case "seed" -> seed(request);
                case "idempotent" -> idempotent(request);
                case "transform" -> transform(request);
                case "read" -> read(request);
                case "group-offsets" -> groupOffsets(request);
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
            OUT.flush();
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            ObjectNode error = JSON.createObjectNode();
            error.put("event", "error");
            error.put("error", e.getClass().getName() + ": " + e.getMessage());
            Throwable cause = e.getCause();
            if (cause != null) error.put("cause", cause.getClass().getName() + ": " + cause.getMessage());
            emit(error);
            OUT.flush();
            System.exit(1);
        }
    }

    private static synchronized void emit(ObjectNode event) {
        try {
            OUT.println(JSON.writeValueAsString(event));
            OUT.flush();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode event(String name) {
        ObjectNode o = JSON.createObjectNode();
        o.put("event", name);
        return o;
    }

    private static Properties common(JsonNode request) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, request.path("bootstrap").asText());
        props.put("enable.metrics.push", "false");
        return props;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static void createTopics(JsonNode request) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (JsonNode t : request.path("topics")) {
            topics.add(new NewTopic(t.path("name").asText(), t.path("partitions").asInt(), (short) 1));
        }
        try (Admin admin = Admin.create(common(request))) {
            admin.createTopics(topics).all().get();
            // Every partition has a leader before anyone produces.
            long deadline = System.currentTimeMillis() + 30_000;
            for (NewTopic t : topics) {
                for (;;) {
                    var d = admin.describeTopics(List.of(t.name())).allTopicNames().get().get(t.name());
                    if (d.partitions().size() == t.numPartitions()
                        && d.partitions().stream().allMatch(p -> p.leader() != null)) break;
                    if (System.currentTimeMillis() > deadline) throw new IllegalStateException(t.name() + " has no leaders");
                    Thread.sleep(100);
                }
            }
        }
        emit(event("done"));
    }

    static void seed(JsonNode request) throws Exception {
        Properties props = common(request);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        String topic = request.path("topic").asText();
        int partitions = request.path("partitions").asInt();
        int count = request.path("count").asInt();
        try (KafkaProducer<byte[], byte[]> producer =
                 new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, i % partitions, bytes("k" + i), bytes("v" + i))));
            }
            for (var f : sent) f.get();
        }
        ObjectNode done = event("done");
        done.put("count", count);
        emit(done);
    }

    static void idempotent(JsonNode request) throws Exception {
        Properties props = common(request);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.RETRIES_CONFIG, String.valueOf(Integer.MAX_VALUE));
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "4096");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        String topic = request.path("topic").asText();
        int partitions = request.path("partitions").asInt();
        int count = request.path("count").asInt();
        int burst = request.path("burst").asInt(100);
        long pauseMs = request.path("pauseMs").asLong(0);
        AtomicLongArray offsets = new AtomicLongArray(count);
        AtomicInteger acked = new AtomicInteger();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, Long> retries = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer =
                 new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                final int n = i;
                offsets.set(n, -1);
                producer.send(new ProducerRecord<>(topic, n % partitions, bytes("k" + n), bytes("v" + n)), (m, e) -> {
                    if (e != null) {
                        if (errors.size() < 20) errors.add("k" + n + ": " + e);
                        return;
                    }
                    offsets.set(n, m.offset());
                    int a = acked.incrementAndGet();
                    if (a % 1000 == 0) {
                        ObjectNode progress = event("progress");
                        progress.put("acked", a);
                        emit(progress);
                    }
                });
                if (pauseMs > 0 && (i + 1) % burst == 0) Thread.sleep(pauseMs);
            }
            producer.flush();
            for (var m : producer.metrics().entrySet()) {
                if (m.getKey().group().equals("producer-metrics")
                    && (m.getKey().name().equals("record-retry-total") || m.getKey().name().equals("record-error-total"))) {
                    retries.put(m.getKey().name(), ((Number) m.getValue().metricValue()).longValue());
                }
            }
        }
        ObjectNode done = event("done");
        done.put("kafkaClients", AppInfoParser.getVersion());
        done.put("acked", acked.get());
        done.put("recordRetries", retries.getOrDefault("record-retry-total", -1L));
        done.put("recordErrors", retries.getOrDefault("record-error-total", -1L));
        ArrayNode o = done.putArray("offsets");
        for (int i = 0; i < count; i++) o.add(offsets.get(i));
        ArrayNode e = done.putArray("errors");
        errors.forEach(e::add);
        emit(done);
    }

    static void transform(JsonNode request) throws Exception {
        String bootstrap = request.path("bootstrap").asText();
        String input = request.path("input").asText();
        String output = request.path("output").asText();
        long processMs = request.path("processMs").asLong(0);
        long idleMs = request.path("idleMs").asLong(3000);
        String incarnation = request.path("incarnation").asText("0");

        Properties cprops = common(request);
        cprops.put(ConsumerConfig.GROUP_ID_CONFIG, request.path("group").asText());
        cprops.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, request.path("instanceId").asText());
        cprops.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cprops.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        cprops.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cprops.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(request.path("maxPollRecords").asInt(100)));
        // A static member killed and not restarted leaves the group after this long.
        cprops.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        cprops.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");

        Properties pprops = common(request);
        pprops.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, request.path("transactionalId").asText());
        pprops.put(ProducerConfig.ACKS_CONFIG, "all");
        pprops.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        pprops.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "20000");
        pprops.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        pprops.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        pprops.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");

        int transactions = 0;
        int processed = 0;
        try (KafkaProducer<byte[], byte[]> producer =
                 new KafkaProducer<>(pprops, new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer =
                 new KafkaConsumer<>(cprops, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            producer.initTransactions();
            emit(event("initialized"));
            consumer.subscribe(List.of(input));
            int inputPartitions = -1;
            long idleSince = System.currentTimeMillis();
            for (;;) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (inputPartitions < 0) {
                        List<PartitionInfo> info = consumer.partitionsFor(input);
                        inputPartitions = info == null ? 0 : info.size();
                    }
                    var assignment = consumer.assignment();
                    if (assignment.size() == inputPartitions && System.currentTimeMillis() - idleSince >= idleMs) {
                        Map<TopicPartition, Long> ends = consumer.endOffsets(assignment);
                        boolean atEnd = true;
                        for (TopicPartition tp : assignment) atEnd &= consumer.position(tp) >= ends.get(tp);
                        if (atEnd) break;
                    }
                    continue;
                }
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    String value = incarnation + "|" + r.partition() + "|" + r.offset() + "|" + text(r.value());
                    producer.send(new ProducerRecord<>(output, r.partition(), r.key(), bytes(value)));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                // The records are on the broker, uncommitted, while we "process": a kill now leaves them aborted.
                producer.flush();
                if (processMs > 0) Thread.sleep(processMs);
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
                transactions++;
                processed += records.count();
                ObjectNode committed = event("committed");
                committed.put("records", records.count());
                committed.put("processed", processed);
                emit(committed);
                idleSince = System.currentTimeMillis();
            }
        }
        ObjectNode done = event("done");
        done.put("kafkaClients", AppInfoParser.getVersion());
        done.put("transactions", transactions);
        done.put("processed", processed);
        emit(done);
    }

    static void read(JsonNode request) throws Exception {
        String topic = request.path("topic").asText();
        String isolation = request.path("isolation").asText("read_uncommitted");
        Properties props = common(request);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        long deadline = System.currentTimeMillis() + request.path("timeoutMs").asLong(60_000);
        ObjectNode done = event("done");
        ArrayNode out = done.putArray("records");
        try (KafkaConsumer<byte[], byte[]> consumer =
                 new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) partitions.add(new TopicPartition(topic, p.partition()));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // For read_committed, the end is the last stable offset.
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            for (;;) {
                boolean atEnd = true;
                for (TopicPartition tp : partitions) atEnd &= consumer.position(tp) >= ends.get(tp);
                if (atEnd) break;
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("reading " + topic + " (" + isolation + ") did not reach " + ends);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ArrayNode rec = out.addArray();
                    rec.add(r.partition());
                    rec.add(r.offset());
                    rec.add(text(r.key()));
                    rec.add(text(r.value()));
                }
            }
            ObjectNode endOffsets = done.putObject("endOffsets");
            for (var e : ends.entrySet()) endOffsets.put(String.valueOf(e.getKey().partition()), e.getValue());
        }
        emit(done);
    }

    static void groupOffsets(JsonNode request) throws Exception {
        String topic = request.path("topic").asText();
        ObjectNode done = event("done");
        try (Admin admin = Admin.create(common(request))) {
            var committed = admin.listConsumerGroupOffsets(request.path("group").asText())
                .partitionsToOffsetAndMetadata().get();
            ObjectNode c = done.putObject("committed");
            for (var e : committed.entrySet()) {
                if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                    c.put(String.valueOf(e.getKey().partition()), e.getValue().offset());
                }
            }
        }
        emit(done);
    }
}
