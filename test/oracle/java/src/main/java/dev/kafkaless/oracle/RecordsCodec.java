package dev.kafkaless.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

/** The buildRecords and readRecords ops: Kafka's own MemoryRecordsBuilder and record batch readers. */
final class RecordsCodec {
    // Byte offsets inside a batch header that the RecordBatch interface does not expose.
    private static final int LEGACY_ATTRIBUTES_OFFSET = 17;
    private static final int V2_ATTRIBUTES_OFFSET = 21;
    private static final int V2_LAST_OFFSET_DELTA_OFFSET = 23;
    private static final int V2_BASE_TIMESTAMP_OFFSET = 27;
    private static final int LENGTH_OFFSET = 8;

    ObjectNode build(ObjectNode request) {
        byte magic = (byte) Json.optionalInt(request, "magic", RecordBatch.CURRENT_MAGIC_VALUE);
        if (magic < RecordBatch.MAGIC_VALUE_V0 || magic > RecordBatch.MAGIC_VALUE_V2) {
            throw new IllegalArgumentException("magic must be 0, 1 or 2");
        }
        Compression compression = compression(request);
        TimestampType timestampType = TimestampType.forName(Json.optionalText(request, "timestampType",
            magic == RecordBatch.MAGIC_VALUE_V0 ? TimestampType.NO_TIMESTAMP_TYPE.name : TimestampType.CREATE_TIME.name));
        long logAppendTime = Json.optionalLong(request, "logAppendTime", RecordBatch.NO_TIMESTAMP);
        if (timestampType == TimestampType.LOG_APPEND_TIME && logAppendTime == RecordBatch.NO_TIMESTAMP) {
            // MemoryRecords.builder would take the wall clock; the oracle must be deterministic.
            throw new IllegalArgumentException("'logAppendTime' is required with LogAppendTime");
        }
        JsonNode control = request.get("control");
        boolean isControl = control != null && !control.isNull();

        ByteBufferOutputStream out = new ByteBufferOutputStream(1024);
        MemoryRecordsBuilder builder = new MemoryRecordsBuilder(
            out,
            magic,
            compression,
            timestampType,
            Json.optionalLong(request, "baseOffset", 0L),
            logAppendTime,
            Json.optionalLong(request, "producerId", RecordBatch.NO_PRODUCER_ID),
            (short) Json.optionalInt(request, "producerEpoch", RecordBatch.NO_PRODUCER_EPOCH),
            Json.optionalInt(request, "baseSequence", RecordBatch.NO_SEQUENCE),
            Json.optionalBoolean(request, "transactional", false),
            isControl,
            Json.optionalInt(request, "partitionLeaderEpoch", RecordBatch.NO_PARTITION_LEADER_EPOCH),
            Integer.MAX_VALUE,
            Json.optionalLong(request, "deleteHorizonMs", RecordBatch.NO_TIMESTAMP));

        if (isControl) {
            ControlRecordType type = ControlRecordType.valueOf(Json.requiredText(control, "type"));
            if (type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) {
                throw new IllegalArgumentException("control.type must be COMMIT or ABORT");
            }
            builder.appendEndTxnMarker(
                Json.optionalLong(control, "timestamp", RecordBatch.NO_TIMESTAMP),
                new EndTransactionMarker(type, Json.optionalInt(control, "coordinatorEpoch", 0)));
        }
        JsonNode records = request.get("records");
        if (records != null && !records.isNull()) {
            if (!records.isArray()) {
                throw new IllegalArgumentException("'records' must be an array");
            }
            for (JsonNode record : records) {
                long timestamp = Json.optionalLong(record, "timestamp", RecordBatch.NO_TIMESTAMP);
                byte[] key = Json.optionalBytes(record, "key");
                byte[] value = Json.optionalBytes(record, "value");
                Header[] headers = headers(record.get("headers"));
                JsonNode offset = record.get("offset");
                if (offset == null || offset.isNull()) {
                    builder.append(timestamp, key, value, headers);
                } else {
                    builder.appendWithOffset(Json.toLong(offset, "offset"), timestamp, key, value, headers);
                }
            }
        }

        MemoryRecords built = builder.build();
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("bytes", Json.base64(built.buffer()));
        response.put("sizeInBytes", built.sizeInBytes());
        return response;
    }

    private static Compression compression(ObjectNode request) {
        CompressionType type = CompressionType.forName(Json.optionalText(request, "compression", "none"));
        JsonNode level = request.get("compressionLevel");
        if (level == null || level.isNull()) {
            return Compression.of(type).build();
        }
        int value = Json.requiredInt(request, "compressionLevel");
        switch (type) {
            case GZIP:
                return Compression.gzip().level(value).build();
            case LZ4:
                return Compression.lz4().level(value).build();
            case ZSTD:
                return Compression.zstd().level(value).build();
            default:
                throw new IllegalArgumentException(type.name + " has no compression level");
        }
    }

