-- wrk script: each argument is "METHOD|PATH|TOKEN|BODY"; requests cycle through them.
-- A METHOD ending in "+" (e.g. "POST+") sends a fresh Idempotency-Key with every request.
-- done() prints one JSON line with counts and latency percentiles (microseconds).
local entries = {}
local counter = 0

function init(args)
  for _, arg in ipairs(args) do
    local method, path, token, body = arg:match("^([^|]*)|([^|]*)|([^|]*)|(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if body == "" then body = nil end
    if method:sub(-1) == "+" then
      entries[#entries + 1] = { method:sub(1, -2), path, headers, body }
    else
      entries[#entries + 1] = wrk.format(method, path, headers, body)
    end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  prefix = string.format("bench-%d-%d", os.time(), math.random(1, 1e9))
  counter = math.random(#entries)
end

function request()
  counter = counter + 1
  local entry = entries[(counter % #entries) + 1]
  if type(entry) == "string" then return entry end
  entry[3]["Idempotency-Key"] = prefix .. "-" .. counter
  return wrk.format(entry[1], entry[2], entry[3], entry[4])
end

local failures = 0
function response(status, headers, body)
  if status >= 400 then failures = failures + 1 end
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
