// Tab completion (vshReadlineParse): what the word under the cursor completes to, from the
// command tables and, for option values, from the open connection (embedded test driver).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VIRSH_GROUPS } from "../commands/index.js";
import { complete } from "./completion.js";
import { BufferIO } from "./io.js";
import { Shell } from "./shell.js";

describe("completion", () => {
  const shell = new Shell({ io: new BufferIO(), groups: VIRSH_GROUPS, connname: "test:///default" });
  beforeAll(async () => {
    await shell.reconnect(null, false, false);
  });
  afterAll(async () => {
    await shell.close();
  });

  it("completes command names, with a space after a unique one", async () => {
    expect(await complete(shell, "dumpx")).toEqual([["dumpxml "], "dumpx"]);
    expect(await complete(shell, "domst")).toEqual([["domstate", "domstats"], "domst"]);
    // "dump" is a command and the prefix of another: still command names
    expect((await complete(shell, "snapshot-l"))[0]).toEqual(["snapshot-list "]);
  });

  it("completes options not given yet (argv options may repeat)", async () => {
    expect(await complete(shell, "list --al")).toEqual([["--all "], "--al"]);
    expect((await complete(shell, "domstate --reason --"))[0]).toEqual(["--domain "]);
    expect((await complete(shell, "domstate test "))[0]).toEqual(["--reason "]);
  });

  it("completes domain names as the positional or named value, with the completer's filter", async () => {
    expect(await complete(shell, "dominfo t")).toEqual([["test "], "t"]);
    expect(await complete(shell, "dominfo --domain ")).toEqual([["test "], ""]);
    // start offers shut-off domains only: the running "test" is not one
    expect(await complete(shell, "start ")).toEqual([[], ""]);
  });

  it("completes pool, volume (inside --pool) and network names", async () => {
    expect(await complete(shell, "pool-info def")).toEqual([["default-pool "], "def"]);
    expect(await complete(shell, "net-info ")).toEqual([["default "], ""]);
    expect(await complete(shell, "vol-info --pool default-pool ")).toEqual([[], ""]);
  });

  it("completes after ';' as a new command, and nothing for an unknown command", async () => {
    expect(await complete(shell, "uri; hostn")).toEqual([["hostname "], "hostn"]);
    expect(await complete(shell, "nosuch x")).toEqual([[], ""]);
  });
});
