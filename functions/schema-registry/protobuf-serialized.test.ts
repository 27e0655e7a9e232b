import { describe, expect, it } from 'vitest';
import { MemoryMetaStore } from '../../shared/storage/memory/meta.js';
import { schemaRegistryApp } from './app.js';
import { looksSerialized, protoTextFromSerialized, serializedFromProtoText } from './protobuf-serialized.js';

/**
 * order.proto as Python's protobuf (7.36, upb) serialized it after its
 * DescriptorPool accepted it: a FileDescriptorProto built with
 * json_format.ParseDict, as confluent-kafka-python's ProtobufSerializer
 * registers it (base64 of FileDescriptor.serialized_pb).
 */
const GOLDEN =
  'CgtvcmRlci5wcm90bxIHc2hvcC52MRofZ29vZ2xlL3Byb3RvYnVmL3RpbWVzdGFtcC5wcm90byL2AwoFT3JkZXISDgoCaWQYASABKAlSAmlkEjYKCmxpbmVfaXRlbXMYAiADKAsyFy5zaG9wLnYxLk9yZGVyLkxpbmVJdGVtUglsaW5lSXRlbXMSPgoKYXR0cmlidXRlcxgDIAMoCzIeLnNob3AudjEuT3JkZXIuQXR0cmlidXRlc0VudHJ5UgphdHRyaWJ1dGVzEhQKBGNhcmQYBCABKAlIAFIEY2FyZBIaCgd2b3VjaGVyGAUgASgDSABSB3ZvdWNoZXISFwoEbm90ZRgGIAEoCUgBUgRub3RliAEBEicKBnN0YXR1cxgHIAEoDjIPLnNob3AudjEuU3RhdHVzUgZzdGF0dXMSMgoGcGxhY2VkGAggASgLMhouZ29vZ2xlLnByb3RvYnVmLlRpbWVzdGFtcFIGcGxhY2VkEhwKB3dlaWdodHMYCSADKBFCAhAAUgd3ZWlnaHRzGjgKCExpbmVJdGVtEhAKA3NrdRgBIAEoCVIDc2t1EhoKCHF1YW50aXR5GAIgASgNUghxdWFudGl0eRo9Cg9BdHRyaWJ1dGVzRW50cnkSEAoDa2V5GAEgASgJUgNrZXkSFAoFdmFsdWUYAiABKAFSBXZhbHVlOgI4AUIJCgdwYXltZW50QgcKBV9ub3RlSgQIChANSgQIDxAQUgZsZWdhY3kqOQoGU3RhdHVzEhYKElNUQVRVU19VTlNQRUNJRklFRBAAEgoKBlBMQUNFRBABEgsKB1NISVBQRUQQAkIkChBjb20uZXhhbXBsZS5zaG9wWhBleGFtcGxlLmNvbS9zaG9wYgZwcm90bzM=';

const ORDER_PROTO = `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
option java_package = "com.example.shop";
option go_package = "example.com/shop";

message Order {
  string id = 1;
  repeated .shop.v1.Order.LineItem line_items = 2;
  map<string, double> attributes = 3;
  oneof payment {
    string card = 4;
    int64 voucher = 5;
  }
  optional string note = 6;
  .shop.v1.Status status = 7;
  .google.protobuf.Timestamp placed = 8;
  repeated sint32 weights = 9 [packed = false];
  message LineItem {
    string sku = 1;
    uint32 quantity = 2;
  }
  reserved 10 to 12, 15;
  reserved "legacy";
}

enum Status {
  STATUS_UNSPECIFIED = 0;
  PLACED = 1;
  SHIPPED = 2;
}
`;

describe('Protobuf schemas as serialized FileDescriptorProtos', () => {
  it('renders a descriptor Python serialized as .proto text: maps, oneofs, proto3 optional, reserved, options', () => {
    expect(protoTextFromSerialized(GOLDEN)).toBe(ORDER_PROTO);
  });

  it('serializes .proto text to a descriptor that renders back to the same text', () => {
    // Python's DescriptorPool accepting this form is what test/schemas (python, protobuf) pins.
    const serialized = serializedFromProtoText(ORDER_PROTO);
    expect(looksSerialized(serialized)).toBe(true);
    expect(protoTextFromSerialized(serialized)).toBe(ORDER_PROTO);
  });

  it('tells base64 from .proto text', () => {
    expect(looksSerialized(GOLDEN)).toBe(true);
    expect(looksSerialized(ORDER_PROTO)).toBe(false);
    expect(looksSerialized('syntax="proto3";message M{}')).toBe(false);
  });

  it('the registry takes the serialized form, keeps text, and answers ?format=serialized', async () => {
    const app = schemaRegistryApp({ meta: new MemoryMetaStore() });
    const json = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    // Google's well-known types are built in: serializers register them without references.
    const registered = await app.request('/subjects/orders-value/versions', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ schemaType: 'PROTOBUF', schema: GOLDEN }),
    });
    expect(registered.status).toBe(200);
    const { id } = (await registered.json()) as { id: number };

    const asText = (await (await app.request(`/schemas/ids/${id}`)).json()) as { schema: string };
    expect(asText.schema).toContain('map<string, double> attributes = 3;');
    const serialized = (await (await app.request(`/subjects/orders-value/versions/1?format=serialized`)).json()) as {
      schema: string;
    };
    expect(looksSerialized(serialized.schema)).toBe(true);
    expect(protoTextFromSerialized(serialized.schema)).toContain('oneof payment {');

    // The same schema as text is the same schema.
    const lookup = await app.request('/subjects/orders-value', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ schemaType: 'PROTOBUF', schema: ORDER_PROTO }),
    });
    expect(lookup.status).toBe(200);
    expect(((await lookup.json()) as { id: number }).id).toBe(id);

    const garbage = await app.request('/subjects/orders-value/versions', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ schemaType: 'PROTOBUF', schema: 'AAAA' }),
    });
    expect(garbage.status).toBe(422);
    expect(((await garbage.json()) as { error_code: number }).error_code).toBe(42201);
  });
});
