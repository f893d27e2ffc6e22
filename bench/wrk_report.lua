-- bench/wrk_report.lua: wrk's own static request (keep-alive, the same bytes every time) and a
-- done() that prints one line for bench/run.sh: "BENCH key=value ...", latencies in µs.
-- Usage: wrk -t2 -c64 -d5s --timeout 10s -s bench/wrk_report.lua URL

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH rps=%.1f p50_us=%.0f p99_us=%.0f mean_us=%.1f requests=%d bytes=%d"
         .. " status=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
      latency.mean, summary.requests, summary.bytes,
      e.status, e.connect, e.read, e.write, e.timeout))
end
