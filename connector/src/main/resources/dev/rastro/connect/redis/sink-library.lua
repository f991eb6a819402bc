#!lua name=rastro_sink
-- The Redis sink's writes: a Redis function library, one function call per record, so each compare-and-write
-- is atomic in Redis. An admin loads it (FUNCTION LOAD REPLACE; make up does, and the sink does when its user
-- may), so the sink's user needs FCALL of these two functions only, never SCRIPT LOAD or EVAL of any Lua.
-- The same file is the plugin's resource (WriteScript reads it) and what make up loads: one text, byte for byte.
--
-- Both functions read everything they need before their first write and never run a command that can fail on
-- the record's data after a write: Redis does not roll a function back, so a late error would leave half a
-- write. A stored timestamp counts only when it is an integer string within +/-2^53; anything else (foreign
-- data, inf, 1e400, a 400-digit number) is ignored and replaced by the next valid write.

-- The stored text as a comparable integer, or nil.
local function stored_time(s)
  if type(s) ~= 'string' or not string.match(s, '^%-?%d+$') then return nil end
  local n = tonumber(s)
  if n == nil or n ~= n or math.abs(n) > 9007199254740992 then return nil end
  return n
end

-- The optional keys. keys = the hash, then its marker when markers are on, then the GEO set when the GEO
-- argument names a member, then the offsets hash when the offset argument names a field: every key a function
-- touches is declared, so ACLs (and a cluster's key slots) see them.
local function key_roles(keys, member, offset_field)
  local n = #keys
  local offsets = nil
  if offset_field ~= '' then offsets = keys[n]; n = n - 1 end
  local geo = nil
  if member ~= '' then geo = keys[n]; n = n - 1 end
  local marker = nil
  if n == 2 then marker = keys[2] end
  return marker, geo, offsets
end

-- The refusals are reads, checked before the first write so a foreign value cannot leave half a write. Their
-- error codes (GEOKEY, OFFSETSKEY) name a setting to fix, not a record's fault: the sink fails the task.
local function geo_refusal(geo)
  if not geo then return nil end
  local kind = redis.call('TYPE', geo)['ok']
  if kind == 'zset' or kind == 'none' then return nil end
  return redis.error_reply('GEOKEY ' .. geo .. ' holds a ' .. kind .. ', not a sorted set (GEO set)')
end

local function offsets_refusal(offsets)
  if not offsets then return nil end
  local kind = redis.call('TYPE', offsets)['ok']
  if kind == 'hash' or kind == 'none' then return nil end
  return redis.error_reply('OFFSETSKEY ' .. offsets .. ' holds a ' .. kind .. ', not a hash of offsets')
end

-- Each function's first write: the record's offset, in the same atomic step as what the record does to the
-- data (or does not, when it is skipped), so the offset Redis holds never runs ahead of the data Redis holds.
local function applied(offsets, field, offset)
  if offsets then redis.call('HSET', offsets, field, offset) end
end

-- Upsert. keys[1] = the driver's hash, then its tombstone marker (absent when markers are off, so an ACL user
-- limited to the driver keys suffices), then the GEO set (absent without a GEO index), then the offsets hash
-- (absent when offsets are off); args[1] = timestamp field name, args[2] = incoming timestamp (epoch ms),
-- args[3] = GEO member ('' without a GEO index), args[4], args[5] = its longitude, latitude ('' when the member
-- leaves the index), args[6] = offsets field ('' when off), args[7] = the record's offset, args[8..] = field,
-- value, field, value, ...
-- Returns 1 written, 0 skipped (stored timestamp strictly newer), 2 skipped (a tombstone at or after this time
-- deleted the driver); a skipped write touches neither the hash nor the GEO set, only the offset. The offset is
-- the first write, then the GEO write: coordinates validated in Java, and a refusal of the first write (OOM)
-- leaves nothing changed. DEL before HSET so fields absent from the new value do not survive; HSET in chunks so
-- no unpack() stack limit applies, whatever the field count.
local function upsert(keys, args)
  local marker, geo, offsets = key_roles(keys, args[3], args[6])
  local ts = tonumber(args[2])
  local stored = stored_time(redis.call('HGET', keys[1], args[1]))
  local outcome = 1
  local deleted = nil
  if stored and stored > ts then
    outcome = 0
  else
    if marker then deleted = stored_time(redis.call('GET', marker)) end
    if deleted and deleted >= ts then outcome = 2 end
  end
  local refusal = offsets_refusal(offsets)
  if refusal then return refusal end
  if outcome == 1 then
    refusal = geo_refusal(geo)
    if refusal then return refusal end
  end
  applied(offsets, args[6], args[7])
  if outcome ~= 1 then return outcome end
  if geo and args[4] ~= '' then
    redis.call('GEOADD', geo, args[4], args[5], args[3])
  elseif geo then
    redis.call('ZREM', geo, args[3])
  end
  redis.call('DEL', keys[1])
  if deleted then redis.call('DEL', marker) end
  for i = 8, #args, 200 do
    redis.call('HSET', keys[1], unpack(args, i, math.min(i + 199, #args)))
  end
  return 1
end

-- Tombstone. keys[1] = the driver's hash, then its marker (absent when markers are off), then the GEO set
-- (absent without a GEO index), then the offsets hash (absent when off); args[1] = timestamp field name,
-- args[2] = the tombstone's time (its Kafka timestamp, ms), args[3] = marker TTL in ms (0 = no marker),
-- args[4] = GEO member ('' without a GEO index), args[5] = offsets field ('' when off), args[6] = the record's
-- offset. Returns 1 deleted (or nothing to delete; marker set, member removed), 0 skipped (stored timestamp
-- strictly newer; GEO set untouched, offset recorded). A key of another type is left alone with a WRONGTYPE
-- error, as an upsert would leave it. The offset, then the marker, are written before the DEL: if Redis refuses
-- the first write (OOM), nothing has changed.
local function tombstone(keys, args)
  local marker, geo, offsets = key_roles(keys, args[4], args[5])
  local kind = redis.call('TYPE', keys[1])['ok']
  if kind ~= 'hash' and kind ~= 'none' then
    return redis.error_reply('WRONGTYPE key holds a ' .. kind .. ', not a hash; a tombstone deletes only hashes')
  end
  local at = tonumber(args[2])
  local stored = stored_time(redis.call('HGET', keys[1], args[1]))
  local refusal = offsets_refusal(offsets)
  if refusal then return refusal end
  if stored and stored > at then
    applied(offsets, args[5], args[6])
    return 0
  end
  refusal = geo_refusal(geo)
  if refusal then return refusal end
  applied(offsets, args[5], args[6])
  local ttl = tonumber(args[3])
  if ttl > 0 and marker then
    local previous = stored_time(redis.call('GET', marker))
    if previous == nil or previous < at then
      redis.call('SET', marker, args[2], 'PX', ttl)
    end
  end
  redis.call('DEL', keys[1])
  if geo then redis.call('ZREM', geo, args[4]) end
  return 1
end

redis.register_function('rastro_sink_upsert', upsert)
redis.register_function('rastro_sink_delete', tombstone)
