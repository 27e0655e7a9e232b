package dev.kafkaless.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.Readable;

/**
 * Every top-level generated message class in kafka-clients (org.apache.kafka.common.message) that has a JSON
 * converter, found by listing the jar rather than by a hand-kept list, so nothing Kafka ships is missed.
 */
final class MessageRegistry {
    private static final String PACKAGE = "org.apache.kafka.common.message";

    /** One generated message class with its converter. */
    static final class Entry {
        final String name;
        final String kind;
        final ApiMessageType api;
        final Class<? extends Message> dataClass;
        final Constructor<? extends Message> readConstructor;
        final Method jsonRead;
        final Method jsonWrite;
        final short lowestVersion;
        final short highestVersion;

        Entry(String name, String kind, ApiMessageType api, Class<? extends Message> dataClass) throws ReflectiveOperationException {
            this.name = name;
            this.kind = kind;
            this.api = api;
            this.dataClass = dataClass;
            this.readConstructor = dataClass.getConstructor(Readable.class, short.class);
            Class<?> converter = Class.forName(dataClass.getName() + "JsonConverter");
            this.jsonRead = converter.getMethod("read", JsonNode.class, short.class);
            this.jsonWrite = converter.getMethod("write", dataClass, short.class, boolean.class);
            Message sample = dataClass.getConstructor().newInstance();
            this.lowestVersion = sample.lowestSupportedVersion();
            this.highestVersion = sample.highestSupportedVersion();
        }
    }

    private final Map<String, Entry> byName = new TreeMap<>();
    private final Map<String, Entry> byClassName = new HashMap<>();

    MessageRegistry() {
        Map<Class<?>, ApiMessageType> requests = new HashMap<>();
        Map<Class<?>, ApiMessageType> responses = new HashMap<>();
        for (ApiMessageType api : ApiMessageType.values()) {
            try {
                requests.put(api.newRequest().getClass(), api);
                responses.put(api.newResponse().getClass(), api);
            } catch (RuntimeException e) {
                // kafka-clients 4.x lists API keys it no longer builds messages for.
            }
        }
        for (String simpleName : listTopLevelClasses()) {
            Class<?> cls;
            try {
                cls = Class.forName(PACKAGE + "." + simpleName);
            } catch (ClassNotFoundException e) {
                continue;
            }
            if (!Message.class.isAssignableFrom(cls) || cls.isInterface() || Modifier.isAbstract(cls.getModifiers())) {
                continue;
            }
            Class<? extends Message> dataClass = cls.asSubclass(Message.class);
            String kind;
            ApiMessageType api = null;
            if (requests.containsKey(cls)) {
                kind = "request";
                api = requests.get(cls);
            } else if (responses.containsKey(cls)) {
                kind = "response";
                api = responses.get(cls);
            } else if (simpleName.endsWith("HeaderData")) {
                kind = "header";
            } else {
                kind = "data";
            }
            String name = messageName(simpleName);
            try {
                Entry entry = new Entry(name, kind, api, dataClass);
                byName.put(name, entry);
                byClassName.put(simpleName, entry);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // A message class without a JSON converter cannot be driven from JSON, and one whose API a newer
                // kafka-clients dropped from ApiKeys (4.x removed the ZooKeeper-era APIs) has no header rules: leave it out.
            }
        }
        if (byName.isEmpty()) {
            throw new IllegalStateException("found no generated message classes in kafka-clients");
        }
    }

    /**
     * The name in Kafka's JSON definition: the generator appends "Data" to request, response and header
     * class names (ProduceRequest → ProduceRequestData) and leaves data messages as they are.
     */
    private static String messageName(String simpleName) {
        if (simpleName.endsWith("Data")) {
            String stripped = simpleName.substring(0, simpleName.length() - "Data".length());
            if (stripped.endsWith("Request") || stripped.endsWith("Response") || stripped.endsWith("Header")) {
                return stripped;
            }
        }
        return simpleName;
    }

    Entry get(String name) {
        Entry entry = byName.get(name);
        if (entry == null) {
            entry = byClassName.get(name);
        }
        if (entry == null) {
            throw new IllegalArgumentException("unknown message '" + name + "'");
        }
        return entry;
    }

    Collection<Entry> all() {
        return byName.values();
    }

    private static List<String> listTopLevelClasses() {
        String prefix = PACKAGE.replace('.', '/') + "/";
        List<String> names = new ArrayList<>();
        File location;
        try {
            location = new File(ApiMessageType.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate kafka-clients", e);
        }
        try {
            if (location.isDirectory()) {
                Path dir = location.toPath().resolve(prefix);
                try (Stream<Path> files = Files.list(dir)) {
                    files.forEach(p -> addClassName(p.getFileName().toString(), names));
                }
            } else {
                try (JarFile jar = new JarFile(location)) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        String entry = entries.nextElement().getName();
                        if (entry.startsWith(prefix) && entry.indexOf('/', prefix.length()) < 0) {
                            addClassName(entry.substring(prefix.length()), names);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    private static void addClassName(String fileName, List<String> names) {
        if (fileName.endsWith(".class") && fileName.indexOf('$') < 0 && !fileName.endsWith("JsonConverter.class")) {
            names.add(fileName.substring(0, fileName.length() - ".class".length()));
        }
    }
}
