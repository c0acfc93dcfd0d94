#!/usr/bin/env node
/**
 * `npm start` (and what a container runs: `node scripts/start.mjs`). Plain JavaScript, no TypeScript loader:
 * 1. compares the build stamp (dist/build.json) with the checkout: no build, a build of another commit or of other
 *    migrations is rebuilt with `npm run build`'s steps (CADRE_BUILD=auto, the default) or refused with what to do
 *    (CADRE_BUILD=never, for containers and release pipelines: the image carries its build);
 * 2. runs the compiled launcher (dist/start.js, from scripts/start.ts) in this same process: it starts the embedded
 *    database (in a worker thread) or uses DATABASE_URL, migrates (unless CADRE_MIGRATE=off), then serves Next
 *    in-process and owns the shutdown (docs/operations.md).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildMismatch } from "./build-info.mjs";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);
process.env.NODE_ENV = "production";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

const mismatch = buildMismatch(root);
if (mismatch) {
  const policy = (process.env.CADRE_BUILD ?? "auto").trim().toLowerCase();
  if (policy === "never") {
    console.error(`[cadre] refusing to start: ${mismatch}. Run \`npm run build\` (or rebuild the image), then start again.`);
    process.exit(1);
  }
  if (policy !== "auto") {
    console.error(`[cadre] CADRE_BUILD must be auto or never, not "${policy}"`);
    process.exit(1);
  }
  console.log(`[cadre] ${mismatch}: building (about a minute)`);
  const steps = [["scripts/prisma-generate.mjs"], [path.join("node_modules", "next", "dist", "bin", "next"), "build"], ["scripts/build-launcher.mjs"]];
  for (const args of steps) {
    const run = spawnSync(process.execPath, args, { stdio: "inherit", env: process.env });
    if (run.status !== 0) {
      console.error(`[cadre] start-up failed: the build failed (node ${args.join(" ")})`);
      process.exit(1);
    }
  }
}

await import(pathToFileURL(path.join(root, "dist", "start.js")).href);
