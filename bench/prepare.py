#!/usr/bin/env python3
"""prepare.py: the HTTP steps of bench/run.sh before the load runs, on 127.0.0.1 only.

  prepare.py fetch URL [OUT]      GET URL with the headers wrk sends (Host and nothing else);
                                  must be 200; writes the body to OUT; prints etag=, sha256=, bytes=
  prepare.py revalidate URL ETAG  GET URL with If-None-Match: ETAG; must be 304; prints the
                                  304's Content-Length if it has one other than 0
  prepare.py deep URL PAGES       follows meta.next from URL (a list) PAGES times, or to the last
                                  page; prints deep_path= and deep_pages=
"""
import hashlib, http.client, json, sys, urllib.parse

def get(url, headers=(), full=False):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    path = u.path + (f"?{u.query}" if u.query else "")
    conn.putrequest("GET", path, skip_accept_encoding=True)   # Host only, as wrk sends
    for name, value in headers:
        conn.putheader(name, value)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return (r.status, r.getheader("ETag"), body) + ((r,) if full else ())

def main():
    cmd, url = sys.argv[1], sys.argv[2]
    if cmd == "fetch":
        status, etag, body = get(url)
        if status != 200:
            raise SystemExit(f"prepare.py: GET {url}: {status} {body[:200]!r}")
        if len(sys.argv) > 3:
            with open(sys.argv[3], "wb") as f:
                f.write(body)
        print(f"etag={etag}\nsha256={hashlib.sha256(body).hexdigest()}\nbytes={len(body)}")
    elif cmd == "revalidate":
        status, _, body, r = get(url, [("If-None-Match", sys.argv[3])], full=True)
        if status != 304:
            raise SystemExit(f"prepare.py: GET {url} If-None-Match {sys.argv[3]}: {status}, not 304")
        if r.getheader("Content-Length", "0") != "0":
            print(r.getheader("Content-Length"))
    elif cmd == "deep":
        base = urllib.parse.urlsplit(url)
        path, pages = base.path + "?" + base.query, 0
        for _ in range(int(sys.argv[3])):
            status, _, body = get(f"{base.scheme}://{base.netloc}{path}")
            if status != 200:
                raise SystemExit(f"prepare.py: GET {path}: {status} {body[:200]!r}")
            nxt = json.loads(body)["meta"]["next"]
            if nxt is None:
                break
            path, pages = nxt, pages + 1
        print(f"deep_path={path}\ndeep_pages={pages}")
    else:
        raise SystemExit(__doc__)

main()
