package dev.kafkaless.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka's own Java clients (producer, consumer with assign(), AdminClient)
 * against a listener, for real-client tests. Ops:
 * - produce {bootstrap, topic, partition?, config?, records:[{key, value, headers?, timestamp?, partition?}]}
 *   → {results:[{partition, offset, timestamp}]}
 * - consume {bootstrap, partitions:[{topic, partition, offset?}], count, timeoutMs?, config?}
 *   → {records:[{topic, partition, offset, timestamp, timestampType, key, value, headers}]}
 * - admin {bootstrap, action, ...} → per action; failures of Kafka calls come back as
 *   {error: "<ExceptionClass>", message} inside a successful answer, so tests can assert on them.
 * `config` passes client properties through unchanged.
 */
final class ClientRun {
    private ClientRun() {}

    private static Properties props(ObjectNode request) {
        Properties props = new Properties();
        props.put("bootstrap.servers", Json.requiredText(request, "bootstrap"));
        request.path("config").fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue().asText()));
        return props;
    }

    static ObjectNode produce(ObjectNode request) throws Exception {
        Properties props = props(request);
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.putIfAbsent(ProducerConfig.ENABLE_METRICS_PUSH_CONFIG, "false");
        String topic = Json.requiredText(request, "topic");
        Integer fixedPartition = request.has("partition") ? Json.requiredInt(request, "partition") : null;

        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                 new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (JsonNode r : request.path("records")) {
                RecordHeaders headers = new RecordHeaders();
                for (JsonNode h : r.path("headers")) {
                    headers.add(Json.requiredText(h, "key"), Json.optionalBytes(h, "value"));
                }
                Long timestamp = r.has("timestamp") ? Json.toLong(r.get("timestamp"), "timestamp") : null;
                Integer partition = r.has("partition") ? Integer.valueOf(Json.requiredInt(r, "partition")) : fixedPartition;
                sent.add(producer.send(new ProducerRecord<>(
                    topic, partition, timestamp, Json.optionalBytes(r, "key"), Json.optionalBytes(r, "value"), headers)));
            }
            producer.flush();
            ArrayNode results = Json.MAPPER.createArrayNode();
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = f.get();
                ObjectNode o = results.addObject();
                o.put("partition", m.partition());
                o.put("offset", Long.toString(m.offset()));
                o.put("timestamp", Long.toString(m.timestamp()));
            }
            ObjectNode response = Json.MAPPER.createObjectNode();
            response.set("results", results);
            return response;
        }
    }

    /**
     * Throughput, as kafka-producer-perf-test measures it: {bootstrap, topic, count, size, config?}
     * → {records, bytes, seconds}. Values are generated here so the JSON channel stays out of the figure.
     */
    static ObjectNode producePerf(ObjectNode request) throws Exception {
        Properties props = props(request);
        props.putIfAbsent(ProducerConfig.ENABLE_METRICS_PUSH_CONFIG, "false");
        String topic = Json.requiredText(request, "topic");
        int count = Json.requiredInt(request, "count");
        int size = Json.requiredInt(request, "size");
        byte[] value = new byte[size];
        new java.util.Random(42).nextBytes(value);
        long started = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer =
                 new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> last = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                last.add(producer.send(new ProducerRecord<>(topic, null, value)));
                if (last.size() >= 10_000) {
                    for (Future<RecordMetadata> f : last) f.get();
                    last.clear();
                }
            }
            for (Future<RecordMetadata> f : last) f.get();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("records", count);
        response.put("bytes", (long) count * size);
        response.put("seconds", seconds);
        return response;
    }

    /** {bootstrap, topic, partitions, count, config?} → {records, bytes, seconds}: assign(), from the beginning. */
    static ObjectNode consumePerf(ObjectNode request) {
        Properties props = props(request);
        props.putIfAbsent(ConsumerConfig.ENABLE_METRICS_PUSH_CONFIG, "false");
        String topic = Json.requiredText(request, "topic");
        int partitions = Json.requiredInt(request, "partitions");
        long count = Json.requiredInt(request, "count");
        long records = 0;
        long bytes = 0;
        long started = System.nanoTime();
        long deadline = System.currentTimeMillis() + 300_000;
        try (KafkaConsumer<byte[], byte[]> consumer =
                 new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            while (records < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records++;
                    bytes += r.serializedValueSize();
                }
            }
        }
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("records", records);
        response.put("bytes", bytes);
        response.put("seconds", (System.nanoTime() - started) / 1e9);
        return response;
    }

    /**
     * A group member: subscribe(topic) with group.id (and whatever `config` sets: assignor,
     * group.instance.id, group.protocol), poll, commitSync after every non-empty poll, until
     * `idleMs` pass without records once it holds partitions, or `maxRecords`, or `timeoutMs`; then close.
     * {bootstrap, topic, groupId, config?, idleMs?, maxRecords?, timeoutMs?}
     * → {records:[{partition, offset, key}], assignments:[[partition…]…]}
     */
    static ObjectNode groupConsume(ObjectNode request) {
        Properties props = props(request);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, Json.requiredText(request, "groupId"));
        props.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.ENABLE_METRICS_PUSH_CONFIG, "false");
        long idleMs = Json.optionalLong(request, "idleMs", 5_000);
        long maxRecords = Json.optionalLong(request, "maxRecords", Long.MAX_VALUE);
        long deadline = System.currentTimeMillis() + Json.optionalLong(request, "timeoutMs", 120_000);
        ArrayNode records = Json.MAPPER.createArrayNode();
        ArrayNode assignments = Json.MAPPER.createArrayNode();
        try (KafkaConsumer<byte[], byte[]> consumer =
                 new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Json.requiredText(request, "topic")));
            long lastRecord = -1;
            String lastAssignment = "";
            while (System.currentTimeMillis() < deadline && records.size() < maxRecords) {
                var batch = consumer.poll(Duration.ofMillis(200));
                String assignment = consumer.assignment().stream().map(TopicPartition::partition).sorted()
                    .map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("");
                if (!assignment.equals(lastAssignment)) {
                    ArrayNode a = assignments.addArray();
                    consumer.assignment().stream().map(TopicPartition::partition).sorted().forEach(a::add);
                    lastAssignment = assignment;
                }
                // Idle time counts from the first assignment: a member may join after the others drained the topic.
                if (lastRecord < 0 && !consumer.assignment().isEmpty()) {
                    lastRecord = System.currentTimeMillis();
                }
                if (!batch.isEmpty()) {
                    for (ConsumerRecord<byte[], byte[]> r : batch) {
                        ObjectNode o = records.addObject();
                        o.put("partition", r.partition());
                        o.put("offset", Long.toString(r.offset()));
                        o.put("key", r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
                    }
                    consumer.commitSync();
                    lastRecord = System.currentTimeMillis();
                } else if (lastRecord > 0 && System.currentTimeMillis() - lastRecord > idleMs) {
                    break;
                }
            }
        }
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.set("records", records);
        response.set("assignments", assignments);
        return response;
    }

    static ObjectNode consume(ObjectNode request) {
        Properties props = props(request);
        props.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.ENABLE_METRICS_PUSH_CONFIG, "false");
        int count = Json.requiredInt(request, "count");
        long deadline = System.currentTimeMillis() + Json.optionalLong(request, "timeoutMs", 60_000);
        List<TopicPartition> partitions = new ArrayList<>();
        Map<TopicPartition, Long> starts = new HashMap<>();
        for (JsonNode p : request.path("partitions")) {
            TopicPartition tp = new TopicPartition(Json.requiredText(p, "topic"), Json.requiredInt(p, "partition"));
            partitions.add(tp);
            if (p.has("offset")) {
                starts.put(tp, Json.toLong(p.get("offset"), "offset"));
            }
        }
        ArrayNode records = Json.MAPPER.createArrayNode();
        try (KafkaConsumer<byte[], byte[]> consumer =
                 new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            for (TopicPartition tp : partitions) {
                Long start = starts.get(tp);
                if (start != null) {
                    consumer.seek(tp, start);
                } else {
                    consumer.seekToBeginning(List.of(tp));
                }
            }
            while (records.size() < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ObjectNode o = records.addObject();
                    o.put("topic", r.topic());
                    o.put("partition", r.partition());
                    o.put("offset", Long.toString(r.offset()));
                    o.put("timestamp", Long.toString(r.timestamp()));
                    o.put("timestampType", r.timestampType().name);
                    o.set("key", Json.base64OrNull(r.key() == null ? null : java.nio.ByteBuffer.wrap(r.key())));
                    o.set("value", Json.base64OrNull(r.value() == null ? null : java.nio.ByteBuffer.wrap(r.value())));
                    ArrayNode headers = o.putArray("headers");
                    for (Header h : r.headers()) {
                        ObjectNode hn = headers.addObject();
                        hn.put("key", h.key());
                        hn.set("value", Json.base64OrNull(h.value() == null ? null : java.nio.ByteBuffer.wrap(h.value())));
                    }
                }
            }
        }
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.set("records", records);
        return response;
    }

    static ObjectNode admin(ObjectNode request) throws Exception {
        Properties props = props(request);
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.putIfAbsent(AdminClientConfig.ENABLE_METRICS_PUSH_CONFIG, "false");
        String action = Json.requiredText(request, "action");
        ObjectNode response = Json.MAPPER.createObjectNode();
        try (Admin admin = Admin.create(props)) {
            try {
                runAdmin(admin, action, request, response);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                response.put("error", cause.getClass().getSimpleName());
                response.put("message", String.valueOf(cause.getMessage()));
            }
        }
        return response;
    }

    private static List<String> names(ObjectNode request) {
        List<String> names = new ArrayList<>();
        request.path("names").forEach(n -> names.add(n.asText()));
        return names;
    }

    private static ConfigResource topicResource(ObjectNode request) {
        return new ConfigResource(ConfigResource.Type.TOPIC, Json.requiredText(request, "topic"));
    }

    private static void runAdmin(Admin admin, String action, ObjectNode request, ObjectNode out) throws Exception {
        switch (action) {
            case "createTopics": {
                List<NewTopic> topics = new ArrayList<>();
                for (JsonNode t : request.path("topics")) {
                    NewTopic nt = new NewTopic(Json.requiredText(t, "name"),
                        java.util.Optional.ofNullable(t.has("partitions") ? t.get("partitions").asInt() : null),
                        java.util.Optional.ofNullable(t.has("replicationFactor") ? (short) t.get("replicationFactor").asInt() : null));
                    Map<String, String> configs = new HashMap<>();
                    t.path("configs").fields().forEachRemaining(e -> configs.put(e.getKey(), e.getValue().asText()));
                    topics.add(nt.configs(configs));
                }
                var result = admin.createTopics(topics);
                ObjectNode each = out.putObject("topics");
                for (var e : result.values().entrySet()) {
                    ObjectNode o = each.putObject(e.getKey());
                    try {
                        e.getValue().get();
                        o.put("ok", true);
                        o.put("partitions", result.numPartitions(e.getKey()).get());
                        o.put("topicId", result.topicId(e.getKey()).get().toString());
                    } catch (ExecutionException ex) {
                        o.put("error", ex.getCause().getClass().getSimpleName());
                        o.put("message", String.valueOf(ex.getCause().getMessage()));
                    }
                }
                return;
            }
            case "listTopics": {
                ArrayNode a = out.putArray("names");
                admin.listTopics().names().get().stream().sorted().forEach(a::add);
                return;
            }
            case "describeTopics": {
                Map<String, TopicDescription> d = admin.describeTopics(names(request)).allTopicNames().get();
                ObjectNode topics = out.putObject("topics");
                for (TopicDescription td : d.values()) {
                    ObjectNode o = topics.putObject(td.name());
                    o.put("topicId", td.topicId().toString());
                    o.put("internal", td.isInternal());
                    ArrayNode ps = o.putArray("partitions");
                    for (TopicPartitionInfo p : td.partitions()) {
                        ObjectNode po = ps.addObject();
                        po.put("partition", p.partition());
                        po.put("leader", p.leader() == null ? -1 : p.leader().id());
                        ArrayNode r = po.putArray("replicas");
                        p.replicas().forEach(n -> r.add(n.id()));
                        ArrayNode isr = po.putArray("isr");
                        p.isr().forEach(n -> isr.add(n.id()));
                    }
                }
                return;
            }
            case "deleteTopics":
                admin.deleteTopics(names(request)).all().get();
                out.put("ok", true);
                return;
            case "createPartitions":
                admin.createPartitions(Map.of(Json.requiredText(request, "topic"),
                    NewPartitions.increaseTo(Json.requiredInt(request, "count")))).all().get();
                out.put("ok", true);
                return;
            case "describeConfigs": {
                ConfigResource resource = request.has("broker")
                    ? new ConfigResource(ConfigResource.Type.BROKER, Json.requiredText(request, "broker"))
                    : topicResource(request);
                Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
                ObjectNode configs = out.putObject("configs");
                for (ConfigEntry e : config.entries()) {
                    ObjectNode o = configs.putObject(e.name());
                    o.put("value", e.value());
                    o.put("source", e.source().name());
                    o.put("readOnly", e.isReadOnly());
                    o.put("sensitive", e.isSensitive());
                }
                return;
            }
            case "alterConfigs": {
                List<ConfigEntry> entries = new ArrayList<>();
                request.path("configs").fields().forEachRemaining(e -> entries.add(new ConfigEntry(e.getKey(), e.getValue().asText())));
                // Admin.alterConfigs is gone from kafka-clients 4.x; reached reflectively so one source builds for both.
                java.lang.reflect.Method legacy = Admin.class.getMethod("alterConfigs", Map.class);
                Object result = legacy.invoke(admin, Map.of(topicResource(request), new Config(entries)));
                ((org.apache.kafka.common.KafkaFuture<?>) result.getClass().getMethod("all").invoke(result)).get();
                out.put("ok", true);
                return;
            }
            case "incrementalAlterConfigs": {
                Collection<AlterConfigOp> ops = new ArrayList<>();
                for (JsonNode o : request.path("ops")) {
                    ops.add(new AlterConfigOp(new ConfigEntry(Json.requiredText(o, "name"), o.path("value").asText(null)),
                        AlterConfigOp.OpType.valueOf(Json.requiredText(o, "op"))));
                }
                admin.incrementalAlterConfigs(Map.of(topicResource(request), ops)).all().get();
                out.put("ok", true);
                return;
            }
            case "listOffsets": {
                TopicPartition tp = new TopicPartition(Json.requiredText(request, "topic"), Json.requiredInt(request, "partition"));
                String spec = Json.requiredText(request, "spec");
                OffsetSpec offsetSpec;
                switch (spec) {
                    case "earliest": offsetSpec = OffsetSpec.earliest(); break;
                    case "latest": offsetSpec = OffsetSpec.latest(); break;
                    case "maxTimestamp": offsetSpec = OffsetSpec.maxTimestamp(); break;
                    case "timestamp": offsetSpec = OffsetSpec.forTimestamp(Json.toLong(request.get("timestamp"), "timestamp")); break;
                    default: throw new IllegalArgumentException("unknown offset spec " + spec);
                }
                ListOffsetsResult.ListOffsetsResultInfo info = admin.listOffsets(Map.of(tp, offsetSpec)).partitionResult(tp).get();
                out.put("offset", Long.toString(info.offset()));
                out.put("timestamp", Long.toString(info.timestamp()));
                return;
            }
            case "deleteRecords": {
                TopicPartition tp = new TopicPartition(Json.requiredText(request, "topic"), Json.requiredInt(request, "partition"));
                long before = Json.toLong(request.get("before"), "before");
                var lw = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(before))).lowWatermarks().get(tp).get();
                out.put("lowWatermark", Long.toString(lw.lowWatermark()));
                return;
            }
            case "describeCluster": {
                DescribeClusterResult d = admin.describeCluster();
                out.put("clusterId", d.clusterId().get());
                Node controller = d.controller().get();
                out.put("controller", controller == null ? -1 : controller.id());
                ArrayNode nodes = out.putArray("nodes");
                for (Node n : d.nodes().get()) {
                    nodes.addObject().put("id", n.id()).put("host", n.host()).put("port", n.port());
                }
                return;
            }
            case "listGroups": {
                ObjectNode groups = out.putObject("groups");
                for (var g : admin.listConsumerGroups().all().get()) {
                    groups.put(g.groupId(), g.state().map(Object::toString).orElse("UNKNOWN"));
                }
                return;
            }
            case "describeGroup": {
                String groupId = Json.requiredText(request, "groupId");
                var d = admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get();
                out.put("state", d.state().toString());
                out.put("assignor", d.partitionAssignor());
                ArrayNode members = out.putArray("members");
                for (var m : d.members()) {
                    ObjectNode o = members.addObject();
                    o.put("clientId", m.clientId());
                    ArrayNode parts = o.putArray("partitions");
                    m.assignment().topicPartitions().stream().map(TopicPartition::partition).sorted().forEach(parts::add);
                }
                return;
            }
            case "listGroupOffsets": {
                String groupId = Json.requiredText(request, "groupId");
                ObjectNode offsets = out.putObject("offsets");
                admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get()
                    .forEach((tp, om) -> offsets.put(tp.topic() + ":" + tp.partition(), om == null ? "-1" : Long.toString(om.offset())));
                return;
            }
            case "alterGroupOffsets": {
                String groupId = Json.requiredText(request, "groupId");
                Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets = new HashMap<>();
                request.path("offsets").fields().forEachRemaining(e -> {
                    String[] tp = e.getKey().split(":");
                    offsets.put(new TopicPartition(tp[0], Integer.parseInt(tp[1])),
                        new org.apache.kafka.clients.consumer.OffsetAndMetadata(Json.toLong(e.getValue(), "offset")));
                });
                admin.alterConsumerGroupOffsets(groupId, offsets).all().get();
                out.put("ok", true);
                return;
            }
            case "deleteGroupOffsets": {
                String groupId = Json.requiredText(request, "groupId");
                java.util.Set<TopicPartition> partitions = new java.util.HashSet<>();
                for (JsonNode p : request.path("partitions")) {
                    partitions.add(new TopicPartition(Json.requiredText(p, "topic"), Json.requiredInt(p, "partition")));
                }
                admin.deleteConsumerGroupOffsets(groupId, partitions).all().get();
                out.put("ok", true);
                return;
            }
            case "deleteGroups":
                admin.deleteConsumerGroups(names(request)).all().get();
                out.put("ok", true);
                return;
            default:
                throw new IllegalArgumentException("unknown admin action '" + action + "'");
        }
    }
}
