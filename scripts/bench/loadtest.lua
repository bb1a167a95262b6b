-- wrk script for scripts/bench/loadtest: POST /recommend with the bodies of the load tests' data file
-- (k6/data/requests.json, one {"slice":...,"body":...} per line), round robin, and a JSON summary.
--   wrk -t1 -c32 -d20s --latency -s scripts/bench/loadtest.lua http://127.0.0.1:18080 -- k6/data/requests.json realistic
-- Arguments after --: the data file, the mix (realistic | context | first_item | warm).
-- wrk is closed loop (each connection sends when its previous answer is in): use it for the most
-- requests per second, not for latency at a fixed rate (its latencies omit the waiting that a
-- stalled server imposes on requests not yet sent: coordinated omission).

local bodies = {}
local idx = 0

function init(args)
  local file = args[1] or "k6/data/requests.json"
  local mix = args[2] or "realistic"
  for line in io.lines(file) do
    local slice, body = line:match('^{"slice":"([%w_]+)","body":(.*)},?%s*$')
    if slice and (mix == "realistic" or mix == slice) then
      bodies[#bodies + 1] = wrk.format("POST", "/recommend", { ["Content-Type"] = "application/json" }, body)
    end
  end
  if #bodies == 0 then
    error("no requests for mix " .. mix .. " in " .. file)
  end
  idx = math.random(#bodies) - 1
end

function request()
  idx = idx % #bodies + 1
  return bodies[idx]
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    'WRKJSON {"mode":"closed-wrk","requests":%d,"duration_s":%.3f,"achieved_rate":%.1f,"errors":%d,'
      .. '"error_kinds":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}\n',
    summary.requests, s, (summary.requests - errors) / s, errors,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency:percentile(99.9) / 1e3, latency.max / 1e3, latency.mean / 1e3))
end
