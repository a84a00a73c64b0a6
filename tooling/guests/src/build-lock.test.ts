/**
 * The guest cache's build lock: test files in several processes call buildLinuxGuest() at import time on a
 * fresh checkout, and only one may write the cache while the others wait for it.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withBuildLock } from "./linux-guest.js";

describe("the guest cache's build lock", () => {
  it("waits while another process holds the lock, then builds holding it and releases it", async () => {
    const cache = mkdtempSync(join(tmpdir(), "vk-lock-"));
    const lock = join(cache, ".build-lock");
    mkdirSync(lock);
    // Another builder: releases the lock once it has told us it is running.
    const other = spawn(process.execPath, ["-e", `console.log("holding"); setTimeout(() => require("fs").rmdirSync(${JSON.stringify(lock)}), 800)`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => other.stdout.once("data", () => resolve()));
    let heldDuringBuild = false;
    const result = withBuildLock(cache, () => {
      heldDuringBuild = existsSync(lock);
      return "built";
    });
    expect(result).toBe("built");
    expect(heldDuringBuild).toBe(true);
    expect(existsSync(lock)).toBe(false);
    // It only got the lock after the other process let go.
    expect(other.exitCode ?? (await new Promise((r) => other.once("exit", r)))).toBe(0);
  });

  it("takes over a lock left behind by a builder that died", () => {
    const cache = mkdtempSync(join(tmpdir(), "vk-lock-"));
    const lock = join(cache, ".build-lock");
    mkdirSync(lock);
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(lock, hourAgo, hourAgo);
    expect(withBuildLock(cache, () => 7)).toBe(7);
    expect(existsSync(lock)).toBe(false);
  });

  it("releases the lock when the build fails", () => {
    const cache = mkdtempSync(join(tmpdir(), "vk-lock-"));
    expect(() =>
      withBuildLock(cache, () => {
        throw new Error("no kernel");
      }),
    ).toThrow("no kernel");
    expect(existsSync(join(cache, ".build-lock"))).toBe(false);
  });
});
