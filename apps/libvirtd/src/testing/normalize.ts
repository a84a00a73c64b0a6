// What may differ between two daemons running the same sequence: generated UUIDs and times
// derived from the clock. Everything else must be equal.

/** UUIDs the test configuration fixes stay; generated ones become <UUID>. */
const FIXED_UUIDS = new Set(["6695eb01-f6a4-8304-79aa-97f2502e193f", "dd8fe884-6c02-601e-7551-cca97df1c5df", "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"]);

export function normalize(s: string, fixedUUIDs: readonly string[] = []): string {
  return s
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => (FIXED_UUIDS.has(u) || fixedUUIDs.includes(u) ? u : "<UUID>"))
    .replace(/(CPU time:\s+)\d+(\.\d+)?s/g, "$1<TIME>s")
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}/g, "<DATE>")
    .replace(/<creationTime>\d+<\/creationTime>/g, "<creationTime>T</creationTime>");
}
