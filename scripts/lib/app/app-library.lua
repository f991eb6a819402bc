#!lua name=rastro_app
-- The delivery app's read: the nearest drivers of some statuses in one call, so an API request costs one round
-- trip and one small reply instead of a GEOSEARCH plus an HGETALL per candidate (the app then spent most of its
-- CPU parsing replies it threw away). Read-only (no-writes, called with FCALL_RO); the admin loads it at make up,
-- the app's user may call this function only.
--
-- KEYS[1] the GEO set. ARGV: driver key prefix, lon, lat, radius (km), limit, wanted statuses as a comma list
-- ('' = any status but OFFLINE). Returns, as one JSON text, up to `limit` entries [id, distance, {hash}], nearest
-- first: one bulk string for the client to parse natively, instead of a nested reply of ~20 strings per driver.
--
-- The GEO index holds positions only, so the status filter runs on the hashes. GEOSEARCH's cost grows with
-- the members of the geohash boxes covering its radius (every one gets a distance, then a sort), so the search
-- starts at 1/8 of the radius and doubles it while too few match; within one radius COUNT starts at 4 x limit
-- (at least 32) when filtering and grows 4x while the radius holds more. The function runs atomically, so each
-- round's new members all lie beyond those already examined: the output stays ordered and stops at `limit`.
-- The driver hashes are read by name, not declared as keys: one Redis, not a cluster (where they would have to
-- share the GEO set's slot).
--
-- A member whose hash is gone is skipped; a hash without a status is returned so that the app names it as
-- broken instead of hiding it.

local function nearest(keys, args)
  local prefix, lon, lat, radius, limit, statuses = args[1], args[2], args[3], tonumber(args[4]), tonumber(args[5]), args[6]
  local wanted = nil
  if statuses ~= '' then
    wanted = {}
    for s in string.gmatch(statuses, '[^,]+') do wanted[s] = true end
  end
  local count = limit
  if wanted then count = math.max(limit * 4, 32) end
  local out, seen = {}, {}
  local r = radius / 8
  while true do
    local reply = redis.call('GEOSEARCH', keys[1], 'FROMLONLAT', lon, lat, 'BYRADIUS', r, 'km', 'ASC', 'COUNT', count, 'WITHDIST')
    for _, m in ipairs(reply) do
      local id = m[1]
      if not seen[id] then
        seen[id] = true
        local key = prefix .. id
        local status = redis.call('HGET', key, 'status')
        local keep
        if status then
          keep = status ~= 'OFFLINE' and (wanted == nil or wanted[status] == true)
        else
          keep = redis.call('EXISTS', key) == 1
        end
        if keep then
          local flat, hash = redis.call('HGETALL', key), {}
          for i = 1, #flat, 2 do hash[flat[i]] = flat[i + 1] end
          out[#out + 1] = { id, m[2], hash }
          if #out == limit then break end
        end
      end
    end
    if #out == limit then break end
    if #reply == count then
      count = count * 4
    elseif r < radius then
      r = math.min(radius, r * 2)
    else
      break
    end
  end
  -- An empty Lua table is ambiguous to cjson ({} or []): no match is said as an empty array.
  if #out == 0 then return '[]' end
  return cjson.encode(out)
end

redis.register_function{ function_name = 'rastro_nearest', callback = nearest, flags = { 'no-writes' } }
