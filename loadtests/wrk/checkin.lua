-- wrk script: full-semantics check-ins of walk-in trucks, each with a new plate and event id.
-- Set TOKEN (a camera's key) and GATE in the environment.
local token = os.getenv("TOKEN")
local gate = os.getenv("GATE") or "tan-thanh"
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/api/v1/gates/" .. gate .. "/checkins"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local n = id * 1000000 + counter
  local plate = string.format("%02dH%05d", 10 + math.floor(n / 100000) % 89, n % 100000)
  local body = string.format(
    '{"event_id":"wrk-%d-%d","observed_at":"%s","plate":"%s"}',
    id, counter, os.date("!%Y-%m-%dT%H:%M:%S+00:00"), plate)
  return wrk.format(nil, nil, nil, body)
end
