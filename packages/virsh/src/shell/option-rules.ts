// Option combination rules of tools/vsh.h (VSH_EXCLUSIVE_OPTIONS, VSH_ALTERNATIVE_OPTIONS,
// VSH_REQUIRE_OPTION): print virsh's message and fail the command.
import { CommandFailed, type ErrorSink } from "./parsed-command.js";

export function exclusive(ctl: ErrorSink, name1: string, v1: boolean, name2: string, v2: boolean): void {
  if (v1 && v2) {
    ctl.error(`Options --${name1} and --${name2} are mutually exclusive`);
    throw new CommandFailed();
  }
}

export function alternative(ctl: ErrorSink, name1: string, v1: boolean, name2: string, v2: boolean): void {
  exclusive(ctl, name1, v1, name2, v2);
  if (!v1 && !v2) {
    ctl.error(`Either --${name1} or --${name2} must be provided`);
    throw new CommandFailed();
  }
}

/** VSH_REQUIRE_OPTION(name1, name2): --name1 needs --name2. */
export function requires(ctl: ErrorSink, name1: string, v1: boolean, name2: string, v2: boolean): void {
  if (v1 && !v2) {
    ctl.error(`Option --${name2} is required by option --${name1}`);
    throw new CommandFailed();
  }
}
