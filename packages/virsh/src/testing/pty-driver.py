# Drives a program on a pseudo-terminal for the console and interactive-shell tests.
# Usage: python3 pty-driver.py SPEC_JSON
#   SPEC_JSON = {"argv": [...], "env": {...}, "steps": [{"expect": "text"} | {"send": "text"}],
#                "cols": 200, "rows": 50, "guard": 60, "log": "/path/or/absent"}
# Each "expect" waits (after the previous match) until the text appears in the terminal output;
# "send" types bytes. After the last step the program's output is read until it exits; after a
# failed step it is killed.
# "guard" (seconds, default 60) is how long one step may wait, and the program may take to exit,
# before the run is reported as hung: a guard against a program that never answers, not a
# behaviour under test (a guest that boots Linux needs minutes). "log" names a file that gets
# the terminal output as it arrives, for watching a long run.
# Prints one JSON object: {"output": ..., "status": exit status or -signal,
#   "failed": null | "step N: ...", "marks": [...], "times": [...]}, where marks[i] is the offset
# in "output" (characters) reached by step i — just past the text an "expect" matched, the end of
# what had been shown when a "send" typed — and times[i] the seconds since the start at that step.
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
t0 = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(spec["argv"][0], spec["argv"], spec["env"])

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", spec.get("rows", 50), spec.get("cols", 200), 0, 0))
buf = b""
pos = 0
eof = False
failed = None
marks = []
times = []
GUARD = float(spec.get("guard", 60))
log = open(spec["log"], "ab", buffering=0) if spec.get("log") else None


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
    if log is not None and data:
        log.write(data)


def mark(at):
    # a character offset into the decoded output; `at` is always at a UTF-8 boundary (the end
    # of a match of UTF-8 text, or of everything read so far, which the decoder also ends on)
    marks.append(len(buf[:at].decode("utf-8", "replace")))
    times.append(round(time.monotonic() - t0, 3))


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
        mark(pos)
    elif "send" in step:
        os.write(fd, step["send"].encode())
        mark(len(buf))

# After a failed step the program is not waited for again: it is killed below.
start = time.monotonic()
while failed is None and not eof and time.monotonic() - start < GUARD:
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
if log is not None:
    log.close()
print(json.dumps({"output": buf.decode("utf-8", "replace"), "status": status, "failed": failed, "marks": marks, "times": times}))
