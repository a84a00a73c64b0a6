// libvirtd's option table (src/remote/remote_daemon.c) parsed the way getopt_long does.

export interface CliArgs {
  config: string | null;
  pidFile: string | null;
  daemon: boolean;
  listen: boolean;
  verbose: boolean;
  timeout: number;
  help: boolean;
  version: boolean;
}

/** getopt_long with libvirtd's option table; throws the message getopt prints. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const a: CliArgs = { config: null, pidFile: null, daemon: false, listen: false, verbose: false, timeout: -1, help: false, version: false };
  const withArg: Record<string, keyof CliArgs> = { "-f": "config", "--config": "config", "-p": "pidFile", "--pid-file": "pidFile", "-t": "timeout", "--timeout": "timeout" };
  const flags: Record<string, keyof CliArgs> = {
    "-d": "daemon", "--daemon": "daemon", "-l": "listen", "--listen": "listen", "-v": "verbose", "--verbose": "verbose",
    "-h": "help", "--help": "help", "-V": "version", "--version": "version",
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    } else if (/^-[fpt].+/.test(arg)) {
      value = arg.slice(2);
      arg = arg.slice(0, 2);
    }
    const key = withArg[arg];
    if (key) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) {
          throw new Error(arg.startsWith("--") ? `option '${arg}' requires an argument` : `option requires an argument -- '${arg.slice(1)}'`);
        }
      }
      if (key === "timeout") {
        const n = Number(value);
        if (!Number.isInteger(n) || n <= 0) throw new Error(`Invalid value for timeout`);
        a.timeout = n;
      } else (a as unknown as Record<string, string>)[key] = value;
      continue;
    }
    const flag = flags[arg];
    if (flag) {
      (a as unknown as Record<string, boolean>)[flag] = true;
      continue;
    }
    if (arg.startsWith("--")) throw new Error(`unrecognized option '${arg}'`);
    if (arg.startsWith("-")) throw new Error(`invalid option -- '${arg.slice(1, 2)}'`);
    throw new Error(`unexpected argument '${arg}'`);
  }
  return a;
}

