"""confluent-kafka-python's Schema Registry serializers against Kafkaless.

Usage: serde.py '<json>' where the JSON object holds
  op          "produce" (serialize values, then produce them),
              "produce-raw" (produce bytes as given, no serializer) or
              "consume" (read records back and deserialize them)
  bootstrap   the Kafka endpoint
  registry    schema.registry.url
  topic       one partition is read (partition 0) and written
  format      "avro" | "json" | "protobuf"
  schema      produce: the writer schema; consume: the reader schema (Avro,
              JSON: optional, the writer's when absent). Avro and JSON as
              schema text; Protobuf as a FileDescriptorProto in protobuf's
              JSON mapping (no protoc here), whose message `message` names
  message     Protobuf: the message's full name in `schema`
  values      produce: the values, JSON objects (Protobuf: the message as JSON)
  raw         produce-raw: values as base64
  auto_register  produce: auto.register.schemas (default true)
  use_latest     produce: use.latest.version (default false)
  subject_strategy  produce: "topic" (default, <topic>-value) or "record" (the record's full name)
  count       consume: how many records to read
  timeout_ms  consume: give up after this long (default 30000)

Produce sends one record at a time and waits for its delivery report, so a
refused record never shares a batch with an accepted one.

Output, one JSON object per line on stdout; the last is
  produce:  {"event": "done", "delivered": [{"offset": n} | {"error": NAME, "code": n, "message": "..."}]}
            or {"event": "serialize-error", "index": i, "status": http, "code": sr_code, "message": "..."}
            when serializing value i failed (registration refused, ...)
  consume:  {"event": "done", "records": [{"offset": n, "magic": 0, "id": schema_id, "value": ...}]}
"""

import base64
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.schema_registry import SchemaRegistryClient, record_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def message_class(args):
    """The Protobuf message class `message` names, built from the FileDescriptorProto in `schema`."""
    file = json_format.ParseDict(args["schema"], descriptor_pb2.FileDescriptorProto())
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(args["message"]))


def serializer(args, client):
    conf = {
        "auto.register.schemas": args.get("auto_register", True),
        "use.latest.version": args.get("use_latest", False),
    }
    if args.get("subject_strategy", "topic") == "record":
        conf["subject.name.strategy"] = record_subject_name_strategy
    fmt = args["format"]
    if fmt == "avro":
        return AvroSerializer(client, args["schema"], conf=conf)
    if fmt == "json":
        return JSONSerializer(args["schema"], client, conf=conf)
    cls = message_class(args)
    inner = ProtobufSerializer(cls, client, conf=conf)
    return lambda value, ctx: inner(json_format.ParseDict(value, cls()), ctx)


def deserializer(args, client):
    fmt = args["format"]
    if fmt == "avro":
        return AvroDeserializer(client, args.get("schema"))
    if fmt == "json":
        return JSONDeserializer(args.get("schema"), schema_registry_client=client)
    cls = message_class(args)
    inner = ProtobufDeserializer(cls, schema_registry_client=client)
    return lambda data, ctx: json_format.MessageToDict(inner(data, ctx), preserving_proto_field_name=True)


def produce(args, values):
    producer = Producer({"bootstrap.servers": args["bootstrap"], "acks": "all", "linger.ms": 0})
    delivered = []
    for value in values:
        outcome = {}

        def report(err, msg, outcome=outcome):
            if err is not None:
                outcome.update(error=err.name(), code=err.code(), message=err.str())
            else:
                outcome.update(offset=msg.offset())

        producer.produce(args["topic"], value=value, partition=0, on_delivery=report)
        producer.flush(30)
        delivered.append(outcome or {"error": "TIMED_OUT", "code": -1, "message": "no delivery report"})
    emit({"event": "done", "delivered": delivered})


def consume(args, client):
    deserialize = deserializer(args, client)
    ctx = SerializationContext(args["topic"], MessageField.VALUE)
    consumer = Consumer(
        {
            "bootstrap.servers": args["bootstrap"],
            "group.id": "kafkaless-schemas",
            "enable.auto.commit": False,
        }
    )
    consumer.assign([TopicPartition(args["topic"], 0, OFFSET_BEGINNING)])
    records = []
    deadline = time.monotonic() + args.get("timeout_ms", 30_000) / 1000
    while len(records) < args["count"] and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error() is not None:
            emit({"event": "error", "error": msg.error().str()})
            continue
        data = msg.value()
        records.append(
            {
                "offset": msg.offset(),
                "magic": data[0],
                "id": int.from_bytes(data[1:5], "big"),
                "value": deserialize(data, ctx),
            }
        )
    consumer.close()
    emit({"event": "done", "records": records})


def main():
    args = json.loads(sys.argv[1])
    client = SchemaRegistryClient({"url": args["registry"]}) if "registry" in args else None
    op = args["op"]
    if op == "consume":
        consume(args, client)
    elif op == "produce-raw":
        produce(args, [base64.b64decode(raw) for raw in args["raw"]])
    else:
        serialize = serializer(args, client)
        ctx = SerializationContext(args["topic"], MessageField.VALUE)
        encoded = []
        for index, value in enumerate(args["values"]):
            try:
                encoded.append(serialize(value, ctx))
            except SchemaRegistryError as e:
                emit(
                    {
                        "event": "serialize-error",
                        "index": index,
                        "status": e.http_status_code,
                        "code": e.error_code,
                        "message": e.error_message,
                    }
                )
                return
        produce(args, encoded)


if __name__ == "__main__":
    main()
