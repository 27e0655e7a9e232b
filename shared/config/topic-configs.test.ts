import { describe, expect, it } from 'vitest';
import { brokerConfigEntries, ConfigSourceCode, topicConfigEntries } from './config-entries.js';
import {
  BROKER_CONFIGS,
  brokerConfigDefinitions,
  brokerConfigSynonyms,
  canonicalConfigValue,
  javaDouble,
  KAFKA_TOPIC_CONFIGS,
  parseConfigValue,
  resolveTopicConfig,
  TOPIC_CONFIGS,
  topicConfigDefinitions,
  validateTopicConfigs,
} from './topic-configs.js';

const settings = { nodeId: 0, autoCreateTopics: true, defaultPartitions: 1, topicDefaults: {} };

function check(name: string, value: string): string | undefined {
  const def = topicConfigDefinitions.get(name) ?? brokerConfigDefinitions.get(name);
  if (def === undefined) throw new Error(`no config ${name}`);
  return def.validate!(value);
}

describe('the config tables', () => {
  it('hold every topic config Kafka 3.9 defines and the schema validation ones, each once', () => {
    expect(TOPIC_CONFIGS).toHaveLength(41);
    expect(new Set(TOPIC_CONFIGS.map((c) => c.name)).size).toBe(TOPIC_CONFIGS.length);
    expect(new Set(BROKER_CONFIGS.map((c) => c.name)).size).toBe(BROKER_CONFIGS.length);
    for (const name of [
      'cleanup.policy',
      'compression.type',
      'delete.retention.ms',
      'file.delete.delay.ms',
      'flush.messages',
      'flush.ms',
      'follower.replication.throttled.replicas',
      'leader.replication.throttled.replicas',
      'index.interval.bytes',
      'local.retention.bytes',
      'local.retention.ms',
      'max.compaction.lag.ms',
      'max.message.bytes',
      'message.downconversion.enable',
      'message.format.version',
      'message.timestamp.after.max.ms',
      'message.timestamp.before.max.ms',
      'message.timestamp.difference.max.ms',
      'message.timestamp.type',
      'min.cleanable.dirty.ratio',
      'min.compaction.lag.ms',
      'min.insync.replicas',
      'preallocate',
      'remote.storage.enable',
      'retention.bytes',
      'retention.ms',
      'segment.bytes',
      'segment.index.bytes',
      'segment.jitter.ms',
      'segment.ms',
      'unclean.leader.election.enable',
      'compression.gzip.level',
      'compression.lz4.level',
      'compression.zstd.level',
      'remote.log.copy.disable',
      'remote.log.delete.on.disable',
      'confluent.key.schema.validation',
      'confluent.value.schema.validation',
      'confluent.key.subject.name.strategy',
      'confluent.value.subject.name.strategy',
      'kafkaless.schema.validation.payload',
    ]) {
      expect(topicConfigDefinitions.has(name), name).toBe(true);
    }
  });

  it('accept every default of their own', () => {
    for (const def of [...TOPIC_CONFIGS, ...BROKER_CONFIGS]) {
      expect(def.doc.length, def.name).toBeGreaterThan(0);
      expect(def.validate, def.name).toBeDefined();
      if (def.default !== null) expect(def.validate!(def.default), def.name).toBeUndefined();
    }
    expect(validateTopicConfigs({}, {})).toBeUndefined();
  });

  it('map every topic config with a broker synonym to broker configs that exist', () => {
    for (const def of TOPIC_CONFIGS) {
      for (const synonym of def.serverSynonyms ?? []) {
        expect(brokerConfigDefinitions.has(synonym), `${def.name} → ${synonym}`).toBe(true);
      }
      const primary = def.serverSynonyms?.[0];
      if (primary !== undefined) expect(brokerConfigSynonyms(primary)).toEqual(def.serverSynonyms);
    }
    expect(topicConfigDefinitions.get('retention.ms')!.serverSynonyms![0]).toBe('log.retention.ms');
    expect(topicConfigDefinitions.get('max.message.bytes')!.serverSynonyms![0]).toBe('message.max.bytes');
    expect(topicConfigDefinitions.get('remote.storage.enable')!.serverSynonyms).toBeUndefined();
  });
});

