-- POST /api/items with a new item per request (unique name), the bearer token and a JSON body.
-- Usage: wrk -s bench/post_item.lua http://127.0.0.1:PORT -- API_TOKEN RUN_TAG
-- RUN_TAG keeps names unique across runs against the same database; each wrk thread adds its
-- own number and a counter, so no two requests ever send the same name (a 409 would be an error).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

local run_tag, counter = nil, 0

function init(args)
  local token = args[1] or os.getenv("API_TOKEN") or ""
  run_tag = args[2] or tostring(os.time())
  wrk.method = "POST"
  wrk.path = "/api/items"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name": "bench %s-%d-%d", "description": "Made by make bench.", "quantity": 1}',
    run_tag, thread_number, counter
  )
  return wrk.format(nil, nil, nil, body)
end
