// The daemon process: sockets and their modes, the read-only socket, TCP with --listen, -d,
// pid file handling, max_clients and a clean SIGTERM shutdown.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Connect, VirError } from "@virtkit/libvirt";
import { hasOurBuild, hasVirsh, OUR_CLI, startOurLibvirtd, virsh } from "./testing/daemons.js";

if (!hasOurBuild) console.warn("daemon.test: skipping, dist/cli.js is missing (run the build first)");

describe.skipIf(!hasOurBuild)("our libvirtd process", () => {
  it("creates libvirt-sock and libvirt-sock-ro with the configured modes and removes them on SIGTERM", async () => {
    const d = await startOurLibvirtd();
    expect(statSync(d.sock).mode & 0o777).toBe(0o770);
    expect(statSync(d.sockRO).mode & 0o777).toBe(0o777);
    expect(Number(readFileSync(join(d.dir, "pid"), "utf8"))).toBe(d.proc.pid);
    d.proc.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => d.proc.once("exit", r));
    expect(code).toBe(0);
    expect(existsSync(d.sock)).toBe(false);
    expect(existsSync(join(d.dir, "pid"))).toBe(false);
    await d.stop();
  });

  it("forces read-only on the -ro socket even when the client asks for read-write", async () => {
    const d = await startOurLibvirtd();
    try {
      const c = await Connect.open(`test+unix:///default?socket=${d.sockRO}`);
      const dom = await c.lookupByName("test");
      expect(await dom.state()).toEqual({ state: 1, reason: 0 });
      const e = (await dom.suspend().catch((x: unknown) => x)) as VirError;
      expect([e.code, e.message]).toEqual([29, "operation forbidden: read only access prevents virDomainSuspend"]);
      await c.close();
    } finally {
      await d.stop();
    }
  });

  it("listens on TCP with --listen and listen_tcp = 1", async () => {
    const d = await startOurLibvirtd({ tcp: true });
    try {
      const c = await Connect.open(`test+tcp://127.0.0.1:${d.tcpPort}/default`);
      expect((await c.listAllDomains()).map((x) => x.name())).toEqual(["test"]);
      await c.close();
      if (hasVirsh) {
        const r = virsh(`test+tcp://127.0.0.1:${d.tcpPort}/default`, ["domstate", "test"]);
        expect(r).toEqual({ stdout: "running\n\n", stderr: "", code: 0 });
      }
    } finally {
      await d.stop();
    }
  });

  it("drops connections beyond max_clients", async () => {
    const d = await startOurLibvirtd({ extraConf: "max_clients = 1\n" });
    try {
      const a = await Connect.open(d.testURI);
      const e = await Connect.open(d.testURI).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(VirError);
      expect(await a.getType()).toBe("TEST");
      await a.close();
    } finally {
      await d.stop();
    }
  });

  it("-d returns once the daemon is ready; a second daemon on the same pid file is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "our-libvirtd-d-"));
    try {
      writeFileSync(join(dir, "c.conf"), `unix_sock_dir = "${dir}"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\nlog_outputs = "3:file:${dir}/log"\n`);
      const r = spawnSync(process.execPath, [OUR_CLI, "-d", "-f", join(dir, "c.conf"), "-p", join(dir, "pid")], { encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(existsSync(join(dir, "libvirt-sock"))).toBe(true);
      const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
      const again = spawnSync(process.execPath, [OUR_CLI, "-f", join(dir, "c.conf"), "-p", join(dir, "pid")], { encoding: "utf8" });
      expect(again.status).toBe(1);
      expect(again.stderr).toContain(`Failed to acquire pid file '${join(dir, "pid")}': Resource temporarily unavailable`);
      process.kill(pid, "SIGTERM");
      while (existsSync(join(dir, "pid"))) await new Promise((res) => setImmediate(res));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints libvirtd's version and refuses unknown options like getopt", () => {
    expect(spawnSync(process.execPath, [OUR_CLI, "--version"], { encoding: "utf8" }).stdout).toBe("libvirtd (libvirt) 9.0.0\n");
    const bad = spawnSync(process.execPath, [OUR_CLI, "--bogus"], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr.startsWith("libvirtd: unrecognized option '--bogus'\n\nUsage:\n  libvirtd [options]\n")).toBe(true);
    const missing = spawnSync(process.execPath, [OUR_CLI, "-f", "/nonexistent/libvirtd.conf"], { encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("Can't load config file: Failed to open file '/nonexistent/libvirtd.conf': No such file or directory");
  });
});
