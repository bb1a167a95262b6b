-- wrk script for scripts/bench-events: POST /events, each request a batch of BATCH view/click events
-- for random sessions over the bundle's item ids, each connection pausing DELAY ms between requests
-- (wrk is closed-loop; the pause caps the rate). Args: ITEMS_FILE BATCH DELAY_MS
local items, batch, pause = {}, 100, 20
local counter = 0

function init(args)
  for line in io.lines(args[1]) do items[#items + 1] = line end
  batch = tonumber(args[2] or "100")
  pause = tonumber(args[3] or "20")
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function delay()
  return pause
end

function request()
  local parts = {}
  for i = 1, batch do
    counter = counter + 1
    local session = "bench-" .. math.random(1, 200000)
    local kind = (i % 4 == 0) and "click" or "view"
    parts[i] = '{"event_type":"' .. kind .. '","session_id":"' .. session .. '","item_id":"' .. items[math.random(#items)] .. '"}'
  end
  return wrk.format("POST", "/events", {["Content-Type"] = "application/json"}, '{"events":[' .. table.concat(parts, ",") .. ']}')
end

local bad = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("WRKEVENTS requests=%d non2xx_or_errors=%d req_per_s=%.1f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
