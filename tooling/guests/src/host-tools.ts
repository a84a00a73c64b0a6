/** Which host tools are on PATH (tests skip with a message naming the missing tool; the builder says what to install). */
import { execFileSync } from "node:child_process";

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", 'command -v "$1"', "sh", cmd], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
