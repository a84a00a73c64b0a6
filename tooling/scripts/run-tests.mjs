#!/usr/bin/env node
// Runs every workspace's vitest suite through turbo, then totals the per-package JSON reports
// into the one summary line CI reads: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const groups = ["packages", "apps", "tooling"];
const reports = [];
for (const g of groups) {
  const dir = join(root, g);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) reports.push(join(dir, name, "test-results.json"));
}
for (const r of reports) rmSync(r, { force: true });

const turbo = spawnSync("pnpm", ["exec", "turbo", "run", "test", "--continue", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const broken = [];
const failures = [];
for (const r of reports) {
  if (!existsSync(r)) continue;
  try {
    const j = JSON.parse(readFileSync(r, "utf8"));
    passed += j.numPassedTests ?? 0;
    failed += j.numFailedTests ?? 0;
    skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
    // A suite that failed to load counts as a failure even when it declared no tests.
    for (const s of j.testResults ?? []) {
      for (const t of s.assertionResults ?? []) {
        if (t.status === "failed") failures.push({ file: s.name, title: t.fullName ?? t.title, message: (t.failureMessages ?? [])[0] ?? "" });
      }
      if (s.status === "failed" && (s.assertionResults ?? []).length === 0) {
        failed += 1;
        broken.push(s.name);
      }
    }
  } catch (e) {
    failed += 1;
    broken.push(`${r}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
// Repeated here, after turbo's interleaved output, so the end of a CI log names what failed.
for (const f of failures) {
  const firstLines = f.message.split("\n").slice(0, 6).join("\n    ");
  console.log(`FAILED ${f.file.replace(root + "/", "")} > ${f.title}\n    ${firstLines}`);
}
if (broken.length > 0) console.log(`suites that failed to load: ${broken.join(", ")}`);
if (skipped > 0) console.log(`${skipped} skipped (each skip prints its reason above)`);
const status = turbo.status ?? 1;
if (status !== 0 && failed === 0) {
  // turbo failed outside any test (a build or a crashed runner): never report green.
  failed += 1;
  console.log("the test pipeline failed outside the test reports (see turbo output above)");
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
