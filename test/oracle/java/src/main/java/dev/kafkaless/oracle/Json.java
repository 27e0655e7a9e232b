package dev.kafkaless.oracle;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/** Jackson set-up and the small JSON conversions every op shares. */
final class Json {
    private Json() {}

    static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
        // Record batches travel as base64 strings; Jackson's default cap (20M chars) is too low for big fixtures.
        .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build())
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static String requiredText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' must be a string");
        }
        return value.asText();
    }

    static int requiredInt(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null) {
            throw new IllegalArgumentException("'" + field + "' is required");
        }
        return toInt(value, field);
    }

    static int optionalInt(JsonNode node, String field, int fallback) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? fallback : toInt(value, field);
    }

    static long optionalLong(JsonNode node, String field, long fallback) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? fallback : toLong(value, field);
    }

    static boolean optionalBoolean(JsonNode node, String field, boolean fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new IllegalArgumentException("'" + field + "' must be a boolean");
        }
        return value.booleanValue();
    }

    static String optionalText(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' must be a string");
        }
        return value.asText();
    }

    private static int toInt(JsonNode value, String field) {
        long parsed = toLong(value, field);
        if (parsed < Integer.MIN_VALUE || parsed > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("'" + field + "' does not fit in 32 bits: " + parsed);
        }
        return (int) parsed;
    }

    /** An integer given as a JSON integer or as a string of decimal digits. */
    static long toLong(JsonNode value, String field) {
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.longValue();
        }
        if (value.isTextual()) {
            try {
                return Long.parseLong(value.asText());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + field + "' is not a 64-bit integer: " + value.asText());
            }
        }
        throw new IllegalArgumentException("'" + field + "' must be an integer (number or decimal string), got " + value);
    }

    /** Base64 (standard alphabet) or JSON null. */
    static byte[] optionalBytes(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' must be a base64 string or null");
        }
        return decodeBase64(value.asText(), field);
    }

    static byte[] requiredBytes(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' must be a base64 string");
        }
        return decodeBase64(value.asText(), field);
    }

    private static byte[] decodeBase64(String text, String field) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + field + "' is not valid base64: " + e.getMessage());
        }
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** Base64 of the remaining bytes, without moving the buffer's position. */
    static String base64(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return base64(bytes);
    }

    static JsonNode base64OrNull(ByteBuffer buffer) {
        return buffer == null ? NullNode.instance : TextNode.valueOf(base64(buffer));
    }

    /** JSON.parse in JavaScript rounds integers beyond 2^53, so every 64-bit value leaves as its decimal digits. */
    static JsonNode longsToStrings(JsonNode node) {
        if (node instanceof LongNode) {
            return TextNode.valueOf(Long.toString(node.longValue()));
        }
        if (node instanceof ObjectNode) {
            ObjectNode object = (ObjectNode) node;
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> entry = fields.next();
                JsonNode converted = longsToStrings(entry.getValue());
                if (converted != entry.getValue()) {
                    entry.setValue(converted);
                }
            }
        } else if (node instanceof ArrayNode) {
            ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                JsonNode converted = longsToStrings(array.get(i));
                if (converted != array.get(i)) {
                    array.set(i, converted);
                }
            }
        }
        return node;
    }
}
