#!/usr/bin/env python3
"""startup.py STARTS ESSAYD DB: start-up time to the first answer, STARTS times.

Each start spawns `ESSAYD serve --db DB --port 0 --quiet`, reads the port from its
"essayd: listening on http://127.0.0.1:PORT" line, then asks GET /healthz every 2 ms until the
first 200; the time counts from the spawn to that answer. The server is stopped with SIGTERM
after each start. Prints each time and startup_ms= (the median) and listening_ms= (median time
to the listening line)."""
import http.client, select, statistics, subprocess, sys, time

def one_start(essayd, db):
    t0 = time.perf_counter()
    p = subprocess.Popen([essayd, "serve", "--db", db, "--port", "0", "--quiet"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        deadline = t0 + 10
        if not select.select([p.stdout], [], [], 10)[0]:
            raise SystemExit("startup.py: no listening line from essayd serve within 10 s")
        line = p.stdout.readline().decode()
        if "listening on" not in line:
            raise SystemExit(f"startup.py: essayd serve printed {line!r}, exit status {p.poll()}")
        t_listen = time.perf_counter()
        port = int(line.rsplit(":", 1)[1])
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
            except OSError:
                status = None
            if status == 200:
                return (time.perf_counter() - t0) * 1000, (t_listen - t0) * 1000
            if time.perf_counter() > deadline:
                raise SystemExit(f"startup.py: no 200 from /healthz within 10 s (last: {status})")
            time.sleep(0.002)
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

def main():
    starts, essayd, db = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    times = [one_start(essayd, db) for _ in range(starts)]
    print("start-up to first 200 on /healthz: " + ", ".join(f"{t:.1f} ms" for t, _ in times))
    print(f"startup_ms={statistics.median(t for t, _ in times):.1f}")
    print(f"listening_ms={statistics.median(t for _, t in times):.1f}")

main()
