// bench/revalidate.mjs: the 304 scenario, which wrk cannot run. wrk's HTTP parser does not know
// that a 304 has no body, and essayd's 304 carries the 200's Content-Length (RFC 9110 8.6
// allows it; libmicrohttpd 0.9.75 always sends it), so wrk waits for bytes that never come.
// This client keeps CONNS keep-alive connections busy for SECONDS with GET URL and the header,
// and prints the line bench/wrk_report.lua prints, so bench/run.sh reads both alike:
//   node bench/revalidate.mjs URL SECONDS CONNS 'If-None-Match: "..."'
// `status` counts answers other than 304. Being JavaScript, it is slower than wrk: compare the
// essayd and nginx numbers it gives with each other, not with wrk's.
import http from 'node:http';

const [url, secsArg, connsArg, header] = process.argv.slice(2);
const secs = Number(secsArg);
const conns = Number(connsArg);
const [hname, ...hrest] = header.split(':');
const headers = { [hname.trim()]: hrest.join(':').trim() };
const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
const latencies = [];
let requests = 0;
let not304 = 0;
let errors = 0;
const end = Date.now() + secs * 1000;
const started = process.hrtime.bigint();

function one() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
        requests++;
        if (res.statusCode !== 304) not304++;
        resolve();
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      errors++;
      resolve();
    });
  });
}

async function loop() {
  while (Date.now() < end) await one();
}

await Promise.all(Array.from({ length: conns }, loop));
const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0);
const mean = latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1);
console.log(`BENCH rps=${(requests / elapsed).toFixed(1)} p50_us=${pct(50).toFixed(0)} p99_us=${pct(99).toFixed(0)} ` +
  `mean_us=${mean.toFixed(1)} requests=${requests} bytes=0 status=${not304} connect=0 read=${errors} write=0 timeout=0`);
