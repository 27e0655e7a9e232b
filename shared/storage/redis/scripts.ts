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
import type { ChainableCommander } from 'ioredis';
import { StorageUnavailableError } from '../types.js';
import { isCluster, type RedisClient } from './cluster.js';

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
 * Producer state in Lua, mirroring producer-rules.ts (see keys.ts for the
 * encoding). Sequences and epochs are small integers; offsets and timestamps
 * stay strings except where compared.
 */
const PRODUCERS = `local MAX_SEQ = 2147483647
local function emptyProducer() return {epoch = -1, coord = '-1', ts = '-1', txn = -1, batches = {}} end
local function loadProducer(key, pid)
  local text = redis.call('HGET', key, pid)
  if not text then return nil end
  local epoch, coord, ts, txn, rest = string.match(text, '^(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(.*)$')
  local e = {epoch = tonumber(epoch), coord = coord, ts = ts, txn = tonumber(txn), batches = {}}
  for fs, ls, bo, lo, bts in string.gmatch(rest, '(%d+),(%d+),(%d+),(%d+),(%-?%d+);') do
    e.batches[#e.batches + 1] = {fs = tonumber(fs), ls = tonumber(ls), bo = bo, lo = lo, ts = bts}
  end
  return e
end
local function saveProducer(key, pid, e)
  local parts = {fmt(e.epoch), e.coord, e.ts, fmt(e.txn), ''}
  for _, b in ipairs(e.batches) do
    parts[5] = parts[5] .. fmt(b.fs) .. ',' .. fmt(b.ls) .. ',' .. b.bo .. ',' .. b.lo .. ',' .. b.ts .. ';'
  end
  redis.call('HSET', key, pid, table.concat(parts, '|'))
end
local function lastSeq(e)
  if #e.batches == 0 then return -1 end
  return e.batches[#e.batches].ls
end
local function newEpoch(e, epoch)
  if e.epoch ~= epoch then
    e.epoch = epoch
    e.batches = {}
  end
end
-- The last stable offset, kept in the state hash while a transaction is open.
local function updateLso(stateKey, txnsKey, start, hwm)
  local first = redis.call('ZRANGE', txnsKey, 0, 0, 'WITHSCORES')
  if #first == 0 then
    redis.call('HDEL', stateKey, 'lso')
    return hwm
  end
  local f = tonumber(first[2])
  if f < start then f = start end
  if f > hwm then f = hwm end
  redis.call('HSET', stateKey, 'lso', fmt(f))
  return f
end
-- Adds one batch at the high watermark; st holds hwm, maxTs, maxTsN, maxTsOff.
local function storeBatch(st, idxKey, tsKey, count, ts, position, size, object)
  local base = st.hwm
  local last = base + count - 1
  local lastS = fmt(last)
  local tsN = tonumber(ts)
  local member = string.format('%019.0f', base) .. ':' .. lastS .. ':' .. ts .. ':' .. position .. ':' .. size .. ':' .. object
  if tsN > st.maxTsN or st.maxTsOff == '-1' then
    st.maxTs = ts
    st.maxTsN = tsN
    st.maxTsOff = fmt(base)
  end
  redis.call('ZADD', idxKey, lastS, member)
  redis.call('ZADD', tsKey, st.maxTs, member)
  st.hwm = last + 1
  return base
end
local function loadState(stateKey)
  local state = redis.call('HMGET', stateKey, 'start', 'hwm', 'maxts', 'maxtsoff', 'lso')
  local maxTs = state[3] or '-1'
  return {
    startS = state[1] or '0',
    start = tonumber(state[1] or '0'),
    hwm = tonumber(state[2] or '0'),
    maxTs = maxTs,
    maxTsN = tonumber(maxTs),
    maxTsOff = state[4] or '-1',
    lso = state[5] and tonumber(state[5]) or nil,
  }
end
`;

/**
 * Appends batches to one partition: checks each producer batch against the
 * producer's state (duplicates and refusals are not stored), assigns dense
 * offsets from the high watermark, adds each batch to both sorted sets,
 * records producer state and opened transactions, advances the high
 * watermark and the largest timestamp, and publishes the new high watermark.
 * KEYS: state, idx, ts, producers, txns. ARGV: channel, then per batch
 * offsetCount, maxTimestamp, position, size, object, producerId ('' for
 * none), producerEpoch, baseSequence, lastSequence, transactional ('1'/'0').
 * Returns {logStart, hwm, maxTs, maxTsOffset, lso, then per batch kind, a, b}:
 * kind 'appended' (a: base offset), 'duplicate' (a: base offset, b: timestamp)
 * or a refusal (a: message).
 */
