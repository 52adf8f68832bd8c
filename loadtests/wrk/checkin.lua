-- wrk script: full-semantics check-ins of walk-in trucks, each with a new plate and event id.
-- TOKEN (and TOKEN2, a camera of the other direction: an hour of one direction holds at most
-- 10,000 trucks) are camera keys of GATE. done() prints how many were admitted and refused,
-- so a run that ran out of places in the hour is seen as such.
local tokens = { os.getenv("TOKEN"), os.getenv("TOKEN2") }
local gate = os.getenv("GATE") or "tan-thanh"
-- The plates' series letter: runs on one platform must not read each other's trucks (a truck
-- already in another gate's yard is refused as booked elsewhere, rightly).
local series = os.getenv("SERIES") or "H"
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  admitted = 0
  refused = 0
  path = "/api/v1/gates/" .. gate .. "/checkins"
end

function request()
  counter = counter + 1
  local n = id * 1000000 + counter
  local plate = string.format("%02d%s%05d", 10 + math.floor(n / 100000) % 89, series, n % 100000)
  local body = string.format(
    '{"event_id":"wrk-%d-%d","observed_at":"%s","plate":"%s"}',
    id, counter, os.date("!%Y-%m-%dT%H:%M:%S+00:00"), plate)
  local token = tokens[1]
  if tokens[2] and counter % 2 == 0 then token = tokens[2] end
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if string.find(body, '"outcome":"walk_in"', 1, true) then
    admitted = admitted + 1
  elseif string.find(body, '"outcome":"refused"', 1, true) then
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local a, r = 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("admitted")
    r = r + thread:get("refused")
  end
  io.write(string.format("outcomes admitted=%d refused=%d\n", a, r))
end
