#!/usr/bin/env bash
# Scaffolds a workspace package or app with the shared build, test and lint setup.
# usage: tooling/scripts/new-package.sh DIR NAME "description" [dep ...]
set -euo pipefail
dir=$1 name=$2 desc=$3; shift 3
mkdir -p "$dir/src"
deps=""
for d in "$@"; do deps="$deps\"$d\": \"workspace:*\","; done
deps=${deps%,}
cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "type": "module",
  "license": "MIT",
  "exports": {
    ".": { "types": "./dist/index.d.ts", "import": "./dist/index.js" }
  },
  "files": ["dist"],
  "scripts": {
    "build": "tsup",
    "test": "vitest run",
    "lint": "eslint .",
    "typecheck": "tsc --noEmit -p ."
  },
  "dependencies": { $deps },
  "devDependencies": {
    "@virtkit/eslint-config": "workspace:*",
    "@virtkit/tsconfig": "workspace:*"
  }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "@virtkit/tsconfig/base.json",
  "compilerOptions": { "noEmit": true },
  "include": ["src", "*.ts"]
}
JSON
cat > "$dir/tsup.config.ts" <<TS
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  target: "node20",
  sourcemap: true,
  clean: true,
  dts: { compilerOptions: { ignoreDeprecations: "6.0" } },
});
TS
cat > "$dir/vitest.config.ts" <<TS
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    testTimeout: 60_000,
    passWithNoTests: true,
  },
});
TS
cat > "$dir/eslint.config.js" <<JS
import { config } from "@virtkit/eslint-config";

export default config(import.meta.dirname);
JS
