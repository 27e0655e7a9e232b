package dev.kafkaless.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * Serves newline-delimited JSON requests on stdin, one response line per request on stdout, in order.
 * A request that fails for any reason becomes {"id":…,"ok":false,"error":…,"errorClass":…}; the loop only
 * ends at end of input. Ops: ping, messages, encode, decode ({@link MessageCodec}); buildRecords,
 * readRecords ({@link RecordsCodec}); produce, consume, admin ({@link ClientRun}). Bytes travel as standard padded base64; int64 values leave as
 * decimal strings and may arrive as JSON numbers or decimal strings.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws IOException {
        // The protocol owns stdout: anything a library prints goes to stderr instead.
        BufferedWriter out = new BufferedWriter(
            new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));

        MessageCodec messages = new MessageCodec(new MessageRegistry());
        RecordsCodec records = new RecordsCodec();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);

        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            out.write(handleLine(line, messages, records));
            out.write('\n');
            // Flush when the client has nothing more queued, so pipelined requests share one write.
            if (!in.ready()) {
                out.flush();
            }
        }
        out.flush();
    }

    static String handleLine(String line, MessageCodec messages, RecordsCodec records) {
        JsonNode id = NullNode.instance;
        try {
            JsonNode request = Json.MAPPER.readTree(line);
            if (request == null || !request.isObject()) {
                throw new IllegalArgumentException("request must be a JSON object");
            }
            if (request.has("id")) {
                id = request.get("id");
            }
            ObjectNode response = dispatch((ObjectNode) request, messages, records);
            ObjectNode framed = Json.MAPPER.createObjectNode();
            framed.set("id", id);
            framed.put("ok", true);
            framed.setAll(response);
            return Json.MAPPER.writeValueAsString(framed);
        } catch (Throwable e) {
            return errorLine(id, e);
        }
    }

    private static ObjectNode dispatch(ObjectNode request, MessageCodec messages, RecordsCodec records)
        throws Exception {
        String op = Json.requiredText(request, "op");
        switch (op) {
            case "ping":
                return ping();
            case "messages":
                return messages.describe();
            case "encode":
                return messages.encode(request);
            case "decode":
                return messages.decode(request);
            case "buildRecords":
                return records.build(request);
            case "readRecords":
                return records.read(request);
            case "produce":
                return ClientRun.produce(request);
            case "consume":
                return ClientRun.consume(request);
            case "admin":
                return ClientRun.admin(request);
            case "groupConsume":
                return ClientRun.groupConsume(request);
            case "producePerf":
                return ClientRun.producePerf(request);
            case "consumePerf":
                return ClientRun.consumePerf(request);
            default:
                throw new IllegalArgumentException("unknown op '" + op + "'");
        }
    }

    private static ObjectNode ping() {
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("kafkaVersion", AppInfoParser.getVersion());
        response.put("javaVersion", System.getProperty("java.version"));
        return response;
    }

    private static String errorLine(JsonNode id, Throwable thrown) {
        Throwable e = unwrap(thrown);
        ObjectNode framed = Json.MAPPER.createObjectNode();
        framed.set("id", id);
        framed.put("ok", false);
        framed.put("error", describe(e));
        framed.put("errorClass", e.getClass().getName());
        try {
            return Json.MAPPER.writeValueAsString(framed);
        } catch (Throwable again) {
            // Only reachable if the id itself cannot be written back.
            return "{\"id\":null,\"ok\":false,\"error\":\"unserializable error response\"}";
        }
    }

    static Throwable unwrap(Throwable e) {
        Throwable current = e;
        while (current instanceof InvocationTargetException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getName() : e.getClass().getName() + ": " + message;
    }
}
