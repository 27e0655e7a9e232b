/**
 * Resolved config entries as DescribeConfigs and CreateTopics (v5+) report
 * them: each value with its source, its synonyms in Kafka's order of
 * precedence, its type and documentation.
 *
 * Sources follow Kafka: an explicit topic value is DYNAMIC_TOPIC_CONFIG; a
 * value from the deployment's configuration (ClusterConfig, our
 * server.properties) is STATIC_BROKER_CONFIG; Kafka's own default is
 * DEFAULT_CONFIG. Kafkaless has no dynamic broker configs.
 */

import {
  BROKER_CONFIGS,
  brokerConfigDefinitions,
  brokerConfigSynonyms,
  type ConfigDefinition,
  type ConfigType,
  canonicalConfigValue,
  resolveTopicConfig,
  TOPIC_CONFIGS,
} from './topic-configs.js';

/** DescribeConfigsResponse.ConfigSource ids. */
export const ConfigSourceCode = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
} as const;

/** DescribeConfigsResponse.ConfigType ids (v3+). */
export const ConfigTypeCode = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

const TYPE_CODES: Readonly<Record<ConfigType, number>> = {
  boolean: ConfigTypeCode.BOOLEAN,
  string: ConfigTypeCode.STRING,
  int: ConfigTypeCode.INT,
  long: ConfigTypeCode.LONG,
  double: ConfigTypeCode.DOUBLE,
  list: ConfigTypeCode.LIST,
  class: ConfigTypeCode.CLASS,
  password: ConfigTypeCode.PASSWORD,
};

export function configTypeCode(type: ConfigType): number {
  return TYPE_CODES[type];
}

/** The deployment settings broker configs are read from (a subset of the functions' ClusterConfig). */
export interface BrokerSettings {
  readonly nodeId: number;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  /** Broker-level defaults for topic configs, by topic config name. */
  readonly topicDefaults: Readonly<Record<string, string>>;
}

export interface ConfigSynonymEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: number;
}

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: number;
  readonly readOnly: boolean;
  readonly isSensitive: boolean;
  /** Every synonym, the entry's own value first; callers drop them unless asked (includeSynonyms). */
  readonly synonyms: readonly ConfigSynonymEntry[];
  readonly type: ConfigType;
  readonly documentation: string;
}

/** Broker configs the deployment sets, by broker config name, as text. */
export function staticBrokerConfigs(settings: BrokerSettings): Map<string, string> {
  const values = new Map<string, string>([
    ['broker.id', String(settings.nodeId)],
    ['node.id', String(settings.nodeId)],
    ['num.partitions', String(settings.defaultPartitions)],
    ['auto.create.topics.enable', String(settings.autoCreateTopics)],
  ]);
  for (const def of TOPIC_CONFIGS) {
    const value = settings.topicDefaults[def.name];
    const primary = def.serverSynonyms?.[0];
    if (value !== undefined && primary !== undefined) values.set(primary, value);
  }
  return values;
}

function canonical(def: ConfigDefinition | undefined, value: string): string {
  return def === undefined ? value : canonicalConfigValue(def, value);
}

/**
 * Broker-level synonyms of `name` in Kafka's order: static values of the whole
 * synonym group, then defaults of the group, from `name` on (Kafka drops the
 * group members listed before it).
 */
function brokerSynonymChain(name: string, statics: ReadonlyMap<string, string>): ConfigSynonymEntry[] {
  const group = brokerConfigSynonyms(name);
  const chain: ConfigSynonymEntry[] = [];
  for (const member of group) {
    const value = statics.get(member);
    if (value !== undefined) {
      chain.push({
        name: member,
        value: canonical(brokerConfigDefinitions.get(member), value),
        source: ConfigSourceCode.STATIC_BROKER_CONFIG,
      });
    }
  }
  for (const member of group) {
    const fallback = brokerConfigDefinitions.get(member)?.default;
    if (fallback !== null && fallback !== undefined) {
      chain.push({ name: member, value: fallback, source: ConfigSourceCode.DEFAULT_CONFIG });
    }
  }
  const from = chain.findIndex((s) => s.name === name);
  return from < 0 ? [] : chain.slice(from);
}

/** A topic's resolved config, one entry for every topic config (extensions only where set), sorted by name. */
export function topicConfigEntries(
  explicit: Readonly<Record<string, string>>,
  settings: BrokerSettings,
): ConfigEntry[] {
  const statics = staticBrokerConfigs(settings);
  const entries: ConfigEntry[] = [];
  for (const def of TOPIC_CONFIGS) {
    const resolved = resolveTopicConfig(def.name, explicit, settings.topicDefaults);
    if (def.extension && resolved.source === 'default') continue;
    const value = resolved.value === null ? null : canonicalConfigValue(def, resolved.value);
    const primary = def.serverSynonyms?.[0];
    const synonyms = primary === undefined ? [] : brokerSynonymChain(primary, statics);
    if (resolved.source === 'topic') {
      synonyms.unshift({ name: def.name, value, source: ConfigSourceCode.DYNAMIC_TOPIC_CONFIG });
    }
    const source =
      resolved.source === 'topic'
        ? ConfigSourceCode.DYNAMIC_TOPIC_CONFIG
        : resolved.source === 'broker'
          ? ConfigSourceCode.STATIC_BROKER_CONFIG
          : ConfigSourceCode.DEFAULT_CONFIG;
    entries.push({
      name: def.name,
      value,
      source,
      readOnly: false,
      isSensitive: def.type === 'password',
      synonyms,
      type: def.type,
      documentation: def.doc,
    });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The broker's configs (a BROKER resource named by the node id), sorted by name; all read-only. */
export function brokerConfigEntries(settings: BrokerSettings): ConfigEntry[] {
  const statics = staticBrokerConfigs(settings);
  const entries = BROKER_CONFIGS.map((def): ConfigEntry => {
    const set = statics.get(def.name);
    const synonyms = brokerSynonymChain(def.name, statics);
    return {
      name: def.name,
      value: set === undefined ? def.default : canonicalConfigValue(def, set),
      source: synonyms[0]?.source ?? ConfigSourceCode.DEFAULT_CONFIG,
      readOnly: true,
      isSensitive: def.type === 'password',
      synonyms,
      type: def.type,
      documentation: def.doc,
    };
  });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
