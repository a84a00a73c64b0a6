# Drives a program on a pseudo-terminal for the console and interactive-shell tests.
# Usage: python3 pty-driver.py SPEC_JSON
#   SPEC_JSON = {"argv": [...], "env": {...}, "steps": [{"expect": "text"} | {"send": "text"}], "cols": 200, "rows": 50}
# Each "expect" waits (after the previous match) until the text appears in the terminal output;
# "send" types bytes. After the last step the program's output is read until it exits. Prints
# one JSON object: {"output": ..., "status": exit status or -signal, "failed": null | "step N: ..."}.
import fcntl
import json
import os
import pty
import select
import struct
import sys
import termios
import time

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(spec["argv"][0], spec["argv"], spec["env"])

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", spec.get("rows", 50), spec.get("cols", 200), 0, 0))
buf = b""
pos = 0
eof = False
failed = None
# A guard against a program that hangs: a failure to report, not a behaviour under test.
GUARD = 60.0


def pump(timeout):
    global buf, eof
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return
    try:
        data = os.read(fd, 65536)
    except OSError:
        data = b""
    if not data:
        eof = True
    buf += data


for i, step in enumerate(spec["steps"]):
    if "expect" in step:
        want = step["expect"].encode()
        start = time.monotonic()
        while True:
            k = buf.find(want, pos)
            if k >= 0:
                pos = k + len(want)
                break
            if eof or time.monotonic() - start > GUARD:
                failed = "step %d: %r not seen" % (i, step["expect"])
                break
            pump(0.5)
        if failed:
            break
    elif "send" in step:
        os.write(fd, step["send"].encode())

start = time.monotonic()
while not eof and time.monotonic() - start < GUARD:
    pump(0.5)
status = None
try:
    done, st = os.waitpid(pid, 0 if eof else os.WNOHANG)
    if done == 0:
        if failed is None:
            failed = "the program did not exit"
        os.kill(pid, 9)
        done, st = os.waitpid(pid, 0)
    status = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -os.WTERMSIG(st)
except ChildProcessError:
    status = None
print(json.dumps({"output": buf.decode("utf-8", "replace"), "status": status, "failed": failed}))
