/** Bit-at-a-time reference, independent of the table code under test. */
export function bitwiseCrc(poly: number, data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of data) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ poly : crc >>> 1;
  }
  return ~crc >>> 0;
}