export const APPEND = new Script(
  'append',
  `${FORMAT}${PRODUCERS}local st = loadState(KEYS[1])
local reply = {st.startS, '', '', '', ''}
local stored = false
local txnsChanged = false
local producers = {}
for i = 2, #ARGV, 10 do
  local pid = ARGV[i + 5]
  local refusal = nil
  local e = nil
  local epoch, fs, ls, transactional
  if pid ~= '' then
    e = producers[pid]
    if e == nil then
      e = loadProducer(KEYS[4], pid) or emptyProducer()
      producers[pid] = e
    end
    epoch = tonumber(ARGV[i + 6])
    fs = tonumber(ARGV[i + 7])
    ls = tonumber(ARGV[i + 8])
    transactional = ARGV[i + 9] == '1'
    if epoch == e.epoch then
      for _, b in ipairs(e.batches) do
        if b.fs == fs and b.ls == ls then
          refusal = {'duplicate', b.bo, b.ts}
          break
        end
      end
    end
    if refusal == nil then
      if epoch < e.epoch then
        refusal = {'invalid-producer-epoch', 'Epoch of producer ' .. pid .. ' is ' .. fmt(epoch) .. ', which is smaller than the last seen epoch ' .. fmt(e.epoch), ''}
      elseif epoch ~= e.epoch then
        if fs ~= 0 and e.epoch == -1 then
          refusal = {'out-of-order-sequence', 'Invalid sequence number for new producer ' .. pid .. ': ' .. fmt(fs) .. ' (seq. number), expected 0', ''}
        elseif fs ~= 0 then
          refusal = {'out-of-order-sequence', 'Invalid sequence number for new epoch of producer ' .. pid .. ': ' .. fmt(epoch) .. ' (request epoch), ' .. fmt(fs) .. ' (seq. number), ' .. fmt(e.epoch) .. ' (current producer epoch)', ''}
        end
      elseif e.epoch ~= -1 then
        local last = lastSeq(e)
        if not (fs == last + 1 or (fs == 0 and last == MAX_SEQ)) then
          refusal = {'out-of-order-sequence', 'Out of order sequence number for producer ' .. pid .. ': ' .. fmt(fs) .. ' (incoming seq. number), ' .. fmt(last) .. ' (current end sequence number)', ''}
        end
      end
    end
    if refusal == nil and e.txn >= 0 and not transactional then
      refusal = {'invalid-txn-state', 'Expected transactional write from producer ' .. pid, ''}
    end
  end
  if refusal ~= nil then
    reply[#reply + 1] = refusal[1]
    reply[#reply + 1] = refusal[2]
    reply[#reply + 1] = refusal[3]
  else
    local ts = ARGV[i + 1]
    local count = tonumber(ARGV[i])
    local base = storeBatch(st, KEYS[2], KEYS[3], count, ts, ARGV[i + 2], ARGV[i + 3], ARGV[i + 4])
    stored = true
    if e ~= nil then
      newEpoch(e, epoch)
      e.batches[#e.batches + 1] = {fs = fs, ls = ls, bo = fmt(base), lo = fmt(base + count - 1), ts = ts}
      if #e.batches > 5 then table.remove(e.batches, 1) end
      e.ts = ts
      if transactional and e.txn < 0 then
        e.txn = base
        redis.call('ZADD', KEYS[5], fmt(base), pid)
        txnsChanged = true
      end
      e.dirty = true
    end
    reply[#reply + 1] = 'appended'
    reply[#reply + 1] = fmt(base)
    reply[#reply + 1] = ''
  end
end
for pid, e in pairs(producers) do
  if e.dirty then saveProducer(KEYS[4], pid, e) end
end
local hwmS = fmt(st.hwm)
if stored then
  redis.call('HSET', KEYS[1], 'hwm', hwmS, 'maxts', st.maxTs, 'maxtsoff', st.maxTsOff)
end
local lso = st.lso or st.hwm
if txnsChanged then lso = updateLso(KEYS[1], KEYS[5], st.start, st.hwm) end
if stored then redis.call('PUBLISH', ARGV[1], hwmS) end
reply[2] = hwmS
reply[3] = st.maxTs
reply[4] = st.maxTsOff
reply[5] = fmt(lso)
return reply
`,
);

