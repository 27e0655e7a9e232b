"""The librdkafka client of test/security (confluent-kafka-python).

Usage: sasl_client.py '<json>' with bootstrap, mechanism, user, password,
ca, topic, count. Produces `count` records, consumes them back, prints one
JSON line: {"consumed": [...]} or {"error": <KafkaError name>, "message": ...},
the error being the first a delivery report or the consumer's poll gave
(of the latter, only authorization errors end the run).
"""

import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer


def main() -> None:
    args = json.loads(sys.argv[1])
    common = {
        "bootstrap.servers": args["bootstrap"],
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": args["mechanism"],
        "sasl.username": args["user"],
        "sasl.password": args["password"],
        "ssl.ca.location": args["ca"],
    }
    errors = []

    def on_error(err):
        errors.append(err)

    try:
        producer = Producer({**common, "error_cb": on_error, "message.timeout.ms": 20000})
        delivered = []
        for i in range(args["count"]):
            producer.produce(args["topic"], value=f"python-{i}", on_delivery=lambda e, m: delivered.append(e))
        deadline = time.time() + 30
        fatal = []
        while len(delivered) < args["count"] and not fatal and time.time() < deadline:
            producer.poll(0.2)
            fatal = [e for e in errors if e.name() in ("_AUTHENTICATION", "SASL_AUTHENTICATION_FAILED")]
        if fatal:
            print(json.dumps({"error": fatal[0].name(), "message": fatal[0].str()}))
            return
        failed = [e for e in delivered if e is not None]
        if failed:
            print(json.dumps({"error": failed[0].name(), "message": failed[0].str()}))
            return
        if len(delivered) != args["count"]:
            print(json.dumps({"error": "DELIVERY", "message": str(errors)}))
            return
        consumer = Consumer(
            {**common, "group.id": f"sasl-python-{args['topic']}", "auto.offset.reset": "earliest", "error_cb": on_error}
        )
        consumer.subscribe([args["topic"]])
        values = []
        deadline = time.time() + 60
        while len(values) < args["count"] and time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error() is None:
                values.append(msg.value().decode())
            elif msg.error().name().endswith("AUTHORIZATION_FAILED"):
                consumer.close()
                print(json.dumps({"error": msg.error().name(), "message": msg.error().str()}))
                return
        consumer.close()
        print(json.dumps({"consumed": values}))
    except KafkaException as e:
        err = e.args[0]
        print(json.dumps({"error": err.name(), "message": err.str()}))


main()
