-- wrk script for the webhook ingest benchmark (bench/ingest_bench.py).
--
--   wrk -t2 -c32 -d15s --latency -s bench/webhook.lua URL -- PREFIX
--
-- Thread i sends the pre-signed requests of file PREFIX.i (made by
-- bench/make_requests.py: records "<length>\n<raw HTTP request>") in order,
-- one each, reading them lazily so that no thread spends time loading while
-- another already sends. Each request is a new event (its own message mid).
-- Should a file run out, the thread starts over and the repeats are counted
-- as "wrapped" (the server then stores them once: the events-vs-200 check
-- would no longer be exact, so the driver makes the files large enough).
--
-- done() prints one line "BENCH_JSON {...}" with the exact counts and the
-- latency percentiles in microseconds for the driver to parse.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local file, path
ok = 0       -- 200 responses (read by done() through thread:get)
other = 0    -- any other status
wrapped = 0  -- requests sent a second time after the file ran out

function init(args)
   path = string.format("%s.%d", args[1], id)
   file = assert(io.open(path, "rb"))
   file:setvbuf("full", 1048576)
end

function request()
   local len = file:read("*n")
   if not len then
      file:seek("set", 0)
      wrapped = wrapped + 1
      len = file:read("*n")
   elseif wrapped > 0 then
      wrapped = wrapped + 1
   end
   file:read(1) -- the newline after the length
   return file:read(len)
end

function response(status, headers, body)
   if status == 200 then
      ok = ok + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   local t_ok, t_other, t_wrapped = 0, 0, 0
   for _, t in ipairs(threads) do
      t_ok = t_ok + t:get("ok")
      t_other = t_other + t:get("other")
      t_wrapped = t_wrapped + t:get("wrapped")
   end
   io.write(string.format(
      'BENCH_JSON {"duration_us":%d,"requests":%d,"bytes":%d,"ok":%d,"other_status":%d,' ..
      '"wrapped":%d,"errors_connect":%d,"errors_read":%d,"errors_write":%d,' ..
      '"errors_timeout":%d,"errors_status":%d,"lat_mean_us":%.1f,"lat_max_us":%d,' ..
      '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d}\n',
      summary.duration, summary.requests, summary.bytes, t_ok, t_other, t_wrapped,
      summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.timeout, summary.errors.status, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9)))
end
