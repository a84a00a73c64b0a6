// Terminal modes for the interactive console and the edit prompt (vshTTYMakeRaw / vshTTYRestore
// in tools/vsh.c). virsh calls cfmakeraw(): no input translation, no echo, no signals, and no
// output processing either (a guest's "\n" reaches the terminal unchanged). Node's own raw mode
// keeps output processing on, so the settings are applied with stty on the terminal itself and
// restored from its saved state; Node's setRawMode is the fallback when stty is unavailable.
import { spawnSync } from "node:child_process";
import type { ReadStream } from "node:tty";

export interface SavedTTY {
  restore(): void;
}

/** cfmakeraw() expressed as stty settings. */
const STTY_RAW = ["raw", "-echo", "-echonl", "-iexten", "-isig", "-opost", "cs8", "-parenb", "min", "1", "time", "0"];

export function makeRaw(stdin: NodeJS.ReadStream): SavedTTY | null {
  if (!stdin.isTTY) return null;
  const saved = spawnSync("stty", ["-g"], { stdio: [0, "pipe", "ignore"], encoding: "utf8" });
  if (saved.status === 0 && spawnSync("stty", STTY_RAW, { stdio: [0, "ignore", "ignore"] }).status === 0) {
    const state = saved.stdout.trim();
    return {
      restore: () => {
        spawnSync("stty", [state], { stdio: [0, "ignore", "ignore"] });
      },
    };
  }
  const tty: ReadStream = stdin;
  tty.setRawMode(true);
  return {
    restore: () => {
      tty.setRawMode(false);
    },
  };
}
