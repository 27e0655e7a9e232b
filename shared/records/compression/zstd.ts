/**
 * Zstandard (codec 4) via the zstd-napi native binding.
 *
 * The Java client streams through zstd-jni's `ZstdOutputStream`, so its frames
 * carry no content size; librdkafka declares it only when built against a
 * static libzstd. Decompression therefore streams into a growing buffer and
 * enforces `maxSize` itself instead of trusting a header.
 *
 * The binding is loaded on first use: a runtime without native addons can still
 * use every other codec and gets a typed error for zstd.
 */
import { createRequire } from 'node:module';
import type * as ZstdBinding from 'zstd-napi/binding.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { corrupt, RecordsError, tooLarge } from '../errors.js';

/** Kafka's default `compression.zstd.level` (`ZSTD_CLEVEL_DEFAULT`). */
export const ZSTD_DEFAULT_LEVEL = 3;

type Binding = typeof ZstdBinding;

let binding: Binding | null | undefined;
let dctx: ZstdBinding.DCtx | undefined;
let cctx: ZstdBinding.CCtx | undefined;

function load(): Binding {
  if (binding === undefined) {
    try {
      binding = createRequire(import.meta.url)('zstd-napi/binding.js') as Binding;
    } catch {
      binding = null;
    }
  }
  if (binding === null) {
    throw new RecordsError(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      'codec-unavailable',
      'zstd: the native binding is not available in this runtime',
    );
  }
  return binding;
}

/** One zstd frame at Kafka's default level. */
export function zstdCompress(data: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Uint8Array {
  const z = load();
  cctx ??= new z.CCtx();
  const out = new Uint8Array(z.compressBound(data.length));
  const n = cctx.compress(out, data, level);
  return out.slice(0, n);
}

/** Decompresses one or more zstd frames, with or without a declared size; output beyond `maxSize` is an error. */
export function zstdDecompress(data: Uint8Array, maxSize: number): Uint8Array {
  const z = load();
  dctx ??= new z.DCtx();
  // A previous call may have stopped mid-frame.
  dctx.reset(z.ResetDirective.sessionOnly);
  let declared: number | null = null;
  try {
    declared = z.getFrameContentSize(data);
  } catch {
    // A bad header surfaces below with a better message.
  }
  if (declared !== null && declared > maxSize) throw tooLarge('zstd', maxSize);
  // One byte of headroom past maxSize is how an oversized output is detected.
  let out = new Uint8Array(Math.min(maxSize + 1, Math.max(declared ?? data.length * 4, 1024)));
  let o = 0;
  let i = 0;
  for (;;) {
    if (o === out.length) {
      const grown = Math.min(maxSize + 1, out.length * 2);
      if (grown === out.length) throw tooLarge('zstd', maxSize);
      const next = new Uint8Array(grown);
      next.set(out);
      out = next;
    }
    let hint: number;
    let produced: number;
    let consumed: number;
    try {
      [hint, produced, consumed] = dctx.decompressStream(out.subarray(o), data.subarray(i));
    } catch (e) {
      throw corrupt('decompression-failed', `zstd: ${e instanceof Error ? e.message : String(e)}`);
    }
    o += produced;
    i += consumed;
    if (o > maxSize) throw tooLarge('zstd', maxSize);
    // hint 0: the current frame is complete and flushed; more input may hold further frames.
    if (hint === 0 && i === data.length) break;
    if (produced === 0 && consumed === 0 && o < out.length) {
      throw corrupt('decompression-failed', 'zstd: truncated frame');
    }
  }
  return o === out.length ? out : out.subarray(0, o);
}