describe('config values', () => {
  it('parse as Kafka parses them', () => {
    expect(parseConfigValue('x', 'boolean', ' TRUE ')).toEqual({ ok: true, value: true });
    expect(parseConfigValue('x', 'int', '+5')).toEqual({ ok: true, value: 5n });
    expect(parseConfigValue('x', 'int', '2147483648')).toMatchObject({ ok: false });
    expect(parseConfigValue('x', 'long', '9223372036854775807')).toEqual({ ok: true, value: 2n ** 63n - 1n });
    expect(parseConfigValue('x', 'long', '9223372036854775808')).toMatchObject({
      ok: false,
      error: 'Invalid value 9223372036854775808 for configuration x: Not a number of type LONG',
    });
    expect(parseConfigValue('x', 'long', '1.5')).toMatchObject({ ok: false });
    expect(parseConfigValue('x', 'double', '1e-1')).toEqual({ ok: true, value: 0.1 });
    expect(parseConfigValue('x', 'double', 'half')).toMatchObject({ ok: false });
    expect(parseConfigValue('x', 'list', ' a , b,c ')).toEqual({ ok: true, value: ['a', 'b', 'c'] });
    expect(parseConfigValue('x', 'list', '  ')).toEqual({ ok: true, value: [] });
  });

  it('print as Java prints them', () => {
    expect(javaDouble(0.5)).toBe('0.5');
    expect(javaDouble(1)).toBe('1.0');
    expect(javaDouble(0.0001)).toBe('1.0E-4');
    expect(javaDouble(12345678)).toBe('1.2345678E7');
    const ratio = topicConfigDefinitions.get('min.cleanable.dirty.ratio')!;
    expect(canonicalConfigValue(ratio, '1')).toBe('1.0');
    expect(canonicalConfigValue(topicConfigDefinitions.get('cleanup.policy')!, 'compact , delete')).toBe(
      'compact,delete',
    );
    expect(canonicalConfigValue(topicConfigDefinitions.get('preallocate')!, 'True')).toBe('true');
  });

  it('validate ranges, enumerations and Kafka’s special forms', () => {
    expect(check('segment.bytes', '13')).toBe(
      'Invalid value 13 for configuration segment.bytes: Value must be at least 14',
    );
    expect(check('retention.bytes', '-100')).toBeUndefined();
    expect(check('retention.ms', '-1')).toBeUndefined();
    expect(check('local.retention.ms', '-3')).toBeDefined();
    expect(check('cleanup.policy', 'compact,delete')).toBeUndefined();
    expect(check('cleanup.policy', 'Compact')).toBeDefined();
    expect(check('cleanup.policy', '')).toBeUndefined();
    for (const codec of ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer']) {
      expect(check('compression.type', codec)).toBeUndefined();
    }
    expect(check('compression.type', 'none')).toBeDefined();
    expect(check('message.timestamp.type', 'LogAppendTime')).toBeUndefined();
    expect(check('compression.gzip.level', '-1')).toBeUndefined();
    expect(check('compression.gzip.level', '0')).toBe(
      'Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1',
    );
    expect(check('compression.lz4.level', '18')).toBeDefined();
    expect(check('compression.zstd.level', '-131072')).toBeUndefined();
    expect(check('min.cleanable.dirty.ratio', '-0.1')).toBe(
      'Invalid value -0.1 for configuration min.cleanable.dirty.ratio: Value must be at least 0',
    );
    expect(check('leader.replication.throttled.replicas', '*')).toBeUndefined();
    expect(check('leader.replication.throttled.replicas', '0:1, 2:3')).toBeUndefined();
    expect(check('follower.replication.throttled.replicas', 'all')).toContain("must be the literal '*'");
    for (const version of ['3.9', '3.0-IV1', '2.8-IV1', '0.10.2', '0.10.2.1', '3.9.1', '4.0-IV0', '0.8.0']) {
      expect(check('message.format.version', version), version).toBeUndefined();
    }
    expect(check('message.format.version', '4.0')).toBe(
      'Invalid value 4.0 for configuration message.format.version: Version 4.0 is not a valid version',
    );
    expect(check('message.format.version', 'latest')).toBeDefined();
  });

  it('take Confluent Server’s schema validation configs with its defaults and strategy classes', () => {
    expect(resolveTopicConfig('confluent.value.schema.validation', {}, {}).value).toBe('false');
    expect(resolveTopicConfig('confluent.key.schema.validation', {}, {}).value).toBe('false');
    expect(resolveTopicConfig('kafkaless.schema.validation.payload', {}, {}).value).toBe('false');
    for (const side of ['key', 'value']) {
      const name = `confluent.${side}.subject.name.strategy`;
      expect(resolveTopicConfig(name, {}, {}).value).toBe('io.confluent.kafka.serializers.subject.TopicNameStrategy');
      for (const strategy of ['TopicNameStrategy', 'RecordNameStrategy', 'TopicRecordNameStrategy']) {
        expect(check(name, `io.confluent.kafka.serializers.subject.${strategy}`), strategy).toBeUndefined();
      }
      expect(check(name, 'com.example.MyStrategy')).toBe(
        `Invalid value com.example.MyStrategy for configuration ${name}: String must be one of: ` +
          'io.confluent.kafka.serializers.subject.TopicNameStrategy, ' +
          'io.confluent.kafka.serializers.subject.RecordNameStrategy, ' +
          'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy',
      );
    }
    expect(check('confluent.value.schema.validation', 'yes')).toBe(
      'Invalid value yes for configuration confluent.value.schema.validation: Expected value to be either true or false',
    );
    expect(validateTopicConfigs({ 'confluent.value.schema.validation': 'TRUE' }, {})).toBeUndefined();
  });

  it('validate a whole set: names first, then values in Kafka’s order, then cross-config rules', () => {
    expect(validateTopicConfigs({ 'retention.ms': 'x', 'no.such': '1' }, {})).toBe(
      'Unknown topic config name: no.such',
    );
    expect(validateTopicConfigs({ 'retention.ms': 'x', 'segment.bytes': 'y' }, {})).toContain('segment.bytes');
    expect(validateTopicConfigs({ 'min.compaction.lag.ms': '10' }, { 'max.compaction.lag.ms': '5' })).toBe(
      'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)',
    );
    expect(validateTopicConfigs({ 'remote.storage.enable': 'false' }, {})).toBeUndefined();
  });

  it('resolve explicit, then broker, then Kafka’s default', () => {
    expect(resolveTopicConfig('retention.ms', { 'retention.ms': '1' }, { 'retention.ms': '2' })).toEqual({
      value: '1',
      source: 'topic',
    });
    expect(resolveTopicConfig('retention.ms', {}, { 'retention.ms': '2' })).toEqual({ value: '2', source: 'broker' });
    expect(resolveTopicConfig('retention.ms', {}, {})).toEqual({ value: '604800000', source: 'default' });
  });
});

