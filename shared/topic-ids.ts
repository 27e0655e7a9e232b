/**
 * Topic ids as Kafka makes them (`Uuid.randomUuid`): a random version-4 UUID
 * in Kafka's 22-character base64url form, never the zero id, never the id
 * Kafka reserves for its metadata topic, and never one whose text starts with
 * '-' (it would read as a command-line flag).
 */

import { uuidToString, ZERO_UUID } from './protocol/primitives.js';

/** Kafka's `Uuid.METADATA_TOPIC_ID`. */
export const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

export function newTopicId(): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const id = uuidToString(bytes);
    if (id !== ZERO_UUID && id !== METADATA_TOPIC_ID && !id.startsWith('-')) return id;
  }
}