    private static Header[] headers(JsonNode headers) {
        if (headers == null || headers.isNull()) {
            return Record.EMPTY_HEADERS;
        }
        if (!headers.isArray()) {
            throw new IllegalArgumentException("'headers' must be an array");
        }
        List<Header> result = new ArrayList<>();
        for (JsonNode header : headers) {
            result.add(new RecordHeader(Json.requiredText(header, "key"), Json.optionalBytes(header, "value")));
        }
        return result.toArray(new Header[0]);
    }

    ObjectNode read(ObjectNode request) {
        byte[] bytes = Json.requiredBytes(request, "bytes");
        MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(bytes));
        ObjectNode response = Json.MAPPER.createObjectNode();
        ArrayNode batches = response.putArray("batches");
        int consumed = 0;
        for (MutableRecordBatch batch : records.batches()) {
            batches.add(describeBatch(batch));
            consumed += batch.sizeInBytes();
        }
        // A truncated last batch is skipped silently by the reader; say how much was left over.
        response.put("trailingBytes", bytes.length - consumed);
        return response;
    }

    private static ObjectNode describeBatch(RecordBatch batch) {
        ByteBuffer raw = ByteBuffer.allocate(batch.sizeInBytes());
        batch.writeTo(raw);
        byte magic = batch.magic();

        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("baseOffset", Long.toString(batch.baseOffset()));
        node.put("lastOffset", Long.toString(batch.lastOffset()));
        node.put("nextOffset", Long.toString(batch.nextOffset()));
        node.put("sizeInBytes", batch.sizeInBytes());
        node.put("length", raw.getInt(LENGTH_OFFSET));
        node.put("partitionLeaderEpoch", batch.partitionLeaderEpoch());
        node.put("magic", magic);
        node.put("crc", batch.checksum());
        node.put("valid", batch.isValid());
        try {
            batch.ensureValid();
            node.putNull("validError");
        } catch (RuntimeException e) {
            node.put("validError", Main.describe(e));
        }
        if (magic >= RecordBatch.MAGIC_VALUE_V2) {
            node.put("attributes", raw.getShort(V2_ATTRIBUTES_OFFSET));
            node.put("lastOffsetDelta", raw.getInt(V2_LAST_OFFSET_DELTA_OFFSET));
            node.put("baseTimestamp", Long.toString(raw.getLong(V2_BASE_TIMESTAMP_OFFSET)));
        } else {
            node.put("attributes", raw.get(LEGACY_ATTRIBUTES_OFFSET));
            node.putNull("lastOffsetDelta");
            node.putNull("baseTimestamp");
        }
        node.put("compression", batch.compressionType().name);
        node.put("timestampType", batch.timestampType().name);
        node.put("isTransactional", batch.isTransactional());
        node.put("isControl", batch.isControlBatch());
        node.put("maxTimestamp", Long.toString(batch.maxTimestamp()));
        node.put("producerId", Long.toString(batch.producerId()));
        node.put("producerEpoch", batch.producerEpoch());
        node.put("baseSequence", batch.baseSequence());
        node.put("lastSequence", batch.lastSequence());
        Integer count = batch.countOrNull();
        if (count == null) {
            node.putNull("count");
        } else {
            node.put("count", count);
        }
        OptionalLong deleteHorizon = batch.deleteHorizonMs();
        if (deleteHorizon.isPresent()) {
            node.put("deleteHorizonMs", Long.toString(deleteHorizon.getAsLong()));
        } else {
            node.putNull("deleteHorizonMs");
        }

        // Decompression can fail on a corrupt batch; report it on the batch and keep the header fields.
        ArrayNode records = Json.MAPPER.createArrayNode();
        try {
            for (Record record : batch) {
                records.add(describeRecord(record, batch.isControlBatch()));
            }
            node.set("records", records);
            node.putNull("recordsError");
        } catch (RuntimeException e) {
            node.putNull("records");
            node.put("recordsError", Main.describe(e));
        }
        return node;
    }

    private static ObjectNode describeRecord(Record record, boolean inControlBatch) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("offset", Long.toString(record.offset()));
        node.put("timestamp", Long.toString(record.timestamp()));
        node.put("sequence", record.sequence());
        node.put("sizeInBytes", record.sizeInBytes());
        node.set("key", Json.base64OrNull(record.key()));
        node.set("value", Json.base64OrNull(record.value()));
        ArrayNode headers = node.putArray("headers");
        for (Header header : record.headers()) {
            ObjectNode h = headers.addObject();
            h.put("key", header.key());
            if (header.value() == null) {
                h.putNull("value");
            } else {
                h.put("value", Json.base64(header.value()));
            }
        }
        if (inControlBatch && record.hasKey()) {
            ObjectNode control = node.putObject("control");
            ControlRecordType type = ControlRecordType.parse(record.key());
            control.put("type", type.name());
            if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
                control.put("coordinatorEpoch", EndTransactionMarker.deserialize(record).coordinatorEpoch());
            }
        }
        return node;
    }
}
