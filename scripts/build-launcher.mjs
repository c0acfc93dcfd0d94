/**
 * The last step of `npm run build`: compiles the launcher (scripts/start.ts, the embedded database's worker, and
 * scripts/migrate.ts for release pipelines: `node dist/migrate.js`)
 * to plain JavaScript in dist/ with esbuild (packages stay in node_modules), so that production runs no
 * TypeScript loader, then writes the build stamp dist/build.json (commit, migrations hash, Next's build id) that
 * scripts/start.mjs compares with the checkout.
 */
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { currentCommit, migrationNames, migrationsHash, STAMP_FILE } from "./build-info.mjs";

const root = path.resolve(import.meta.dirname, "..");
await build({
  absWorkingDir: root,
  entryPoints: { start: "scripts/start.ts", "embedded-db-worker": "scripts/embedded-db-worker.ts", migrate: "scripts/migrate.ts" },
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  tsconfig: "tsconfig.json",
  sourcemap: "linked",
  logLevel: "warning",
  // CommonJS packages imported from ESM still find `require` where they need it
  banner: { js: "import { createRequire as __cadreCreateRequire } from 'node:module'; const require = __cadreCreateRequire(import.meta.url);" },
});

const stamp = {
  commit: currentCommit(root),
  migrations: migrationsHash(root),
  migrationCount: migrationNames(root).length,
  nextBuildId: readFileSync(path.join(root, ".next", "BUILD_ID"), "utf8").trim(),
  builtAt: new Date().toISOString(),
};
writeFileSync(path.join(root, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
console.log(`[cadre] launcher compiled to dist/; build stamp: commit ${stamp.commit.slice(0, 12)}, migrations ${stamp.migrations}`);
