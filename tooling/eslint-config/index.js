// Shared flat config: strict, type-checked typescript-eslint over each package's own tsconfig.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** @param {string} root the package directory (import.meta.dirname of its eslint.config.js) */
export function config(root) {
  return defineConfig(
    { ignores: ["dist/**", "node_modules/**", "coverage/**", "guests/**/*.bin"] },
    js.configs.recommended,
    tseslint.configs.strictTypeChecked,
    tseslint.configs.stylisticTypeChecked,
    {
      languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir: root },
      },
      rules: {
        // Emulator code is bit arithmetic on numbers by design.
        "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
        "@typescript-eslint/no-non-null-assertion": "off",
        "@typescript-eslint/prefer-literal-enum-member": "off",
        "@typescript-eslint/no-unnecessary-condition": ["error", { allowConstantLoopConditions: true }],
        "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        "@typescript-eslint/no-extraneous-class": "off",
        "@typescript-eslint/prefer-for-of": "off",
        "no-constant-condition": ["error", { checkLoops: false }],
        // Opcode and handler tables are arrow shorthands that call void functions.
        "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      },
    },
    {
      files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
      extends: [tseslint.configs.disableTypeChecked],
    },
  );
}
