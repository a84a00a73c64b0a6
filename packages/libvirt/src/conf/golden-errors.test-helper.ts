// Shared by the *.test.ts files: replay an errors.golden.json captured from a real libvirtd.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { ConfError } from "./conf-error.js";

export interface GoldenError {
  ok?: boolean;
  code?: number;
  domain?: number;
  message?: string;
}

/** One test per file of `dir`'s errors.golden.json; `run` parses the file as the daemon would. */
export function goldenErrorTests(dir: URL, run: (xml: string, file: string) => unknown): void {
  const golden = JSON.parse(readFileSync(new URL("errors.golden.json", dir), "utf8")) as Record<string, GoldenError>;
  for (const [file, g] of Object.entries(golden)) {
    const xml = readFileSync(new URL(file, dir), "utf8");
    if (g.ok) {
      it(`${file}: accepted`, () => {
        expect(() => run(xml, file)).not.toThrow();
      });
      continue;
    }
    it(`${file}: ${g.message!.split("\n")[0]!}`, () => {
      let err: unknown = null;
      try {
        run(xml, file);
      } catch (e) {
        err = e;
      }
      expect(err, "expected an error").toBeInstanceOf(ConfError);
      const e = err as ConfError;
      expect({ code: e.code, domain: e.domain, message: e.message }).toEqual({ code: g.code, domain: g.domain, message: g.message });
    });
  }
}

export function goldenInputs(dir: URL, files: string[]): string[] {
  return files
    .filter((f) => f.endsWith(".in.xml"))
    .map((f) => f.slice(0, -".in.xml".length))
    .sort();
}
