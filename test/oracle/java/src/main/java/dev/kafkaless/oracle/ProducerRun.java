package dev.kafkaless.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Runs Kafka's own KafkaProducer against a listener, so tests can capture the
 * exact bytes the Java producer writes. Op "produce":
 * {bootstrap, topic, partition?, compression?, lingerMs?, acks?, records:[{key, value, headers?, timestamp?}]}
 * → {sent}. Idempotence is off: the listener need only serve ApiVersions, Metadata and Produce.
 */
final class ProducerRun {
    private ProducerRun() {}

    static ObjectNode produce(ObjectNode request) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Json.requiredText(request, "bootstrap"));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, Json.optionalText(request, "compression", "none"));
        props.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(Json.optionalInt(request, "lingerMs", 100)));
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(Json.optionalInt(request, "batchSize", 1 << 20)));
        props.put(ProducerConfig.ACKS_CONFIG, Json.optionalText(request, "acks", "1"));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
        props.put(ProducerConfig.ENABLE_METRICS_PUSH_CONFIG, "false");
        String topic = Json.requiredText(request, "topic");
        Integer partition = request.has("partition") ? Json.requiredInt(request, "partition") : null;

        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer =
                 new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (JsonNode r : request.path("records")) {
                RecordHeaders headers = new RecordHeaders();
                for (JsonNode h : r.path("headers")) {
                    headers.add(Json.requiredText(h, "key"), Json.optionalBytes(h, "value"));
                }
                Long timestamp = r.has("timestamp") ? Json.toLong(r.get("timestamp"), "timestamp") : null;
                sent.add(producer.send(new ProducerRecord<>(
                    topic, partition, timestamp, Json.optionalBytes(r, "key"), Json.optionalBytes(r, "value"), headers)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        }
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("sent", sent.size());
        return response;
    }
}
