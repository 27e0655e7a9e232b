import { describe, expect, it } from 'vitest';
import {
  isSubjectNameStrategy,
  readEnvelope,
  readMessageIndexes,
  SUBJECT_NAME_STRATEGIES,
  SubjectNameStrategy,
  subjectFor,
} from './wire.js';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('the wire envelope', () => {
  it('reads the schema id big-endian after magic byte 0', () => {
    expect(readEnvelope(bytes(0, 0, 0, 1, 2, 0xaa))).toEqual({ ok: true, value: { schemaId: 258, offset: 5 } });
    expect(readEnvelope(bytes(0, 0x7f, 0xff, 0xff, 0xff))).toEqual({
      ok: true,
      value: { schemaId: 2 ** 31 - 1, offset: 5 },
    });
  });

  it('reads the envelope of a view into a larger buffer at the view’s offset', () => {
    const buffer = bytes(9, 9, 0, 0, 0, 0, 7, 1);
    expect(readEnvelope(buffer.subarray(2))).toEqual({ ok: true, value: { schemaId: 7, offset: 5 } });
  });

  it('refuses another magic byte, an empty value and a cut-off id', () => {
    expect(readEnvelope(bytes(0x7b, 0x22))).toEqual({ ok: false, message: 'unknown magic byte 123' });
    expect(readEnvelope(bytes())).toMatchObject({ ok: false, message: 'empty, no schema id envelope' });
    expect(readEnvelope(bytes(0, 0, 1))).toEqual({
      ok: false,
      message: '3 bytes, too short for the magic byte and schema id',
    });
  });
});

describe('protobuf message indexes', () => {
  it('read a single 0 byte as [0], the first message', () => {
    expect(readMessageIndexes(bytes(0, 0, 0, 0, 1, 0, 0x08), 5)).toEqual({
      ok: true,
      value: { indexes: [0], offset: 6 },
    });
  });

  it('read a zig-zag count then zig-zag indexes', () => {
    // count 2 → 4; indexes 1 → 2, 70 → 140 (two varint bytes 0x8c 0x01)
    expect(readMessageIndexes(bytes(4, 2, 0x8c, 0x01, 0xff), 0)).toEqual({
      ok: true,
      value: { indexes: [1, 70], offset: 4 },
    });
  });

  it('refuse truncated, negative and oversized index lists', () => {
    expect(readMessageIndexes(bytes(), 0)).toEqual({ ok: false, message: 'truncated message indexes' });
    expect(readMessageIndexes(bytes(4, 2), 0)).toEqual({ ok: false, message: 'truncated message indexes' });
    expect(readMessageIndexes(bytes(4, 2, 0x80), 0)).toEqual({ ok: false, message: 'truncated message indexes' });
    expect(readMessageIndexes(bytes(1), 0)).toEqual({ ok: false, message: 'invalid message index count -1' });
    expect(readMessageIndexes(bytes(2, 3), 0)).toEqual({ ok: false, message: 'invalid message index -2' });
    expect(readMessageIndexes(bytes(200, 1, 0), 0)).toEqual({ ok: false, message: 'truncated message indexes' });
    expect(readMessageIndexes(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 0)).toEqual({
      ok: false,
      message: 'truncated message indexes',
    });
  });
});

describe('subject name strategies', () => {
  it('name subjects as Confluent’s serializers do', () => {
    expect(subjectFor(SubjectNameStrategy.TOPIC, 'orders', false, 'com.acme.Order')).toBe('orders-value');
    expect(subjectFor(SubjectNameStrategy.TOPIC, 'orders', true, 'com.acme.Order')).toBe('orders-key');
    expect(subjectFor(SubjectNameStrategy.RECORD, 'orders', false, 'com.acme.Order')).toBe('com.acme.Order');
    expect(subjectFor(SubjectNameStrategy.TOPIC_RECORD, 'orders', true, 'com.acme.Order')).toBe(
      'orders-com.acme.Order',
    );
  });

  it('are exactly Confluent’s three classes', () => {
    expect(SUBJECT_NAME_STRATEGIES).toEqual([
      'io.confluent.kafka.serializers.subject.TopicNameStrategy',
      'io.confluent.kafka.serializers.subject.RecordNameStrategy',
      'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy',
    ]);
    expect(isSubjectNameStrategy('io.confluent.kafka.serializers.subject.RecordNameStrategy')).toBe(true);
    expect(isSubjectNameStrategy('RecordNameStrategy')).toBe(false);
  });
});
