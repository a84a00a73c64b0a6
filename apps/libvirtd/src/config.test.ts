import { describe, expect, it } from "vitest";
import { ConfError, DEFAULT_CONFIG, loadDaemonConfig, parseConf } from "./config.js";
import { parseArgs } from "./args.js";
import { parseLogFilters, parseLogOutputs } from "./logging.js";

describe("libvirtd.conf (virConf syntax)", () => {
  it("reads strings, integers, lists and comments", () => {
    const m = parseConf(`# comment\nunix_sock_dir = "/tmp/x"  # trailing\nlisten_tcp=1\nlist = [ "a", 'b',\n  "c", ]\nlog_outputs="""3:stderr\n1:file:/l"""\n`, "f");
    expect(m.get("unix_sock_dir")).toBe("/tmp/x");
    expect(m.get("listen_tcp")).toBe(1);
    expect(m.get("list")).toEqual(["a", "b", "c"]);
    expect(m.get("log_outputs")).toBe("3:stderr\n1:file:/l");
  });

  it("reports syntax errors with file and line", () => {
    expect(() => parseConf(`a = 1\nb "x"\n`, "/etc/l.conf")).toThrow("configuration file syntax error: /etc/l.conf:2: expecting an assignment");
    expect(() => parseConf(`a = "x\n`, "f")).toThrow(/unterminated string/);
  });

  it("maps the daemon keys with their types and defaults", () => {
    const c = loadDaemonConfig(
      `unix_sock_dir = "/run/x"\nunix_sock_ro_perms = "0777"\nunix_sock_rw_perms = "0770"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\nlisten_tcp = 1\nlisten_addr = "127.0.0.1"\ntcp_port = "16510"\nauth_tcp = "none"\nkeepalive_interval = -1\nkeepalive_count = 3\nmax_clients = 7\nlog_outputs = "1:stderr"\nlog_filters = "1:rpc"\n`,
      "f",
    );
    expect(c).toMatchObject({
      unix_sock_dir: "/run/x", unix_sock_ro_perms: 0o777, unix_sock_rw_perms: 0o770, listen_tcp: 1, listen_addr: "127.0.0.1",
      tcp_port: 16510, keepalive_interval: -1, keepalive_count: 3, max_clients: 7, log_outputs: "1:stderr", log_filters: "1:rpc",
    });
    expect(loadDaemonConfig("", "f")).toEqual(DEFAULT_CONFIG);
  });

  it("refuses auth schemes it does not implement and mistyped values", () => {
    expect(() => loadDaemonConfig(`auth_unix_rw = "polkit"\n`, "f")).toThrow(ConfError);
    expect(() => loadDaemonConfig(`auth_tcp = "sasl"\n`, "f")).toThrow(/only "none"/);
    expect(() => loadDaemonConfig(`listen_tcp = "yes"\n`, "f")).toThrow(/expected a number/);
    expect(() => loadDaemonConfig(`unix_sock_rw_perms = "rwx"\n`, "f")).toThrow("Failed to parse mode 'rwx'");
  });
});

describe("libvirtd options", () => {
  it("parses libvirtd's short and long options", () => {
    expect(parseArgs(["-f", "/c", "-p", "/p", "-d", "--listen", "-v", "-t", "30"])).toMatchObject({
      config: "/c", pidFile: "/p", daemon: true, listen: true, verbose: true, timeout: 30,
    });
    expect(parseArgs(["--config=/c", "--pid-file", "/p", "-V"])).toMatchObject({ config: "/c", pidFile: "/p", version: true });
    expect(parseArgs(["-f/c"]).config).toBe("/c");
  });

  it("rejects what getopt rejects, with its wording", () => {
    expect(() => parseArgs(["--bogus"])).toThrow("unrecognized option '--bogus'");
    expect(() => parseArgs(["-x"])).toThrow("invalid option -- 'x'");
    expect(() => parseArgs(["-f"])).toThrow("option requires an argument -- 'f'");
  });
});

describe("logging settings", () => {
  it("parses outputs and filters", () => {
    expect(parseLogOutputs("3:stderr 1:file:/var/log/x.log")).toEqual([{ level: 3, kind: "stderr" }, { level: 1, kind: "file", path: "/var/log/x.log" }]);
    expect(parseLogFilters("1:rpc 4:test")).toEqual([{ level: 1, match: "rpc" }, { level: 4, match: "test" }]);
    expect(() => parseLogOutputs("9:stderr")).toThrow("Failed to parse logging output '9:stderr'");
  });
});
