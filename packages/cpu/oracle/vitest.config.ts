import { defineConfig } from "vitest/config";

// The oracle suite on its own (`pnpm exec vitest run --config oracle/vitest.config.ts` from
// packages/cpu). The package's vitest.config.ts should also include "oracle/**/*.test.ts".
export default defineConfig({
  test: {
    root: import.meta.dirname + "/..",
    include: ["oracle/**/*.test.ts"],
    testTimeout: 600_000,
  },
});
