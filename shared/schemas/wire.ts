/**
 * Confluent's wire format for schema-registry-aware record keys and values,
 * and the subject name strategies that say which subject a schema id must be
 * registered under. Pure: bytes and names in, results out.
 *
 * The envelope: magic byte 0, the schema id as a 4-byte big-endian int, then
 * (PROTOBUF only) the message indexes that pick the message type within the
 * schema, then the serialized payload. Message indexes are a zig-zag varint
 * count followed by that many zig-zag varint indexes; the common case, the
 * first top-level message, is written as the single byte 0 and means [0].
 */

export const WIRE_MAGIC = 0;
/** Magic byte and schema id. */
export const ENVELOPE_BYTES = 5;

export const SubjectNameStrategy = {
  TOPIC: 'io.confluent.kafka.serializers.subject.TopicNameStrategy',
  RECORD: 'io.confluent.kafka.serializers.subject.RecordNameStrategy',
  TOPIC_RECORD: 'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy',
} as const;
export type SubjectNameStrategy = (typeof SubjectNameStrategy)[keyof typeof SubjectNameStrategy];

export const SUBJECT_NAME_STRATEGIES: readonly SubjectNameStrategy[] = Object.values(SubjectNameStrategy);

export function isSubjectNameStrategy(value: string): value is SubjectNameStrategy {
  return (SUBJECT_NAME_STRATEGIES as readonly string[]).includes(value);
}

export type WireResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** The schema id of an envelope, and where what follows it starts. */
export function readEnvelope(bytes: Uint8Array): WireResult<{ schemaId: number; offset: number }> {
  if (bytes.length === 0) return { ok: false, message: 'empty, no schema id envelope' };
  if (bytes[0] !== WIRE_MAGIC) return { ok: false, message: `unknown magic byte ${bytes[0]}` };
  if (bytes.length < ENVELOPE_BYTES) {
    return { ok: false, message: `${bytes.length} bytes, too short for the magic byte and schema id` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ok: true, value: { schemaId: view.getInt32(1), offset: ENVELOPE_BYTES } };
}

/** Bounds a varint to 32 bits, as Confluent's ByteUtils.readVarint does. */
const MAX_VARINT_BYTES = 5;

function readZigZag(bytes: Uint8Array, offset: number): { value: number; offset: number } | null {
  let raw = 0;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const b = bytes[offset + i];
    if (b === undefined) return null;
    raw |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) return { value: (raw >>> 1) ^ -(raw & 1), offset: offset + i + 1 };
  }
  return null;
}

/** The message indexes at `offset` (after the envelope of a PROTOBUF key or value), and where the payload starts. */
export function readMessageIndexes(
  bytes: Uint8Array,
  offset: number,
): WireResult<{ indexes: number[]; offset: number }> {
  const count = readZigZag(bytes, offset);
  if (count === null) return { ok: false, message: 'truncated message indexes' };
  if (count.value === 0) return { ok: true, value: { indexes: [0], offset: count.offset } };
  if (count.value < 0) return { ok: false, message: `invalid message index count ${count.value}` };
  // Each index takes at least one byte, which bounds a corrupt count before anything is allocated for it.
  if (count.value > bytes.length - count.offset) return { ok: false, message: 'truncated message indexes' };
  const indexes: number[] = [];
  let at = count.offset;
  for (let i = 0; i < count.value; i++) {
    const index = readZigZag(bytes, at);
    if (index === null) return { ok: false, message: 'truncated message indexes' };
    if (index.value < 0) return { ok: false, message: `invalid message index ${index.value}` };
    indexes.push(index.value);
    at = index.offset;
  }
  return { ok: true, value: { indexes, offset: at } };
}

/**
 * The subject a key's or value's schema must be registered under:
 * `<topic>-key` / `<topic>-value`, the record's fully qualified name, or
 * `<topic>-<record name>`.
 */
export function subjectFor(strategy: SubjectNameStrategy, topic: string, isKey: boolean, recordName: string): string {
  switch (strategy) {
    case SubjectNameStrategy.TOPIC:
      return `${topic}-${isKey ? 'key' : 'value'}`;
    case SubjectNameStrategy.RECORD:
      return recordName;
    case SubjectNameStrategy.TOPIC_RECORD:
      return `${topic}-${recordName}`;
  }
}
