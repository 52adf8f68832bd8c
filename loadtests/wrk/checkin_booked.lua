-- wrk script: full-semantics check-ins of booked trucks (the common case: booking lookup,
-- arrival judged against the slot, transition to arrived, queue place, audit entry,
-- idempotency, publish), each plate read once. PLATES is a file of booked plates, one a line,
-- each preceded by its direction (export/import) and a space; TOKEN and TOKEN2 are cameras
-- of GATE for export and import. Each thread takes every n-th plate; a thread that has used
-- its plates reads them again, which the platform answers already_in_yard: done() prints
-- those apart from the admitted ones, so that a run that ran short is seen as such.
local gate = os.getenv("GATE") or "coc-nam"
local tokens = { export = os.getenv("TOKEN"), import = os.getenv("TOKEN2") }
local threads = {}
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  admitted, repeated, refused = 0, 0, 0
  path = "/api/v1/gates/" .. gate .. "/checkins"
  mine = {}
  local n = 0
  for line in io.lines(os.getenv("PLATES")) do
    if n % thread_id_count() == id then
      local direction, plate = line:match("^(%S+) (%S+)$")
      table.insert(mine, { direction, plate })
    end
    n = n + 1
  end
  next_one = 0
end

function thread_id_count()
  return tonumber(os.getenv("THREADS") or "2")
end

function request()
  next_one = next_one + 1
  local truck = mine[(next_one - 1) % #mine + 1]
  local body = string.format(
    '{"event_id":"wrk-booked-%d-%d","observed_at":"%s","plate":"%s"}',
    id, next_one, os.date("!%Y-%m-%dT%H:%M:%S+00:00"), truck[2])
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[truck[1]],
  }
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if string.find(body, '"outcome":"on_time"', 1, true)
    or string.find(body, '"outcome":"early"', 1, true)
    or string.find(body, '"outcome":"late"', 1, true) then
    admitted = admitted + 1
  elseif string.find(body, '"outcome":"already_in_yard"', 1, true) then
    repeated = repeated + 1
  elseif string.find(body, '"outcome":"refused"', 1, true) then
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local a, p, r = 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("admitted")
    p = p + thread:get("repeated")
    r = r + thread:get("refused")
  end
  io.write(string.format("outcomes admitted=%d refused=%d repeated=%d\n", a, r, p))
end
