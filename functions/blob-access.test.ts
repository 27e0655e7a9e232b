/**
 * A function sees a BlobStore that allows what its definition declares and
 * refuses the rest, so a function that reads or writes batch objects without
 * saying so fails its own tests rather than a least-privilege deployment.
 */

import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest } from '../shared/protocol/frame.js';
import { ApiKey } from '../shared/protocol/generated/api-keys.js';
import { MemoryBlobStore } from '../shared/storage/memory/blobs.js';
import { type BlobAccess, scopedBlobs, UndeclaredBlobAccessError } from './blob-access.js';
import { defineFunction, functionApp } from './define.js';
import { memoryEnv } from './test-harness.js';

const bytes = new TextEncoder().encode('batch');

describe('scopedBlobs', () => {
  it('passes declared operations through and refuses the others', async () => {
    const blobs = new MemoryBlobStore();
    await blobs.put('a', [bytes]);
    const reader = scopedBlobs(blobs, 'Fetch', ['read']);
    expect(await reader.getRange('a', 0, 5)).toEqual(bytes);
    await expect(reader.put('b', [bytes])).rejects.toThrow(
      new UndeclaredBlobAccessError('Fetch may not write batch objects (it declares read)'),
    );
    const writer = scopedBlobs(blobs, 'Produce', ['write']);
    await writer.put('b', [bytes]);
    expect(await blobs.getRange('b', 0, 5)).toEqual(bytes);
    await expect(writer.getRange('b', 0, 5)).rejects.toThrow(UndeclaredBlobAccessError);
    const none = scopedBlobs(blobs, 'Heartbeat', []);
    await expect(none.getRange('a', 0, 5)).rejects.toThrow(
      'Heartbeat may not read batch objects (it declares no access)',
    );
    // Deleting and listing are the sweepers'.
    await expect(writer.delete(['a'])).rejects.toThrow(UndeclaredBlobAccessError);
    await expect(writer.list('')[Symbol.asyncIterator]().next()).rejects.toThrow(UndeclaredBlobAccessError);
    expect(await blobs.getRange('a', 0, 5)).toEqual(bytes);
  });

  it('is what the app hands each function', async () => {
    const env = memoryEnv();
    await env.blobs.put('a', [bytes]);
    // A Heartbeat that answers 0 when it could read an object, 1 when it was refused.
    const reading = (blobAccess: readonly BlobAccess[]) =>
      defineFunction({
        apiKey: ApiKey.Heartbeat,
        versions: [0, 4],
        blobs: blobAccess,
        async handle({ env }) {
          const read = await env.blobs.getRange('a', 0, 5).then(
            () => true,
            (e) => !(e instanceof UndeclaredBlobAccessError),
          );
          return { throttleTimeMs: 0, errorCode: read ? 0 : 1 };
        },
      });
    const outcome = async (blobAccess: readonly BlobAccess[]) => {
      const app = functionApp([reading(blobAccess)], env, { secrets: [], requireSignature: false });
      const frame = encodeRequest(ApiKey.Heartbeat, 4, 1, 'test', {
        groupId: 'g',
        generationId: 1,
        memberId: 'm',
        groupInstanceId: null,
      });
      const res = await app.fetch(new Request('http://f/kafka', { method: 'POST', body: frame }));
      return decodeResponse(ApiKey.Heartbeat, 4, new Uint8Array(await res.arrayBuffer())).body.errorCode;
    };
    expect(await outcome(['read'])).toBe(0);
    expect(await outcome([])).toBe(1);
    expect(await outcome(['write'])).toBe(1);
  });
});
