/**
 * The Lua scripts of the Redis store: one for admission (every check, then every charge, plus the usage count), one
 * for settlement (idempotent per request id), one to renew a lease. They are the Lua twins of gcra.ts,
 * token-bucket.ts and quota.ts and must reach the same integers: every stored number is written with %.0f, because
 * Redis would otherwise format a Lua number with %.14g and lose digits.
 *
 * Plain Lua 5.1 and commands Redis 5+ and Valkey 7.2+ all have. Time is ARGV[1] in ms, or Redis TIME when it is
 * empty: TIME lets replicas with skewed clocks agree (scripts replicate their effects, so TIME is allowed).
 */

export type LuaScript = { name: string; source: string; sha: string };

function script(name: string, body: string): LuaScript {
	const source = PRELUDE + body;
	return { name, source, sha: new Bun.CryptoHasher("sha1").update(source).digest("hex") };
}

const PRELUDE = `
local floor, ceil, max, min = math.floor, math.ceil, math.max, math.min
local MINUTE, DAY = 60000, 86400000
local function int(x) return string.format('%.0f', x) end
local function now_ms(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + floor(tonumber(t[2]) / 1000)
end
-- Howard Hinnant's civil-date algorithms: the month of a day number, and the day number of a date.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = floor((153 * mp + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy - 719468
end
local function civil_from_days(z)
  z = z + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m
end
-- The period number (day number, or year * 12 + month - 1) holding now, and the first ms of the next one.
local function period_of(kind, now)
  local day = floor(now / DAY)
  if kind == 'day' then return day, (day + 1) * DAY end
  local y, m = civil_from_days(day)
  local ny, nm = y, m + 1
  if nm == 13 then ny, nm = y + 1, 1 end
  return y * 12 + m - 1, days_from_civil(ny, nm, 1) * DAY
end
-- Usage: one counter of the day's hash, the day listed in the key's index, both kept for the retention.
local function count_usage(usage, index, field, n, day, member, retention_days)
  if n == 0 then return end
  redis.call('HINCRBY', usage, field, n)
  redis.call('PEXPIRE', usage, int(retention_days * DAY))
  redis.call('ZADD', index, day, member)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. int(tonumber(day) - retention_days))
  redis.call('PEXPIRE', index, int(retention_days * DAY))
end
`;

/**
 * KEYS: rate, bucket, day, month, leases, usage hash, usage index.
 * ARGV: now, request id, rpm, tpm, concurrent, tpd, tpmo (empty = unlimited), reserve, lease ttl ms,
 * usage day number, usage member, retention days.
 * Returns {1, day used or -1, month used or -1} when admitted, {0, limit index (1-5), retry ms, reset ms} if not.
 */
export const ADMIT = script(
	"admit",
	`
local now, id = now_ms(ARGV[1]), ARGV[2]
local rpm, tpm, conc = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local limits = { tonumber(ARGV[6]), tonumber(ARGV[7]) }
local reserve, lease_ttl = tonumber(ARGV[8]), tonumber(ARGV[9])
local worst, worst_retry, worst_reset = 0, -1, 0
local function block(i, retry, reset)
  if retry > worst_retry then worst, worst_retry, worst_reset = i, retry, reset end
end

local rate_debt
if rpm then
  local s = redis.call('HMGET', KEYS[1], 'at', 'debt', 'per')
  local debt = 0
  if s[1] then
    debt = tonumber(s[2])
    if tonumber(s[3]) ~= rpm then debt = ceil(debt * rpm / tonumber(s[3])) end
    debt = max(0, debt - max(0, now - tonumber(s[1])) * rpm)
  end
  if debt + MINUTE <= MINUTE * rpm then rate_debt = debt + MINUTE
  else block(1, ceil((debt + MINUTE - MINUTE * rpm) / rpm), ceil(debt / rpm)) end
end

local level, full
if tpm then
  full = tpm * MINUTE
  local s = redis.call('HMGET', KEYS[2], 'at', 'level')
  level = full
  if s[1] then level = min(full, tonumber(s[2]) + max(0, now - tonumber(s[1])) * tpm) end
  if level <= 0 then block(2, floor(-level / tpm) + 1, ceil((full - level) / tpm)) end
end

if conc then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', int(now))
  if redis.call('ZCARD', KEYS[5]) >= conc and not redis.call('ZSCORE', KEYS[5], id) then block(3, 1000, 1000) end
end

local kinds, quota_keys, used, ends, periods = { 'day', 'month' }, { KEYS[3], KEYS[4] }, {}, {}, {}
for i = 1, 2 do
  if limits[i] then
    local p, p_end = period_of(kinds[i], now)
    local s = redis.call('HMGET', quota_keys[i], 'period', 'used')
    used[i], ends[i], periods[i] = 0, p_end, p
    if s[1] and tonumber(s[1]) == p then used[i] = tonumber(s[2]) end
    if used[i] >= limits[i] then block(3 + i, p_end - now, p_end - now) end
  end
end

if worst > 0 then
  count_usage(KEYS[6], KEYS[7], 'refusals', 1, ARGV[10], ARGV[11], tonumber(ARGV[12]))
  return { 0, worst, worst_retry, worst_reset }
end

if rate_debt then
  redis.call('HSET', KEYS[1], 'at', int(now), 'debt', int(rate_debt), 'per', int(rpm))
  redis.call('PEXPIRE', KEYS[1], int(ceil(rate_debt / rpm) + 1000))
end
if tpm then
  level = level - reserve * MINUTE
  redis.call('HSET', KEYS[2], 'at', int(now), 'level', int(level), 'cap', int(tpm))
  -- Kept an hour past full, so that a long stream's settle still finds the capacity.
  redis.call('PEXPIRE', KEYS[2], int(ceil((full - level) / tpm) + 3600000))
end
if conc then
  redis.call('ZADD', KEYS[5], int(now + lease_ttl), id)
  redis.call('PEXPIRE', KEYS[5], int(lease_ttl + 1000))
end
local out = { 1, -1, -1 }
for i = 1, 2 do
  if limits[i] then
    out[i + 1] = used[i] + reserve
    redis.call('HSET', quota_keys[i], 'period', int(periods[i]), 'used', int(used[i] + reserve))
    redis.call('PEXPIRE', quota_keys[i], int(ends[i] + DAY - now))
  end
end
count_usage(KEYS[6], KEYS[7], 'requests', 1, ARGV[10], ARGV[11], tonumber(ARGV[12]))
return out
`,
);

