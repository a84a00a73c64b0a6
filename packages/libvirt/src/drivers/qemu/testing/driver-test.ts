// Shared pieces of the qemu driver's tests with the demo guest: the test emulator for the whole
// file, the console as a growing text, and "this call must fail" for libvirt's errors.
import { afterAll, beforeAll } from "vitest";
import type { Connect } from "../../../api/connect.js";
import type { Domain } from "../../../api/domain.js";
import type { Stream } from "../../../api/stream.js";
import type { VirError } from "../../../errors/vir-error.js";
import { TEST_EMULATOR } from "./harness.js";

/** Points the driver at TEST_EMULATOR while the current describe block runs (restored after). */
export function useTestEmulator(): void {
  const saved = process.env.VIRTKIT_QEMU_EMULATOR;
  beforeAll(() => {
    process.env.VIRTKIT_QEMU_EMULATOR = TEST_EMULATOR;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.VIRTKIT_QEMU_EMULATOR;
    else process.env.VIRTKIT_QEMU_EMULATOR = saved;
  });
}

export interface ConsoleSession {
  stream: Stream;
  /** Everything the guest printed so far (carriage returns dropped). */
  text: () => string;
  type: (s: string) => Promise<void>;
}

/** virDomainOpenConsole into a stream read as text, for "wait until the guest printed X". */
export async function consoleSession(conn: Connect, dom: Domain): Promise<ConsoleSession> {
  const stream = conn.newStream();
  await dom.openConsole(null, stream);
  let text = "";
  stream.setHandler({
    data: (d) => (text += Buffer.from(d).toString("latin1").replace(/\r/g, "")),
    hole: () => undefined,
    eof: () => undefined,
    error: () => undefined,
  });
  return {
    stream,
    text: () => text,
    type: async (s) => {
      await stream.send(new TextEncoder().encode(s));
    },
  };
}

/** The error a call rejects with (the test fails if it succeeds). */
export async function failure(p: Promise<unknown>): Promise<VirError> {
  try {
    await p;
  } catch (e) {
    return e as VirError;
  }
  throw new Error("expected a failure");
}
