/**
 * Topic configurations by Kafka's names, with Kafka's defaults, types and
 * validation. A topic stores only what was set explicitly; everything else
 * resolves through broker-level overrides to Kafka's defaults.
 */

export type ConfigType = 'boolean' | 'int' | 'long' | 'double' | 'string' | 'list' | 'class' | 'password';

export interface ConfigDefinition {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka's default, as text; null where Kafka's default is null. */
  readonly default: string | null;
  readonly doc: string;
  /** Returns an error message when `value` is not acceptable. */
  readonly validate?: (value: string) => string | undefined;
}

// The table is completed with every topic config Kafka defines; these are the ones the data path reads.
export const TOPIC_CONFIGS: readonly ConfigDefinition[] = [
  {
    name: 'max.message.bytes',
    type: 'int',
    default: '1048588',
    doc: 'The largest record batch size allowed by Kafka (after compression if compression is enabled).',
  },
  {
    name: 'message.timestamp.type',
    type: 'string',
    default: 'CreateTime',
    doc: 'Whether the timestamp in the message is message create time or log append time.',
  },
];

export const topicConfigDefinitions: ReadonlyMap<string, ConfigDefinition> = new Map(
  TOPIC_CONFIGS.map((c) => [c.name, c]),
);

/** Where a resolved value came from, as DescribeConfigs reports it. */
export type ConfigSource = 'topic' | 'broker' | 'default';

/** A topic's effective value for `name`: explicit, then broker override, then Kafka's default. */
export function resolveTopicConfig(
  name: string,
  explicit: Readonly<Record<string, string>>,
  brokerDefaults: Readonly<Record<string, string>>,
): { value: string | null; source: ConfigSource } {
  if (name in explicit) return { value: explicit[name]!, source: 'topic' };
  if (name in brokerDefaults) return { value: brokerDefaults[name]!, source: 'broker' };
  return { value: topicConfigDefinitions.get(name)?.default ?? null, source: 'default' };
}
