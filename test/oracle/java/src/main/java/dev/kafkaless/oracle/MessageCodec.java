package dev.kafkaless.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.TaggedFields;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The messages, encode and decode ops: Kafka's generated *Data classes and their *DataJsonConverter,
 * with two repairs on the way out (records bytes, int64 as strings) and two on the way in (see {@link #coerce}).
 */
final class MessageCodec {
    private static final String UNKNOWN_TAGS_FIELD = "_unknownTaggedFields";

    private final MessageRegistry registry;
    private final Map<Class<?>, List<Field>> fieldsByClass = new ConcurrentHashMap<>();

    MessageCodec(MessageRegistry registry) {
        this.registry = registry;
    }

    ObjectNode describe() {
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("kafkaVersion", AppInfoParser.getVersion());
        ArrayNode messages = response.putArray("messages");
        for (MessageRegistry.Entry entry : registry.all()) {
            ObjectNode message = messages.addObject();
            message.put("name", entry.name);
            message.put("className", entry.dataClass.getName());
            message.put("kind", entry.kind);
            if (entry.api == null) {
                message.putNull("apiKey");
            } else {
                message.put("apiKey", entry.api.apiKey());
            }
            message.put("lowestSupportedVersion", entry.lowestVersion);
            message.put("highestSupportedVersion", entry.highestVersion);
            ArrayNode flexible = message.putArray("flexibleVersions");
            for (short v = entry.lowestVersion; v <= entry.highestVersion; v++) {
                if (isFlexible(entry, v)) {
                    flexible.add(v);
                }
            }
        }
        ArrayNode apis = response.putArray("apis");
        for (ApiMessageType api : ApiMessageType.values()) {
            ObjectNode node = apis.addObject();
            node.put("apiKey", api.apiKey());
            node.put("name", api.name);
            node.put("lowestSupportedVersion", api.lowestSupportedVersion());
            node.put("highestSupportedVersion", api.highestSupportedVersion(true));
            node.put("highestStableVersion", api.highestSupportedVersion(false));
            node.put("latestVersionUnstable", api.latestVersionUnstable());
            node.put("lowestDeprecatedVersion", api.lowestDeprecatedVersion());
            node.put("highestDeprecatedVersion", api.highestDeprecatedVersion());
            ArrayNode listeners = node.putArray("listeners");
            for (ApiMessageType.ListenerType listener : api.listeners()) {
                listeners.add(listener.name());
            }
            ArrayNode headers = node.putArray("headerVersions");
            for (short v = api.lowestSupportedVersion(); v <= api.highestSupportedVersion(true); v++) {
                ObjectNode header = headers.addObject();
                header.put("version", v);
                header.put("requestHeaderVersion", api.requestHeaderVersion(v));
                header.put("responseHeaderVersion", api.responseHeaderVersion(v));
            }
        }
        return response;
    }

    /** A version is flexible when its schema ends in a tagged-fields section. */
    private static boolean isFlexible(MessageRegistry.Entry entry, short version) {
        try {
            Schema[] schemas = (Schema[]) entry.dataClass.getField("SCHEMAS").get(null);
            Schema schema = version < schemas.length ? schemas[version] : null;
            if (schema == null) {
                return false;
            }
            for (BoundField field : schema.fields()) {
                if (field.def.type instanceof TaggedFields) {
                    return true;
                }
            }
            return false;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    ObjectNode encode(ObjectNode request) throws ReflectiveOperationException {
        MessageRegistry.Entry entry = registry.get(Json.requiredText(request, "message"));
        short version = version(request, entry);
        JsonNode json = request.get("json");
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("'json' must be an object");
        }
        JsonNode input = json.deepCopy();
        coerce(entry.dataClass, input);
        Message message = (Message) entry.jsonRead.invoke(null, input, version);
        addUnknownTaggedFields(message, request.get("unknownTaggedFields"));

        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = message.size(cache, version);
        ByteBuffer buffer = ByteBuffer.allocate(size);
        message.write(new ByteBufferAccessor(buffer), cache, version);
        if (buffer.position() != size) {
            throw new IllegalStateException("size() said " + size + " bytes but write() produced " + buffer.position());
        }
        buffer.flip();
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("bytes", Json.base64(buffer));
        response.put("size", size);
        return response;
    }

    ObjectNode decode(ObjectNode request) throws ReflectiveOperationException {
        MessageRegistry.Entry entry = registry.get(Json.requiredText(request, "message"));
        short version = version(request, entry);
        ByteBuffer buffer = ByteBuffer.wrap(Json.requiredBytes(request, "bytes"));
        Message message = entry.readConstructor.newInstance(new ByteBufferAccessor(buffer), version);
        int remaining = buffer.remaining();

        ObjectNode json = (ObjectNode) entry.jsonWrite.invoke(null, message, version, true);
        ArrayNode unknownTags = Json.MAPPER.createArrayNode();
        repairOutput(message, json, "", unknownTags);
        Json.longsToStrings(json);

        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("remaining", remaining);
        response.set("json", json);
        response.set("unknownTaggedFields", unknownTags);
        return response;
    }

    private static short version(ObjectNode request, MessageRegistry.Entry entry) {
        int version = Json.requiredInt(request, "version");
        if (version < entry.lowestVersion || version > entry.highestVersion) {
            throw new IllegalArgumentException(entry.name + " has versions " + entry.lowestVersion + " to "
                + entry.highestVersion + ", not " + version);
        }
        return (short) version;
    }

    /**
     * Bends our JSON towards what the converter accepts, guided by the Java field types:
     * a float64 given as an integer (JavaScript writes 1.0 as 1) becomes a double, because
     * MessageUtil.jsonNodeToDouble rejects integers; an int64 given as a decimal string becomes a long,
     * because MessageUtil.jsonNodeToLong rejects strings. Everything else reaches the converter untouched.
     */
    private void coerce(Class<?> cls, JsonNode node) {
        if (!(node instanceof ObjectNode)) {
            return;
        }
        ObjectNode object = (ObjectNode) node;
        for (Field field : fields(cls)) {
            JsonNode value = object.get(field.getName());
            if (value != null) {
                JsonNode coerced = coerceValue(field.getGenericType(), value);
                if (coerced != value) {
                    object.set(field.getName(), coerced);
                }
            }
        }
    }

    private JsonNode coerceValue(Type type, JsonNode value) {
        Class<?> raw = rawClass(type);
        if (raw == null) {
            return value;
        }
        if (raw == double.class || raw == Double.class) {
            if (value.isIntegralNumber()) {
                return DoubleNode.valueOf(value.doubleValue());
            }
            if (value.isTextual()) {
                try {
                    return DoubleNode.valueOf(Double.parseDouble(value.asText()));
                } catch (NumberFormatException e) {
                    return value;
                }
            }
            return value;
        }
        if (raw == long.class || raw == Long.class) {
            if (value.isTextual()) {
                try {
                    return LongNode.valueOf(Long.parseLong(value.asText()));
                } catch (NumberFormatException e) {
                    return value;
                }
            }
            return value;
        }
        if (Message.class.isAssignableFrom(raw)) {
            coerce(raw, value);
            return value;
        }
        if (Collection.class.isAssignableFrom(raw) && value.isArray()) {
            Type element = elementType(type);
            ArrayNode array = (ArrayNode) value;
            for (int i = 0; i < array.size(); i++) {
                JsonNode coerced = coerceValue(element, array.get(i));
                if (coerced != array.get(i)) {
                    array.set(i, coerced);
                }
            }
        }
        return value;
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class) {
            return (Class<?>) type;
        }
        if (type instanceof ParameterizedType) {
            return rawClass(((ParameterizedType) type).getRawType());
        }
        return null;
    }

    /** List&lt;X&gt; directly, or XCollection extends ImplicitLinkedHashMultiCollection&lt;X&gt;. */
    private static Type elementType(Type type) {
        if (type instanceof ParameterizedType) {
            Type[] args = ((ParameterizedType) type).getActualTypeArguments();
            return args.length == 1 ? args[0] : null;
        }
        Class<?> cls = rawClass(type);
        while (cls != null && cls != Object.class) {
            Type parent = cls.getGenericSuperclass();
            if (parent instanceof ParameterizedType) {
                Type[] args = ((ParameterizedType) parent).getActualTypeArguments();
                return args.length == 1 ? args[0] : null;
            }
            cls = rawClass(parent);
        }
        return null;
    }

    /**
     * With serializeRecords=true the 3.9 converters still write an empty byte array for every records field,
     * so the real bytes are put back here. Unknown tagged fields, which the converter never writes, are
     * collected on the same walk. Java field names equal the converter's JSON keys.
     */
    private void repairOutput(Object value, JsonNode node, String path, ArrayNode unknownTags)
        throws IllegalAccessException {
        if (!(value instanceof Message) || !(node instanceof ObjectNode)) {
            return;
        }
        Message message = (Message) value;
        ObjectNode object = (ObjectNode) node;
        for (RawTaggedField tag : message.unknownTaggedFields()) {
            ObjectNode out = unknownTags.addObject();
            out.put("path", path);
            out.put("tag", tag.tag());
            out.put("data", Json.base64(tag.data()));
        }
        for (Field field : fields(message.getClass())) {
            String name = field.getName();
            JsonNode child = object.get(name);
            if (child == null) {
                continue;
            }
            Object fieldValue = field.get(message);
            if (fieldValue instanceof BaseRecords) {
                object.set(name, TextNode.valueOf(Json.base64(recordsBytes((BaseRecords) fieldValue))));
            } else if (fieldValue instanceof Message) {
                repairOutput(fieldValue, child, join(path, name), unknownTags);
            } else if (fieldValue instanceof Collection && child.isArray()) {
                int i = 0;
                for (Object element : (Collection<?>) fieldValue) {
                    repairOutput(element, child.get(i), join(path, name) + "[" + i + "]", unknownTags);
                    i++;
                }
            }
        }
    }

    private static ByteBuffer recordsBytes(BaseRecords records) {
        if (records instanceof MemoryRecords) {
            return ((MemoryRecords) records).buffer();
        }
        throw new IllegalStateException("cannot read bytes of " + records.getClass().getName());
    }

    /** Unknown tagged fields to add before encoding: [{"path":"topics[0]","tag":99,"data":"<b64>"}]. */
    private void addUnknownTaggedFields(Message root, JsonNode spec) throws IllegalAccessException {
        if (spec == null || spec.isNull()) {
            return;
        }
        if (!spec.isArray()) {
            throw new IllegalArgumentException("'unknownTaggedFields' must be an array");
        }
        Map<String, Message> byPath = new LinkedHashMap<>();
        collectMessages(root, "", byPath);
        for (JsonNode item : spec) {
            String path = Json.optionalText(item, "path", "");
            Message target = byPath.get(path);
            if (target == null) {
                throw new IllegalArgumentException("no struct at path '" + path + "'; known: " + byPath.keySet());
            }
            target.unknownTaggedFields().add(
                new RawTaggedField(Json.requiredInt(item, "tag"), Json.requiredBytes(item, "data")));
        }
    }

    private void collectMessages(Object value, String path, Map<String, Message> out) throws IllegalAccessException {
        if (!(value instanceof Message)) {
            return;
        }
        Message message = (Message) value;
        out.put(path, message);
        for (Field field : fields(message.getClass())) {
            Object fieldValue = field.get(message);
            if (fieldValue instanceof Message) {
                collectMessages(fieldValue, join(path, field.getName()), out);
            } else if (fieldValue instanceof Collection) {
                int i = 0;
                for (Object element : (Collection<?>) fieldValue) {
                    collectMessages(element, join(path, field.getName()) + "[" + i + "]", out);
                    i++;
                }
            }
        }
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** The instance fields of a generated message class that carry message data. */
    private List<Field> fields(Class<?> cls) {
        return fieldsByClass.computeIfAbsent(cls, c -> {
            List<Field> result = new ArrayList<>();
            for (Field field : c.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (Modifier.isStatic(modifiers) || field.isSynthetic() || field.getName().equals(UNKNOWN_TAGS_FIELD)) {
                    continue;
                }
                field.setAccessible(true);
                result.add(field);
            }
            return result;
        });
    }
}
