-- wrk script: each argument is "METHOD|PATH|TOKEN|BODY"; requests cycle through them.
-- done() prints one JSON line with counts and latency percentiles (microseconds).
local entries = {}
local counter = 0

function init(args)
  for _, arg in ipairs(args) do
    local method, path, token, body = arg:match("^([^|]*)|([^|]*)|([^|]*)|(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if body == "" then body = nil end
    entries[#entries + 1] = wrk.format(method, path, headers, body)
  end
  counter = math.random(#entries)
end

function request()
  counter = counter + 1
  return entries[(counter % #entries) + 1]
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
