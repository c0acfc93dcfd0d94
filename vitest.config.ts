import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
const EXCLUDE = ["node_modules/**", "e2e/**", ".next/**"];
const SKIP_DIRS = new Set(["node_modules", ".next", ".git", ".data", "e2e", "test-results", "playwright-report"]);

/**
 * Test files that change module or process state for their own sake (module mocks, fake timers beyond the clock,
 * assignments to process.env, or a comment `@vitest-isolate` saying why) get a fresh module graph each (isolated).
 * Every other file shares one graph per worker: importing the app's modules again for each of ~300 files cost about
 * 2.5 s a file, half the suite's time (docs/benchmarks.md, "Tests"). Decided by reading the files, so a new test that
 * mocks is isolated without a list. What a shared file may change is put back after each test and each file
 * (`unstubEnvs`, `unstubGlobals` below; the real clock, test/setup-env.ts): stubbed env and globals, and a fake clock
 * (`vi.useFakeTimers({ toFake: ["Date"] })`). Fake timers (setTimeout and the rest) stay isolated: a timer that a
 * shared module set while they were installed would never fire once they are gone.
 */
const NEEDS_ISOLATION =
  /@vitest-isolate\b|\bvi\.(mock|doMock|resetModules)\(|\bvi\.useFakeTimers\((?!\{\s*toFake:\s*\["Date"\])|process\.env(\.\w+|\[[^\]]+\])\s*=[^=]|delete process\.env/;

function testFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) testFiles(path.join(dir, entry.name), out);
    } else if (entry.name.endsWith(".test.ts")) {
      out.push(path.relative(root, path.join(dir, entry.name)));
    }
  }
  return out;
}

const isolated = testFiles(root).filter((file) => NEEDS_ISOLATION.test(readFileSync(path.join(root, file), "utf8")));

// what both projects share; the database (test/global-setup.ts) is set up once, by the root
const common = {
  // `@cadre/sdk` (imported by the CLI, packages/cli) is the SDK's source, as tsconfig.json's `paths` says; installed
  // from their packages, the CLI gets the SDK's build instead (test/sdk-smoke.test.ts)
  // `next/navigation` and `next/link` are the tests' own (test/next-navigation.ts, test/next-link.ts): their hooks
  // need a mounted App Router, and a module mock per file would make each such file isolated
  resolve: {
    alias: [
      { find: "@", replacement: root },
      { find: "@cadre/sdk", replacement: path.join(root, "packages/sdk-ts/src/index.ts") },
      { find: /^next\/navigation$/, replacement: path.join(root, "test/next-navigation.ts") },
      { find: /^next\/link$/, replacement: path.join(root, "test/next-link.ts") },
      { find: /^next\/headers$/, replacement: path.join(root, "test/next-headers.ts") },
      { find: /^next-auth\/react$/, replacement: path.join(root, "test/next-auth-react.ts") },
      { find: /^@simplewebauthn\/browser$/, replacement: path.join(root, "test/simplewebauthn-browser.ts") },
    ],
  },
  test: {
    setupFiles: ["./test/setup-env.ts"],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // in CI a failed test runs once more before it fails the run, as the e2e suite does (playwright.config.ts): the
    // suites' process-crash and stream-pacing tests can lose a race on a loaded 2-core machine. A test that fails
    // twice still fails CI, and vitest's report names every retried test
    retry: process.env.CI ? 1 : 0,
    unstubEnvs: true,
    unstubGlobals: true,
    server: { deps: { inline: ["next-auth"] } },
  },
};

export default defineConfig({
  resolve: common.resolve,
  test: {
    globalSetup: ["./test/global-setup.ts"],
    // one database for the whole run (PGlite is a single session): files run one after another
    fileParallelism: false,
    projects: [
      { ...common, test: { ...common.test, name: "shared", include: ["**/*.test.ts"], exclude: [...EXCLUDE, ...isolated], isolate: false } },
      { ...common, test: { ...common.test, name: "isolated", include: isolated.length ? isolated : ["no-such-file"], exclude: EXCLUDE } },
    ],
  },
});
