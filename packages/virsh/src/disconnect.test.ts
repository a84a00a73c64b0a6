// A daemon that goes away under a running shell: virsh's close callback prints
// "Disconnected from <uri> due to end of file", the next command tries to reconnect and reports
// "Failed to reconnect to the hypervisor" with libvirt's error. Commands are fed one at a time,
// each after the previous one's effect showed in the output.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OUR_LIBVIRTD, OUR_VIRSH, REAL_VIRSH, hasRealLibvirtd, hasRealVirsh, startOurLibvirtd, startRealLibvirtd, waitForBuild, type PrivateDaemon } from "./testing/daemons.js";

const missing = [!hasRealVirsh && "virsh (libvirt-clients)", !hasRealLibvirtd && "libvirtd (libvirt-daemon)", !existsSync(OUR_VIRSH) && "dist/cli.js"].filter(Boolean);
if (missing.length) console.warn(`virsh disconnect tests: skipping, missing ${missing.join(", ")}`);

/** stdout and stderr apart (two pipes interleave by timing), and both together for the waits. */
async function session(which: "real" | "ours", d: PrivateDaemon): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const [cmd, argv] = which === "real" ? [REAL_VIRSH, [] as string[]] : [process.execPath, [OUR_VIRSH]];
  const p = spawn(cmd, [...argv, "-q", "-c", d.testURI], { env: { ...process.env, LC_ALL: "C" }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let stdout = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  const onData = (b: Buffer): void => {
    out += b.toString();
    for (const w of waiters.splice(0)) w();
  };
  p.stdout.on("data", (b: Buffer) => {
    stdout += b.toString();
    onData(b);
  });
  p.stderr.on("data", (b: Buffer) => {
    stderr += b.toString();
    onData(b);
  });
  const until = async (text: string): Promise<void> => {
    while (!out.includes(text) && p.exitCode === null) await new Promise<void>((r) => waiters.push(r));
  };
  p.stdin.write("uri\n");
  await until("libvirt-sock\n");
  await d.stop();
  await until("due to end of file\n");
  p.stdin.write("domid test\n");
  await until("No such file or directory\n");
  p.stdin.end("uri\n");
  const code = await new Promise<number | null>((r) => p.once("close", r));
  const clean = (t: string): string => t.split(d.dir).join("<DIR>");
  return { stdout: clean(stdout), stderr: clean(stderr), code };
}

describe.skipIf(missing.length > 0)("losing the daemon", () => {
  it("our virsh reports the disconnect and the failed reconnects as the real virsh does", async () => {
    const real = await session("real", await startRealLibvirtd());
    const ours = await session("ours", await startRealLibvirtd());
    expect(ours).toEqual(real);
    expect(real.stderr).toContain("error: Disconnected from test+unix:///default?socket=<DIR>/libvirt-sock due to end of file\n");
    if (await waitForBuild(OUR_LIBVIRTD)) {
      const oursOnOurs = await session("ours", await startOurLibvirtd());
      expect(oursOnOurs).toEqual(real);
    }
  });
});
