import { describe, expect, it } from 'vitest';
import { Header } from '../shared/invocation.js';
import { decodeResponse, encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey, apis } from '../shared/protocol/generated/api-keys.js';
import { appFor } from './app.js';
import { allFunctions, functionNamed, functionsByName } from './registry.js';
import { harness, memoryEnv } from './test-harness.js';

/** A request frame at any version, valid or not: encoded at a valid version, then relabelled. */
function frameAt(apiKey: ApiKey, version: number): Uint8Array {
  const api = apis.get(apiKey)!;
  const encodable = Math.min(Math.max(version, api.validVersions[0]), api.validVersions[1]);
  const frame = encodeRequest(apiKey, encodable, 1, 'versions-test', {});
  new DataView(frame.buffer, frame.byteOffset).setInt16(2, version);
  return frame;
}

describe('registry', () => {
  it('holds one function per API, each under its folder name', () => {
    const keys = allFunctions.map((f) => f.apiKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [name, fn] of functionsByName) {
      expect(name).toBe(
        apis
          .get(fn.apiKey)!
          .name.replace(/([a-z])([A-Z])/g, '$1-$2')
          .toLowerCase(),
      );
    }
  });

  it('serves exactly the versions each function declares, and closes the connection beyond them', async () => {
    const h = harness();
    for (const fn of allFunctions) {
      const api = apis.get(fn.apiKey)!;
      for (let version = api.validVersions[0]; version <= api.validVersions[1] + 1; version++) {
        const res = await h.send(frameAt(fn.apiKey, version));
        const served = version >= fn.versions[0] && version <= fn.versions[1];
        const label = `${api.name} v${version}`;
        // An all-default DescribeAcls filter is UNKNOWN throughout, which Kafka cannot parse: it closes the connection.
        if (served && fn.apiKey === ApiKey.DescribeAcls) {
          expect(res.headers.get(Header.action), label).toBe('close');
        } else if (served) {
          expect([200, 204], label).toContain(res.status);
        } else if (fn.apiKey === 18) {
          expect(res.status, label).toBe(200);
        } else {
          expect(res.status, label).toBe(400);
          expect(res.headers.get(Header.action), label).toBe('close');
        }
      }
    }
  });

  it('serves every version Kafka defines for each API it serves', () => {
    for (const fn of allFunctions) {
      expect(fn.versions, apis.get(fn.apiKey)!.name).toEqual(apis.get(fn.apiKey)!.validVersions);
    }
  });

  it('builds apps for a chosen few by folder or Kafka name', async () => {
    expect(functionNamed('ListOffsets')).toBe(functionNamed('list-offsets'));
    expect(functionNamed('EndTxn')).toBe(functionNamed('end-txn'));
    expect(() => functionNamed('write-txn-markers')).toThrow(/no function serves/);
    const env = memoryEnv();
    const app = appFor(['Metadata', 'api-versions'], env, { secrets: [], requireSignature: false });
    const served = await app.fetch(
      new Request('http://f/kafka', { method: 'POST', body: frameAt(ApiKey.Metadata, 12) }),
    );
    expect(served.status).toBe(200);
    const other = await app.fetch(new Request('http://f/kafka', { method: 'POST', body: frameAt(ApiKey.Fetch, 12) }));
    expect(other.status).toBe(404);
  });

  it('reads a request to the end of its schema and ignores bytes after it, as Kafka does', async () => {
    const h = harness();
    const frame = encodeRequest(ApiKey.Metadata, 12, 7, 'trailing', { topics: null, allowAutoTopicCreation: false });
    const padded = new Uint8Array(frame.length + 3);
    padded.set(frame);
    padded.set([1, 0, 0], frame.length);
    const res = await h.send(padded);
    expect(res.status).toBe(200);
    const answer = decodeResponse(ApiKey.Metadata, 12, new Uint8Array(await res.arrayBuffer()));
    expect(answer.correlationId).toBe(7);
    expect(answer.body.brokers).toHaveLength(1);
  });
});
