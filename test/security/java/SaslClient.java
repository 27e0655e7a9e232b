// The Java client of test/security, run as a single-file source program:
//   java -cp 'lib/*' SaslClient.java <mode> <json-free args...>
// Modes:
//   roundtrip <bootstrap> <mechanism> <user> <password> <ca.pem> <topic> <count>
//     produces <count> records and consumes them back; prints one JSON line.
//   add-user <bootstrap> <mechanism> <user> <password> <ca.pem> <new user> <new password> <SCRAM mechanism>
//     AdminClient.alterUserScramCredentials then describeUserScramCredentials; prints one JSON line.
// Any failure prints {"error": <exception class>, "message": ...} and exits 0, so the test reads it.

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class SaslClient {
  static Properties security(String bootstrap, String mechanism, String user, String password, String ca) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("security.protocol", "SASL_SSL");
    p.put("sasl.mechanism", mechanism);
    String module = mechanism.equals("PLAIN")
        ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    p.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
    p.put("ssl.truststore.type", "PEM");
    p.put("ssl.truststore.location", ca);
    p.put("request.timeout.ms", "20000");
    p.put("default.api.timeout.ms", "30000");
    return p;
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\"";
  }

  public static void main(String[] args) throws Exception {
    try {
      if (args[0].equals("roundtrip")) roundtrip(args);
      else addUser(args);
    } catch (Throwable e) {
      Throwable t = e;
      while (t.getCause() != null && !(t instanceof org.apache.kafka.common.KafkaException)) t = t.getCause();
      System.out.println("{\"error\":" + quote(t.getClass().getSimpleName()) + ",\"message\":" + quote(String.valueOf(t.getMessage())) + "}");
    }
  }

  static void roundtrip(String[] a) throws Exception {
    String topic = a[6];
    int count = Integer.parseInt(a[7]);
    Properties p = security(a[1], a[2], a[3], a[4], a[5]);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("max.block.ms", "30000");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "java-" + i)).get();
    }
    Properties c = security(a[1], a[2], a[3], a[4], a[5]);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    c.put("group.id", "sasl-java-" + topic);
    c.put("auto.offset.reset", "earliest");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      while (values.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
      }
    }
    StringBuilder out = new StringBuilder("{\"consumed\":[");
    for (int i = 0; i < values.size(); i++) out.append(i > 0 ? "," : "").append(quote(values.get(i)));
    System.out.println(out.append("]}"));
  }

  static void addUser(String[] a) throws Exception {
    Properties p = security(a[1], a[2], a[3], a[4], a[5]);
    String user = a[6];
    ScramMechanism mechanism = ScramMechanism.fromMechanismName(a[8]);
    try (Admin admin = Admin.create(p)) {
      admin.alterUserScramCredentials(List.of(
          new UserScramCredentialUpsertion(user, new ScramCredentialInfo(mechanism, 8192), a[7]))).all().get();
      Map<String, UserScramCredentialsDescription> described =
          admin.describeUserScramCredentials(List.of(user)).all().get();
      StringBuilder out = new StringBuilder("{\"credentials\":[");
      boolean first = true;
      for (ScramCredentialInfo info : described.get(user).credentialInfos()) {
        out.append(first ? "" : ",").append("{\"mechanism\":").append(quote(info.mechanism().mechanismName()))
            .append(",\"iterations\":").append(info.iterations()).append("}");
        first = false;
      }
      System.out.println(out.append("]}"));
    }
  }
}