describe('config entries', () => {
  it('describe every topic config and every broker config', () => {
    const topic = topicConfigEntries({ 'retention.ms': '5' }, settings);
    expect(topic).toHaveLength(KAFKA_TOPIC_CONFIGS.length);
    expect(topic.find((e) => e.name === 'retention.ms')!.source).toBe(ConfigSourceCode.DYNAMIC_TOPIC_CONFIG);
    const broker = brokerConfigEntries(settings);
    expect(broker).toHaveLength(BROKER_CONFIGS.length);
    expect(broker.every((e) => e.readOnly)).toBe(true);
  });

  it('list a config beyond Kafka only where set, so an ordinary topic describes as on Kafka', () => {
    const plain = topicConfigEntries({}, settings).map((e) => e.name);
    expect(plain).not.toContain('confluent.value.schema.validation');
    expect(plain).toEqual(KAFKA_TOPIC_CONFIGS.map((c) => c.name).sort());
    const set = topicConfigEntries({ 'confluent.value.schema.validation': 'true' }, settings);
    expect(set.find((e) => e.name === 'confluent.value.schema.validation')).toMatchObject({
      value: 'true',
      source: ConfigSourceCode.DYNAMIC_TOPIC_CONFIG,
    });
    expect(set).toHaveLength(KAFKA_TOPIC_CONFIGS.length + 1);
    const fromBroker = topicConfigEntries(
      {},
      { ...settings, topicDefaults: { 'kafkaless.schema.validation.payload': 'true' } },
    );
    expect(fromBroker.find((e) => e.name === 'kafkaless.schema.validation.payload')?.value).toBe('true');
  });
});
