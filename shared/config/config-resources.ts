/**
 * The resources configs belong to and the operations that change them, with
 * Kafka's wire ids (ConfigResource.Type, AlterConfigOp.OpType).
 */

export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
} as const;

export const AlterConfigOp = {
  SET: 0,
  DELETE: 1,
  APPEND: 2,
  SUBTRACT: 3,
} as const;

export const ALTER_CONFIG_OP_NAMES: Readonly<Record<number, string>> = {
  [AlterConfigOp.SET]: 'SET',
  [AlterConfigOp.DELETE]: 'DELETE',
  [AlterConfigOp.APPEND]: 'APPEND',
  [AlterConfigOp.SUBTRACT]: 'SUBTRACT',
};

/** A resource name read as a node id, as Scala's `toInt` reads it; undefined when it is not one. */
export function nodeIdOf(name: string): number | undefined {
  if (!/^[+-]?\d+$/.test(name)) return undefined;
  const n = Number(name);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
}
