-- wrk script: replays a tile list (one path per line, file given after `--`), each thread
-- starting at its own offset, and asks for gzip like a browser does (a second argument
-- `identity` leaves Accept-Encoding out, as GDAL and scripts do).
local paths = {}
local i = 0
local headers = { ["Accept-Encoding"] = "gzip" }

function init(args)
  if args[2] == "identity" then
    headers = {}
  end
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  i = math.random(#paths)
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_s=%.2f rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f bytes=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.bytes, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