/**
 * Writes a transaction marker (a one-offset control batch) to one partition,
 * unless the partition has seen a later epoch of the producer: appends it at
 * the high watermark, closes the producer's open transaction (recording it
 * as aborted on abort), takes the marker's epochs, and publishes as APPEND.
 * KEYS: state, idx, ts, producers, txns, aborted. ARGV: channel, producerId,
 * producerEpoch, commit ('1'/'0'), coordinatorEpoch, maxTimestamp, position,
 * size, object.
 * Returns {'fenced'} or {'written', offset, logStart, hwm, maxTs, maxTsOffset, lso}.
 */
export const WRITE_MARKER = new Script(
  'write-marker',
  `${FORMAT}${PRODUCERS}local pid = ARGV[2]
local epoch = tonumber(ARGV[3])
local e = loadProducer(KEYS[4], pid)
if e ~= nil and epoch < e.epoch then return {'fenced'} end
if e == nil then e = emptyProducer() end
local st = loadState(KEYS[1])
local base = storeBatch(st, KEYS[2], KEYS[3], 1, ARGV[6], ARGV[7], ARGV[8], ARGV[9])
if e.txn >= 0 then
  redis.call('ZREM', KEYS[5], pid)
  if ARGV[4] ~= '1' then
    local first = redis.call('ZRANGE', KEYS[5], 0, 0, 'WITHSCORES')
    local lsoAfter = base + 1
    if #first > 0 then lsoAfter = tonumber(first[2]) end
    redis.call('ZADD', KEYS[6], fmt(base), string.format('%019.0f', base) .. ':' .. fmt(e.txn) .. ':' .. pid .. ':' .. fmt(lsoAfter))
  end
end
newEpoch(e, epoch)
e.coord = ARGV[5]
e.ts = ARGV[6]
e.txn = -1
saveProducer(KEYS[4], pid, e)
local hwmS = fmt(st.hwm)
redis.call('HSET', KEYS[1], 'hwm', hwmS, 'maxts', st.maxTs, 'maxtsoff', st.maxTsOff)
local lso = updateLso(KEYS[1], KEYS[5], st.start, st.hwm)
redis.call('PUBLISH', ARGV[1], hwmS)
return {'written', fmt(base), st.startS, hwmS, st.maxTs, st.maxTsOff, fmt(lso)}
`,
);

/**
 * Aborted transactions ending at or after fromOffset and starting before
 * upTo, stopping at the first whose lsoAfter reaches upTo (see
 * collectAborted in producer-rules.ts). KEYS: aborted. ARGV: fromOffset, upTo.
 * Returns the members.
 */
export const ABORTED = new Script(
  'aborted',
  `local from = ARGV[1]
local upTo = tonumber(ARGV[2])
local out = {}
while true do
  local page = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'LIMIT', 0, 64)
  for _, member in ipairs(page) do
    local last, first, lso = string.match(member, '^(%d+):(%d+):%d+:(%d+)$')
    if tonumber(first) < upTo then out[#out + 1] = member end
    if tonumber(lso) >= upTo then return out end
    from = '(' .. last
  end
  if #page < 64 then return out end
end
`,
);

/**
 * Index members of batches with last offset >= fromOffset, in offset order,
 * until their sizes reach maxBytes (the first always comes), and none ending
 * at or past upTo when given. Entries exist only below the high watermark,
 * so none lies past it.
 * KEYS: idx. ARGV: fromOffset, maxBytes, upTo ('' for none).
 */
export const READ = new Script(
  'read',
  `local maxBytes = tonumber(ARGV[2])
local upTo = tonumber(ARGV[3] or '')
local from = ARGV[1]
local out = {}
local bytes = 0
while true do
  local page = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'LIMIT', 0, 64)
  for _, member in ipairs(page) do
    local last, size = string.match(member, '^%d+:(%d+):%-?%d+:%d+:(%d+):')
    if upTo ~= nil and tonumber(last) >= upTo then return out end
    out[#out + 1] = member
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
 * Aborted transactions wholly below the new log start go; the last stable
 * offset never lies below the log start.
 * KEYS: state, idx, ts, txns, aborted. ARGV: offset.
 * Returns {'out-of-range'} or {logStart, hwm, maxTs, maxTsOffset, lso}.
 */
export const ADVANCE_LOG_START = new Script(
  'advance-log-start',
  `${FORMAT}local state = redis.call('HMGET', KEYS[1], 'start', 'hwm', 'maxts', 'maxtsoff', 'lso')
local start = tonumber(state[1] or '0')
local hwm = tonumber(state[2] or '0')
local offset = tonumber(ARGV[1])
if offset < 0 or offset > hwm then return {'out-of-range'} end
if offset <= start then return {fmt(start), fmt(hwm), state[3] or '-1', state[4] or '-1', state[5] or fmt(hwm)} end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[1])
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
local lso = hwm
local first = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
if #first > 0 then
  lso = math.min(math.max(tonumber(first[2]), offset), hwm)
  redis.call('HSET', KEYS[1], 'lso', fmt(lso))
