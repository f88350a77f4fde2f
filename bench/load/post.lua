-- wrk script: each request is one patient submitting a form once, with a token never used before.
-- Usage: wrk -c200 -d60s -s post.lua URL -- SESSIONS_FILE PATH BODY RUN
--   SESSIONS_FILE: one "sessionid csrftoken extra-form-fields" line per patient
--   BODY: the form body; {token} becomes a fresh UUID, {csrf} the patient's CSRF token, {extra} their own fields.
--   RUN: 4 hex digits unique to this run, so a token is never reused by a later run either.
-- The last line printed is read by bench/load/runner.py: `LOAD requests=… accepted=… statuses=…`.
-- With LOAD_ACCEPTED_FILE set, the id of each accepted row (from the redirect to /done/<id>/) is
-- written there, one per line, so the runner can check each one against the database.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  sessions = {}
  for line in io.lines(args[1]) do
    local session, csrf, extra = line:match("(%S+)%s+(%S+)%s*(%S*)")
    table.insert(sessions, {session = session, csrf = csrf, extra = extra or ""})
  end
  path, body, run = args[2], args[3], args[4]
  statuses = {}
  accepted = 0
  accepted_ids = {}
  -- Spread the threads over the patients so they do not all start with the first one.
  counter = (id - 1) * math.floor(#sessions / 4)
end

function request()
  counter = counter + 1
  local patient = sessions[(counter % #sessions) + 1]
  -- Unique per run, thread and request: the run, the thread id and a counter in the UUID's fields.
  local token = string.format("%08x-%s-4000-8000-%012x", id, run, counter)
  local form = body:gsub("{token}", token):gsub("{csrf}", patient.csrf):gsub("{extra}", function() return patient.extra end)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "sessionid=" .. patient.session .. "; csrftoken=" .. patient.csrf,
  }, form)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  -- A form accepted redirects to its result page; a form shown again (200) was rejected.
  if status == 302 then
    accepted = accepted + 1
    table.insert(accepted_ids, (headers["Location"] or ""):match("/(%d+)/?$") or "?")
  end
end

function done(summary, latency, requests)
  local total_accepted, merged = 0, {}
  local ids_file = os.getenv("LOAD_ACCEPTED_FILE")
  local ids = ids_file and io.open(ids_file, "w")
  for _, thread in ipairs(threads) do
    total_accepted = total_accepted + thread:get("accepted")
    if ids then
      for _, row_id in ipairs(thread:get("accepted_ids")) do ids:write(row_id, "\n") end
    end
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  if ids then ids:close() end
  local parts = {}
  for status, count in pairs(merged) do table.insert(parts, status .. ":" .. count) end
  local e = summary.errors
  io.write(string.format(
    "LOAD requests=%d seconds=%.3f accepted=%d socket_errors=%d p50=%.1f p95=%.1f p99=%.1f statuses=%s\n",
    summary.requests, summary.duration / 1e6, total_accepted, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), table.concat(parts, ",")))
end
