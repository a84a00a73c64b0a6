// Test support shared by the driver tests: connections closed after each test, and "this call must
// fail with a libvirt error".
import { afterEach, expect } from "vitest";
import { Connect } from "../api/connect.js";
import { VirError } from "../errors/vir-error.js";

/**
 * A connection opener for a test file: every connection it opens is closed after each test.
 * `defaultUri` may be a function (a socket path known only once the file's server is up).
 */
export function connectionsFor(defaultUri: string | (() => string)): (uri?: string, readOnly?: boolean) => Promise<Connect> {
  const open: Connect[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });
  return async (uri, readOnly = false) => {
    const c = await Connect.open(uri ?? (typeof defaultUri === "string" ? defaultUri : defaultUri()), { readOnly });
    open.push(c);
    return c;
  };
}

/** The libvirt error a call rejects with (the test fails on success or on any other error). */
export async function fail(p: Promise<unknown>): Promise<VirError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(VirError);
  return e as VirError;
}
