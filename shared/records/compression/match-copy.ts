/**
 * Copies an LZ77 back-reference of `len` bytes from `offset` bytes behind `d`.
 * An overlapping copy (offset < len) repeats the bytes it has just written, so
 * it must go byte by byte; a disjoint one can use the native memmove.
 */
export function copyMatch(dst: Uint8Array, d: number, offset: number, len: number): void {
  const from = d - offset;
  if (offset >= len && len > 16) {
    dst.copyWithin(d, from, from + len);
    return;
  }
  for (let i = 0; i < len; i++) dst[d + i] = dst[from + i]!;
}
