-- wrk script: full-semantics check-ins, each with its own event id. TOKEN and TOKEN2 are camera
-- keys of GATE for export and import (an hour of one direction holds at most 10,000 trucks).
--
-- Walk-ins by default: each read is a new plate of series SERIES (runs on one platform must
-- not read each other's trucks: a truck in another gate's yard is refused, rightly).
-- With PLATES, booked trucks, the common case: a file of "direction plate" lines, each plate
-- read once; each thread takes every n-th line (THREADS: wrk's -t), and a thread that has
-- used its plates reads them again, which the platform answers already_in_yard.
--
-- done() prints the admitted, refused and read-again answers, so a run that ran out of
-- places in the hour, or of booked plates, is seen as such.
local gate = os.getenv("GATE") or "tan-thanh"
local series = os.getenv("SERIES") or "H"
local tokens = { export = os.getenv("TOKEN"), import = os.getenv("TOKEN2") or os.getenv("TOKEN") }
local threads = {}
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  admitted, refused, repeated = 0, 0, 0
  path = "/api/v1/gates/" .. gate .. "/checkins"
  counter = 0
  booked = nil
  if os.getenv("PLATES") then
    booked = {}
    local threads_count = tonumber(os.getenv("THREADS") or "2")
    local n = 0
    for line in io.lines(os.getenv("PLATES")) do
      if n % threads_count == id then
        local direction, plate = line:match("^(%S+) (%S+)$")
        table.insert(booked, { direction, plate })
      end
      n = n + 1
    end
  end
end

local function next_truck()
  if booked then
    return booked[(counter - 1) % #booked + 1]
  end
  local n = id * 1000000 + counter
  local plate = string.format("%02d%s%05d", 10 + math.floor(n / 100000) % 89, series, n % 100000)
  return { counter % 2 == 0 and "import" or "export", plate }
end

function request()
  counter = counter + 1
  local truck = next_truck()
  local body = string.format(
    '{"event_id":"wrk-%s-%d-%d","observed_at":"%s","plate":"%s"}',
    booked and "booked" or "walk-in", id, counter, os.date("!%Y-%m-%dT%H:%M:%S+00:00"), truck[2])
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[truck[1]],
  }
  return wrk.format("POST", path, headers, body)
end

local ADMITTED = { "walk_in", "on_time", "early", "late" }

function response(status, headers, body)
  for _, outcome in ipairs(ADMITTED) do
    if string.find(body, '"outcome":"' .. outcome .. '"', 1, true) then
      admitted = admitted + 1
      return
    end
  end
  if string.find(body, '"outcome":"already_in_yard"', 1, true) then
    repeated = repeated + 1
  elseif string.find(body, '"outcome":"refused"', 1, true) then
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local a, r, p = 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("admitted")
    r = r + thread:get("refused")
    p = p + thread:get("repeated")
  end
  io.write(string.format("outcomes admitted=%d refused=%d repeated=%d\n", a, r, p))
end
