#!/usr/bin/python3
# The python3-libvirt client of virtkit-bench --mgmt (src/rpc-rate.ts): opens CLIENTS connections to URI
# (one thread each when CLIENTS > 1), prints "ready", waits for a line on stdin, then makes CALL on every
# connection in a loop for SECONDS and prints {"calls": N, "wall_ms": T} as JSON. The connections are
# opened before "ready" so that the caller's window (between its "go" and our answer) holds only the calls.
import json
import sys
import threading
import time

import libvirt

CALLS = {
    "virConnectNumOfDomains": lambda conn, dom: conn.numOfDomains(),
    "virConnectListAllDomains": lambda conn, dom: conn.listAllDomains(0),
    "virDomainGetInfo": lambda conn, dom: dom.info(),
}


def main():
    uri, call, clients, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    fn = CALLS[call]
    conns = [libvirt.open(uri) for _ in range(clients)]
    doms = [c.lookupByName("test") for c in conns]
    counts = [0] * clients
    print("ready", flush=True)
    sys.stdin.readline()
    t0 = time.monotonic()
    end = t0 + seconds

    def loop(i):
        c, d, n = conns[i], doms[i], 0
        while time.monotonic() < end:
            fn(c, d)
            n += 1
        counts[i] = n

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = (time.monotonic() - t0) * 1000
    print(json.dumps({"calls": sum(counts), "wall_ms": wall}), flush=True)
    for c in conns:
        c.close()


main()
