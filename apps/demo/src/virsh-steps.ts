// Each step of the demo is a virsh command line, run by our virsh's main() in this process, after
// the line is shown the way a person would type it (the URI quoted: '?' is a shell glob).
import { virshMain, type ShellIO } from "@virtkit/virsh";

/** A quoted word for a POSIX shell, only when it needs quoting. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export class VirshStepFailed extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly status: number,
  ) {
    super(`virsh ${argv.join(" ")} failed with exit status ${String(status)}`);
    this.name = "VirshStepFailed";
  }
}

export interface VirshStepsOptions {
  uri: string;
  /** Where the demo's own lines go (the `$ virsh ...` echo). */
  write: (text: string) => void;
  /** Where virsh writes; the process's stdout/stderr when absent. */
  io?: ShellIO;
  /** Whether stdin is a terminal (virsh console needs one). */
  istty?: boolean;
}

export class VirshSteps {
  constructor(private readonly o: VirshStepsOptions) {}

  /** The command line as shown: `virsh -c URI ARGS...`. */
  commandLine(args: readonly string[]): string {
    return ["virsh", "-c", this.o.uri, ...args].map(shellWord).join(" ");
  }

  /** Shows `$ virsh -c URI ARGS...`, runs it, and returns virsh's exit status. */
  async run(args: readonly string[]): Promise<number> {
    this.o.write(`$ ${this.commandLine(args)}\n`);
    return virshMain(["-c", this.o.uri, ...args], {
      istty: this.o.istty ?? false,
      ...(this.o.io ? { io: this.o.io } : {}),
    });
  }

  /** As run(), but a failing command ends the demo. */
  async must(args: readonly string[]): Promise<void> {
    const status = await this.run(args);
    if (status !== 0) throw new VirshStepFailed(args, status);
  }
}
