/**
 * The Lua scripts behind every multi-key change; each touches the keys of one
 * hash tag only (see keys.ts). Numbers in Lua are doubles, so offsets and
 * timestamps are exact up to 2^53; they travel as decimal strings and are
 * formatted with `%.0f`, never `tostring` (which would write 1e+15).
 *
 * Scripts run by EVALSHA, falling back to EVAL when Redis has lost its script
 * cache (a restart, SCRIPT FLUSH, a failover).
 */

import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';

export class Script {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly lua: string,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

const FORMAT = `local function fmt(n) return string.format('%.0f', n) end
`;

/**
 * Creates a topic unless its name exists.
 * KEYS: topics, ids. ARGV: name, id, record JSON.
 * Returns {'created'}, {'exists', existing JSON} or {'id-taken'}.
 */
export const CREATE_TOPIC = new Script(
  'create-topic',
  `local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then return {'exists', existing} end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return {'id-taken'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return {'created'}
`,
);

/**
 * A topic by id, in one round trip. KEYS: topics, ids. ARGV: id.
 * Returns the record JSON or nil.
 */
export const TOPIC_BY_ID = new Script(
  'topic-by-id',
  `local name = redis.call('HGET', KEYS[2], ARGV[1])
if not name then return false end
return redis.call('HGET', KEYS[1], name)
`,
);

/**
 * Compare-and-set of a topic record: the TypeScript side computes the new
 * record, so topic rules live in one place for both stores.
 * KEYS: topics. ARGV: name, expected JSON, new JSON.
 * Returns {'ok'}, {'moved', current JSON} or {'gone'}.
 */
export const REPLACE_TOPIC = new Script(
  'replace-topic',
  `local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return {'gone'} end
if current ~= ARGV[2] then return {'moved', current} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return {'ok'}
`,
);

/**
 * Removes a topic's record and id entry. Partition keys live in other slots
 * and are deleted next, one partition at a time.
 * KEYS: topics, ids. ARGV: name. Returns the removed record JSON or nil.
 */
export const DELETE_TOPIC = new Script(
  'delete-topic',
  `local record = redis.call('HGET', KEYS[1], ARGV[1])
if not record then return false end
local id = cjson.decode(record).id
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], id) == ARGV[1] then redis.call('HDEL', KEYS[2], id) end
return record
`,
);

/**
 * Appends batches to one partition: assigns dense offsets from the high
 * watermark, adds each batch to both sorted sets, advances the high
 * watermark and the largest timestamp, and publishes the new high watermark.
 * KEYS: state, idx, ts. ARGV: channel, then per batch offsetCount,
 * maxTimestamp, position, size, object.
 * Returns {logStart, hwm, maxTs, maxTsOffset, baseOffset...}.
 */
export const APPEND = new Script(
  'append',
  `${FORMAT}local state = redis.call('HMGET', KEYS[1], 'start', 'hwm', 'maxts', 'maxtsoff')
local hwm = tonumber(state[2] or '0')
local maxTs = state[3] or '-1'
local maxTsN = tonumber(maxTs)
local maxTsOff = state[4] or '-1'
local reply = {state[1] or '0', '', '', ''}
for i = 2, #ARGV, 5 do
  local base = hwm
  local last = base + tonumber(ARGV[i]) - 1
  local lastS = fmt(last)
  local ts = ARGV[i + 1]
  local tsN = tonumber(ts)
  local member = string.format('%019.0f', base) .. ':' .. lastS .. ':' .. ts .. ':' .. ARGV[i + 2] .. ':' .. ARGV[i + 3] .. ':' .. ARGV[i + 4]
  if tsN > maxTsN or maxTsOff == '-1' then
    maxTs = ts
    maxTsN = tsN
    maxTsOff = fmt(base)
  end
  redis.call('ZADD', KEYS[2], lastS, member)
  redis.call('ZADD', KEYS[3], maxTs, member)
  hwm = last + 1
  reply[#reply + 1] = fmt(base)
end
local hwmS = fmt(hwm)
if #ARGV > 1 then
  redis.call('HSET', KEYS[1], 'hwm', hwmS, 'maxts', maxTs, 'maxtsoff', maxTsOff)
  redis.call('PUBLISH', ARGV[1], hwmS)
end
reply[2] = hwmS
reply[3] = maxTs
reply[4] = maxTsOff
return reply
`,
);

/**
 * Index members of batches with last offset >= fromOffset, in offset order,
 * until their sizes reach maxBytes (the first always comes). Entries exist
 * only below the high watermark, so none lies past it.
 * KEYS: idx. ARGV: fromOffset, maxBytes.
 */
export const READ = new Script(
  'read',
  `local maxBytes = tonumber(ARGV[2])
local from = ARGV[1]
local out = {}
local bytes = 0
while true do
  local page = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'LIMIT', 0, 64)
  for _, member in ipairs(page) do
    out[#out + 1] = member
    local last, size = string.match(member, '^%d+:(%d+):%-?%d+:%d+:(%d+):')
    bytes = bytes + tonumber(size)
    if bytes >= maxBytes then return out end
    from = '(' .. last
  end
  if #page < 64 then return out end
end
`,
);

/**
 * Raises the log start offset: refuses past the high watermark, drops the
 * batches wholly below it, and rescores the running maximum timestamp of the
 * batches that follow until it no longer owes anything to a dropped batch
 * (usually none), so findByTimestamp stays a single lookup. Then recomputes
 * the partition's largest timestamp and the first batch holding it.
 * KEYS: state, idx, ts. ARGV: offset.
 * Returns {'out-of-range'} or {logStart, hwm, maxTs, maxTsOffset}.
 */
export const ADVANCE_LOG_START = new Script(
  'advance-log-start',
  `${FORMAT}local state = redis.call('HMGET', KEYS[1], 'start', 'hwm', 'maxts', 'maxtsoff')
local start = tonumber(state[1] or '0')
local hwm = tonumber(state[2] or '0')
local offset = tonumber(ARGV[1])
if offset < 0 or offset > hwm then return {'out-of-range'} end
if offset <= start then return {fmt(start), fmt(hwm), state[3] or '-1', state[4] or '-1'} end
while true do
  local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 500)
  if #dead == 0 then break end
  redis.call('ZREM', KEYS[2], unpack(dead))
  redis.call('ZREM', KEYS[3], unpack(dead))
end
local running = nil
local runningS = nil
local at = 0
local settled = false
while not settled do
  local page = redis.call('ZRANGE', KEYS[2], at, at + 127)
  if #page == 0 then break end
  for _, member in ipairs(page) do
    local ts = string.match(member, '^%d+:%d+:(%-?%d+):')
    local tsN = tonumber(ts)
    if running == nil or tsN > running then
      running = tsN
      runningS = ts
    end
    if tonumber(redis.call('ZSCORE', KEYS[3], member)) == running then
      settled = true
      break
    end
    redis.call('ZADD', KEYS[3], runningS, member)
  end
  at = at + 128
end
local maxTs = '-1'
local maxTsOff = '-1'
local top = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
if #top > 0 then
  local first = redis.call('ZRANGEBYSCORE', KEYS[3], top[2], '+inf', 'LIMIT', 0, 1)[1]
  local base, ts = string.match(first, '^(%d+):%d+:(%-?%d+):')
  maxTs = ts
  maxTsOff = fmt(tonumber(base))
end
redis.call('HSET', KEYS[1], 'start', ARGV[1], 'maxts', maxTs, 'maxtsoff', maxTsOff)
return {ARGV[1], fmt(hwm), maxTs, maxTsOff}
`,
);

/** The group's state version, 0 when none is stored. KEYS[1] is the state hash. */
const GROUP_VERSION = `local function groupVersion() return tonumber(redis.call('HGET', KEYS[1], 'v') or '0') end
`;

/**
 * Compare-and-set of a group's state. A group's first state takes the server
 * clock in microseconds as its version, so a group written again after a
 * delete starts above every version of its earlier life (no ABA), without
 * keeping a tombstone. TIME is not deterministic: Redis before 5 must be told
 * to replicate the script's effects rather than the script.
 * KEYS: state, offsets. ARGV: expected version, 'set' or 'delete', value,
 * channel, then 'keep' followed by the member ids whose recorded sessions stay
 * (all stay without it).
 * Returns nil when the version moved, else {new version, flag}: flag is
 * 'created' when the group had neither state nor offsets before, 'emptied'
 * when it has neither now, '' otherwise.
 */
export const GROUP_CAS = new Script(
  'group-cas',
  `${FORMAT}${GROUP_VERSION}local v = groupVersion()
if v ~= tonumber(ARGV[1]) then return false end
if ARGV[2] == 'delete' then
  if v ~= 0 then
    redis.call('DEL', KEYS[1])
    redis.call('PUBLISH', ARGV[4], '0')
  end
  if redis.call('EXISTS', KEYS[2]) == 0 then return {'0', 'emptied'} end
  return {'0', ''}
end
local nextV
local flag = ''
if v == 0 then
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  nextV = tonumber(t[1]) * 1000000 + tonumber(t[2])
  if redis.call('EXISTS', KEYS[2]) == 0 then flag = 'created' end
else
  nextV = v + 1
end
local s = fmt(nextV)
redis.call('HSET', KEYS[1], 'v', s, 'value', ARGV[3])
if ARGV[5] == 'keep' then
  local keep = {}
  for i = 6, #ARGV do keep['s:' .. ARGV[i]] = true end
  local gone = {}
  for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(f, 1, 2) == 's:' and not keep[f] then gone[#gone + 1] = f end
  end
  for i = 1, #gone, 1000 do redis.call('HDEL', KEYS[1], unpack(gone, i, math.min(i + 999, #gone))) end
end
redis.call('PUBLISH', ARGV[4], s)
return {s, flag}
`,
);

/**
 * Records later session deadlines for members, if the state version is
 * still the one given (and a state is stored); no version change, no
 * notification. KEYS: state. ARGV: version, then member id, deadline pairs.
 * Returns 1, or 0 when the version moved.
 */
export const EXTEND_SESSIONS = new Script(
  'extend-sessions',
  `${GROUP_VERSION}local v = groupVersion()
if v == 0 or v ~= tonumber(ARGV[1]) then return 0 end
for i = 2, #ARGV, 2 do
  local f = 's:' .. ARGV[i]
  local old = tonumber(redis.call('HGET', KEYS[1], f) or '')
  if old == nil or tonumber(ARGV[i + 1]) > old then redis.call('HSET', KEYS[1], f, ARGV[i + 1]) end
end
return 1
`,
);

/**
 * Stores committed offsets, if the state version is still the one given.
 * KEYS: state, offsets. ARGV: version ('' for no condition), then field, value pairs.
 * Returns {'moved'} or {'ok', flag}, flag 'created' when the group had
 * neither state nor offsets before.
 */
export const COMMIT_OFFSETS = new Script(
  'commit-offsets',
  `${GROUP_VERSION}if ARGV[1] ~= '' and groupVersion() ~= tonumber(ARGV[1]) then return {'moved'} end
if #ARGV < 3 then return {'ok', ''} end
local flag = ''
if redis.call('EXISTS', KEYS[1], KEYS[2]) == 0 then flag = 'created' end
for i = 2, #ARGV, 400 do
  redis.call('HSET', KEYS[2], unpack(ARGV, i, math.min(i + 399, #ARGV)))
end
return {'ok', flag}
`,
);

/**
 * Removes committed offsets, if the state version is still the one given.
 * KEYS: state, offsets. ARGV: version ('' for no condition), then fields.
 * Returns {'moved'} or {'ok', whether the group still has state or offsets (1/0)}.
 */
export const DELETE_OFFSETS = new Script(
  'delete-offsets',
  `${GROUP_VERSION}if ARGV[1] ~= '' and groupVersion() ~= tonumber(ARGV[1]) then return {'moved'} end
for i = 2, #ARGV, 1000 do
  redis.call('HDEL', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
return {'ok', tostring(redis.call('EXISTS', KEYS[1], KEYS[2]))}
`,
);

/**
 * Removes a group's state and offsets if the state version is still the one
 * given, publishing the change when there was state.
 * KEYS: state, offsets. ARGV: version, channel. Returns 1 when removed, 0 when the version moved.
 */
export const DELETE_GROUP = new Script(
  'delete-group',
  `${GROUP_VERSION}local v = groupVersion()
if v ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
if v ~= 0 then redis.call('PUBLISH', ARGV[2], '0') end
return 1
`,
);

/**
 * Drops expired offsets; mirrors offsetExpired in group-rules.ts. A field is
 * `<topic>\0<partition>`; Lua patterns spell the NUL %z.
 * KEYS: state, offsets. ARGV: now, retentionMs ('' for none), since ('' for
 * each commit timestamp), version ('' for no condition), then topics to keep.
 * Returns {'moved'} or {count, flag}, flag 'emptied' when the group has
 * neither state nor offsets left.
 */
export const EXPIRE_OFFSETS = new Script(
  'expire-offsets',
  `${GROUP_VERSION}if ARGV[4] ~= '' and groupVersion() ~= tonumber(ARGV[4]) then return {'moved'} end
local now = tonumber(ARGV[1])
local retention = tonumber(ARGV[2])
local since = tonumber(ARGV[3])
local keep = {}
for i = 5, #ARGV do keep[ARGV[i]] = true end
local all = redis.call('HGETALL', KEYS[2])
local dead = {}
for i = 1, #all, 2 do
  local topic = string.match(all[i], '^(.*)%z')
  if not keep[topic] then
    local c, x = string.match(all[i + 1], '^%-?%d+:%-?%d+:(%-?%d+):(%-?%d+):')
    c = tonumber(c)
    x = tonumber(x)
    local expired
    if x >= 0 then
      expired = now >= x
    else
      expired = retention ~= nil and now - (since or c) >= retention
    end
    if expired then dead[#dead + 1] = all[i] end
  end
end
for i = 1, #dead, 500 do
  redis.call('HDEL', KEYS[2], unpack(dead, i, math.min(i + 499, #dead)))
end
local flag = ''
if #dead > 0 and redis.call('EXISTS', KEYS[1], KEYS[2]) == 0 then flag = 'emptied' end
return {tostring(#dead), flag}
`,
);

export const SCRIPTS: readonly Script[] = [
  CREATE_TOPIC,
  TOPIC_BY_ID,
  REPLACE_TOPIC,
  DELETE_TOPIC,
  APPEND,
  READ,
  ADVANCE_LOG_START,
  GROUP_CAS,
  EXTEND_SESSIONS,
  COMMIT_OFFSETS,
  DELETE_OFFSETS,
  DELETE_GROUP,
  EXPIRE_OFFSETS,
];

export function isNoScript(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('NOSCRIPT');
}

type Arg = string | number;

/** Runs a script by its hash, sending the source when Redis does not know it. */
export async function runScript(
  client: Redis,
  script: Script,
  keys: readonly string[],
  args: readonly Arg[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (!isNoScript(e)) throw e;
    return client.eval(script.lua, keys.length, ...keys, ...args);
  }
}

/** Queues a script on a pipeline by its hash; callers rerun NOSCRIPT failures with {@link runScript}. */
export function queueScript(
  pipe: ChainableCommander,
  script: Script,
  keys: readonly string[],
  args: readonly Arg[],
): void {
  pipe.evalsha(script.sha, keys.length, ...keys, ...args);
}