/**
 * KEYS: settled marker, bucket, day, month, leases, usage hash, usage index.
 * ARGV: now, request id, actual − reserved, prompt, completion, error (0/1), marker ttl ms, usage day number,
 * usage member, retention days, requests to count (1 for a request admitted by the fallback, which Redis never
 * saw). Returns 1 when it settled, 0 when the request was settled before.
 */
export const SETTLE = script(
	"settle",
	`
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[7]) then return 0 end
local now, delta = now_ms(ARGV[1]), tonumber(ARGV[3])
redis.call('ZREM', KEYS[5], ARGV[2])

local s = redis.call('HMGET', KEYS[2], 'at', 'level', 'cap')
if s[1] then
  local cap = tonumber(s[3])
  local full = cap * MINUTE
  local level = min(full, tonumber(s[2]) + max(0, now - tonumber(s[1])) * cap)
  level = min(full, level - delta * MINUTE)
  redis.call('HSET', KEYS[2], 'at', int(now), 'level', int(level))
  redis.call('PEXPIRE', KEYS[2], int(ceil((full - level) / cap) + 3600000))
end

local kinds, quota_keys = { 'day', 'month' }, { KEYS[3], KEYS[4] }
for i = 1, 2 do
  local q = redis.call('HMGET', quota_keys[i], 'period', 'used')
  if q[1] then
    local p, p_end = period_of(kinds[i], now)
    -- After the period changed, the reservation belonged to the old one: only an excess is charged.
    local used = max(0, delta)
    if tonumber(q[1]) == p then used = max(0, tonumber(q[2]) + delta) end
    redis.call('HSET', quota_keys[i], 'period', int(p), 'used', int(used))
    redis.call('PEXPIRE', quota_keys[i], int(p_end + DAY - now))
  end
end

local retention = tonumber(ARGV[10])
count_usage(KEYS[6], KEYS[7], 'prompt_tokens', tonumber(ARGV[4]), ARGV[8], ARGV[9], retention)
count_usage(KEYS[6], KEYS[7], 'completion_tokens', tonumber(ARGV[5]), ARGV[8], ARGV[9], retention)
count_usage(KEYS[6], KEYS[7], 'errors', tonumber(ARGV[6]), ARGV[8], ARGV[9], retention)
count_usage(KEYS[6], KEYS[7], 'requests', tonumber(ARGV[11]), ARGV[8], ARGV[9], retention)
return 1
`,
);

/** KEYS: leases. ARGV: now, request id, lease ttl ms. Extends a lease that still exists; returns 1 if it did. */
export const RENEW = script(
	"renew",
	`
local now, ttl = now_ms(ARGV[1]), tonumber(ARGV[3])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', int(now + ttl), ARGV[2])
redis.call('PEXPIRE', KEYS[1], int(ttl + 1000))
return 1
`,
);
