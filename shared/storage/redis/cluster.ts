/**
 * Redis Cluster support: the URL form, and pipelines that respect slots.
 *
 * `redis-cluster://[user:password@]host:port[,host:port…]` (`rediss-cluster://`
 * for TLS) names a cluster by any of its masters; the client learns the rest
 * from CLUSTER SLOTS. Every script touches the keys of one hash tag (see
 * keys.ts), so scripts run on a cluster unchanged.
 *
 * A pipeline on a cluster goes to one node, so commands spanning slots are
 * sent as one pipeline per node, in parallel, and their replies put back in
 * order. On a single Redis everything stays one pipeline.
 */

import { type ChainableCommander, Cluster, type Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface ClusterUrl {
  readonly seeds: readonly { host: string; port: number }[];
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
}

const CLUSTER_SCHEME = /^(rediss?)-cluster:\/\//i;

export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/** Parses a `redis-cluster://` URL; throws a TypeError naming what is wrong. */
export function parseClusterUrl(url: string): ClusterUrl {
  const scheme = CLUSTER_SCHEME.exec(url);
  if (scheme === null) throw new TypeError(`${JSON.stringify(url)} is not a redis-cluster:// URL`);
  let rest = url.slice(scheme[0].length).replace(/[/?#].*$/, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? auth : auth.slice(0, colon));
    if (user !== '') username = user;
    if (colon >= 0) password = decodeURIComponent(auth.slice(colon + 1));
  }
  const seeds = rest
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => {
      const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s.trim());
      if (m === null)
        throw new TypeError(`redis cluster URL ${JSON.stringify(url)}: ${JSON.stringify(s)} is not host:port`);
      return { host: m[1]!, port: Number(m[2]) };
    });
  if (seeds.length === 0) throw new TypeError(`redis cluster URL ${JSON.stringify(url)} names no node`);
  return { seeds, username, password, tls: scheme[1]!.toLowerCase() === 'rediss' };
}

/** CRC16/XMODEM, which Redis Cluster hashes keys with. */
const CRC16 = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** The cluster slot of a key: of its hash tag (the first non-empty `{…}`) when it has one. */
export function keySlot(key: string): number {
  let bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16[((crc >> 8) ^ b) & 0xff]!;
  return crc & 0x3fff;
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Which pipeline a key's command joins: its slot's node group on a cluster. */
function groupOf(client: Cluster, key: string | undefined): string {
  if (key === undefined) return '';
  const slot = keySlot(key);
  return client.slots[slot]?.join(';') ?? `slot:${slot}`;
}

/**
 * Runs commands as pipelines, one per cluster node (one in all on a single
 * Redis): `keys[i]` is a key of command `i` (undefined for none), `queue`
 * adds command `i` to the pipeline given. Replies come back in command order,
 * as `exec` gives them; null means Redis discarded a pipeline.
 */
export async function slotPipelines(
  client: RedisClient,
  keys: readonly (string | undefined)[],
  queue: (pipe: ChainableCommander, i: number) => void,
): Promise<[Error | null, unknown][] | null> {
  if (!isCluster(client)) {
    const pipe = client.pipeline();
    for (let i = 0; i < keys.length; i++) queue(pipe, i);
    return pipe.exec();
  }
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const group = groupOf(client, key);
    const members = groups.get(group);
    if (members === undefined) groups.set(group, [i]);
    else members.push(i);
  });
  const out: [Error | null, unknown][] = new Array(keys.length);
  let discarded = false;
  await Promise.all(
    [...groups.values()].map(async (members) => {
      const pipe = client.pipeline();
      for (const i of members) queue(pipe, i);
      const replies = await pipe.exec();
      if (replies === null) {
        discarded = true;
        return;
      }
      members.forEach((i, j) => {
        out[i] = replies[j]!;
      });
    }),
  );
  return discarded ? null : out;
}