end
return {ARGV[1], fmt(hwm), maxTs, maxTsOff, fmt(lso)}
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

/**
 * Ends a producer's staged transactional offsets: on commit each becomes the
 * committed offset of its partition unless the committed one has a later
 * commit timestamp; on abort they are dropped. Mirrors completeStagedOffsets
 * of the memory store.
 * KEYS: staged, offsets. ARGV: `<producerId>:` prefix, 'commit' or 'abort'.
 * Returns how many offsets the producer had staged.
 */
export const COMPLETE_STAGED_OFFSETS = new Script(
  'complete-staged-offsets',
  `local prefix = ARGV[1]
local all = redis.call('HGETALL', KEYS[1])
local gone = {}
local function committedAt(v) return tonumber(string.match(v, '^%-?%d+:%-?%d+:(%-?%d+):')) end
for i = 1, #all, 2 do
  local f = all[i]
  if string.sub(f, 1, #prefix) == prefix then
    gone[#gone + 1] = f
    if ARGV[2] == 'commit' then
      local field = string.sub(f, #prefix + 1)
      local old = redis.call('HGET', KEYS[2], field)
      if not old or committedAt(old) <= committedAt(all[i + 1]) then redis.call('HSET', KEYS[2], field, all[i + 1]) end
    end
  end
end
for i = 1, #gone, 1000 do redis.call('HDEL', KEYS[1], unpack(gone, i, math.min(i + 999, #gone))) end
return #gone
`,
);

/**
 * Compare-and-set of a transactional id's state. The first write takes the
 * server clock in microseconds as its version, as GROUP_CAS does, so an id
 * written again after a delete starts above its earlier versions.
 * KEYS: state. ARGV: expected version, 'set' or 'delete', value.
 * Returns nil when the version moved, else the new version ('0' after a delete).
 */
export const TRANSACTION_CAS = new Script(
  'transaction-cas',
  `${FORMAT}local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return false end
if ARGV[2] == 'delete' then
  redis.call('DEL', KEYS[1])
  return '0'
end
local nextV
if v == 0 then
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  nextV = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  nextV = v + 1
end
local s = fmt(nextV)
redis.call('HSET', KEYS[1], 'v', s, 'value', ARGV[3])
return s
`,
);

export const SCRIPTS: readonly Script[] = [
  CREATE_TOPIC,
  TOPIC_BY_ID,
  REPLACE_TOPIC,
  DELETE_TOPIC,
  APPEND,
  WRITE_MARKER,
  ABORTED,
  READ,
  ADVANCE_LOG_START,
  GROUP_CAS,
  EXTEND_SESSIONS,
  COMMIT_OFFSETS,
  DELETE_OFFSETS,
  DELETE_GROUP,
  EXPIRE_OFFSETS,
  COMPLETE_STAGED_OFFSETS,
  TRANSACTION_CAS,
];

export function isNoScript(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('NOSCRIPT');
}

type Arg = string | number;

/** Runs a script by its hash, sending the source when Redis does not know it. */
export async function runScript(
  client: RedisClient,
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

/**
 * Adds `member` to an index set (its own slot), then runs a script that may
 * create what the index lists, so the index never misses it. On a single
 * Redis both go in one round trip, in order; on a cluster they live on
 * different nodes and go one after the other.
 */
export async function indexThenRunScript(
  client: RedisClient,
  index: string,
  member: string,
  script: Script,
  keys: readonly string[],
  args: readonly Arg[],
): Promise<unknown> {
  if (isCluster(client)) {
    await client.sadd(index, member);
    return runScript(client, script, keys, args);
  }
  const pipe = client.pipeline();
  pipe.sadd(index, member);
  queueScript(pipe, script, keys, args);
  const replies = await pipe.exec();
  if (replies === null) throw new StorageUnavailableError('redis discarded the pipeline');
  const [added, ran] = replies as [[Error | null, unknown], [Error | null, unknown]];
  if (added[0] !== null) throw added[0];
  if (ran[0] === null) return ran[1];
  if (isNoScript(ran[0])) return runScript(client, script, keys, args);
  throw ran[0];
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
