/**
 * Kafka record formats: magic-2 record batches, legacy magic-0/1 message sets,
 * CRC-32C and CRC-32, and the five compression codecs. Pure: no I/O.
 */
export * from './batch.js';
export * from './compression/index.js';
export * from './control.js';
export * from './convert.js';
export * from './crc32.js';
export * from './crc32c.js';
export * from './errors.js';
export * from './legacy.js';
export * from './record-set.js';
export * from './records.js';
export * from './validate.js';
