/**
 * Our generated codec against Apache Kafka's own message classes, for every
 * message and version both know: our bytes equal Kafka's bytes for the same
 * message, Kafka decodes our bytes to the message, and we decode Kafka's bytes
 * to the message. Ends with one summary line.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMessages } from '../../shared/protocol/generated/index.js';
import { type Message, type MessageSchema, valuesEqual } from '../../shared/protocol/schema.js';
import { MODES, randomMessage } from '../support/messages.js';
import { structFromJson, structToJson } from './kafka-json.js';
import { Oracle, OracleError } from './oracle.js';

const SEEDS = [1, 2];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A tagged field no definition uses: Kafka keeps it as unknown, we must skip it. */
const UNKNOWN_TAG = { path: '', tag: 1000, data: Buffer.from([1, 2, 3]).toString('base64') };

let oracle: Oracle;

beforeAll(async () => {
  oracle = await Oracle.start();
});

afterAll(async () => {
  await oracle?.close();
});

type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error : new Error(String(error)) }),
  );

function decodeProblem(m: Message<unknown>, version: number, bytes: Uint8Array, msg: unknown, what: string): string[] {
  try {
    return valuesEqual(m.decode(bytes, version), msg) ? [] : [`our decode of ${what} differs from the message`];
  } catch (e) {
    return [`we could not decode ${what}: ${(e as Error).message}`];
  }
}

async function checkOne(m: Message<unknown>, version: number, msg: Record<string, unknown>): Promise<string[]> {
  const schema: MessageSchema = m.schema;
  const problems: string[] = [];
  const ours = m.encode(msg, version);
  const json = structToJson(schema, version, msg);
  const [theirs, decodedOurs, withUnknown] = await Promise.all([
    settle(oracle.encode(schema.name, version, json)),
    settle(oracle.decode(schema.name, version, ours)),
    m.isFlexible(version) ? settle(oracle.encode(schema.name, version, json, [UNKNOWN_TAG])) : undefined,
  ]);
  if (!theirs.ok) problems.push(`Kafka could not encode the message: ${theirs.error.message}`);
  else {
    if (hex(theirs.value) !== hex(ours)) {
      problems.push(`bytes differ\n  ours:    ${hex(ours)}\n  Kafka's: ${hex(theirs.value)}`);
    }
    problems.push(...decodeProblem(m, version, theirs.value, msg, "Kafka's bytes"));
  }
  if (!decodedOurs.ok) problems.push(`Kafka could not decode our bytes: ${decodedOurs.error.message}`);
  else {
    const { remaining, json: kafkaJson } = decodedOurs.value;
    if (remaining !== 0) problems.push(`Kafka left ${remaining} of our bytes unread`);
    if (!valuesEqual(structFromJson(schema, version, kafkaJson), msg)) {
      problems.push(`Kafka's decode of our bytes differs: ${JSON.stringify(kafkaJson).slice(0, 400)}`);
    }
  }
  if (withUnknown !== undefined) {
    if (!withUnknown.ok) problems.push(`Kafka could not encode an unknown tag: ${withUnknown.error.message}`);
    else problems.push(...decodeProblem(m, version, withUnknown.value, msg, 'bytes with an unknown tagged field'));
  }
  return problems;
}

describe('codec against Apache Kafka (kafka-clients 3.9)', () => {
  it('encodes and decodes every message version both sides know exactly as Kafka does', async () => {
    const known = new Map((await oracle.messages()).messages.map((m) => [m.name, m]));
    let checked = 0;
    const mismatches: string[] = [];
    const notInKafka: string[] = [];
    for (const m of allMessages) {
      const java = known.get(m.schema.name);
      const [lo, hi] = m.schema.validVersions;
      if (java === undefined) {
        notInKafka.push(m.schema.name);
        continue;
      }
      const from = Math.max(lo, java.lowestSupportedVersion);
      const to = Math.min(hi, java.highestSupportedVersion);
      for (let v = from; v <= to; v++) {
        const results = await Promise.all(
          MODES.flatMap((mode) =>
            SEEDS.map(async (seed) => {
              const msg = randomMessage(m.schema, v, mode, seed * 7919 + v);
              return (await checkOne(m, v, msg)).map((p) => `${m.schema.name} v${v} (${mode}, seed ${seed}): ${p}`);
            }),
          ),
        );
        const problems = results.flat();
        checked++;
        if (problems.length > 0) mismatches.push(...problems);
        // Kafka's flexible-version list must match ours exactly.
        if (m.isFlexible(v) !== java.flexibleVersions.includes(v)) {
          mismatches.push(`${m.schema.name} v${v}: flexible here ${m.isFlexible(v)}, in Kafka ${!m.isFlexible(v)}`);
        }
      }
    }
    const failedVersions = new Set(mismatches.map((p) => p.split(' (')[0])).size;
    console.log(`oracle: ${checked} api-versions checked, ${failedVersions} mismatches`);
    if (notInKafka.length > 0) console.log(`oracle: not in kafka-clients 3.9: ${notInKafka.join(', ')}`);
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(checked).toBeGreaterThan(500);
  });

  it('refuses, as Kafka does, a non-ignorable field set at a version that lacks it', async () => {
    const { MetadataRequest } = await import('../../shared/protocol/generated/metadata.js');
    const json = { topics: [], allowAutoTopicCreation: false };
    const theirs = await oracle.encode('MetadataRequest', 3, json).catch((e: unknown) => e);
    expect(theirs).toBeInstanceOf(OracleError);
    expect(() => MetadataRequest.encode(json, 3)).toThrow(/allowAutoTopicCreation/);
  });
});
