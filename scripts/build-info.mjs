/**
 * What a build is of: the commit (CADRE_COMMIT, else `git rev-parse HEAD`, else "unknown") and a hash of the
 * migrations (names and contents of prisma/migrations/*\/migration.sql). Plain JavaScript: used by next.config.ts
 * (the commit is compiled into the app), by scripts/build-launcher.mjs (which writes the stamp) and by
 * scripts/start.mjs (which compares the stamp with the checkout before it serves).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const STAMP_FILE = path.join("dist", "build.json");

/** The checkout's commit, or "unknown" where there is no git (a container built without .git: pass CADRE_COMMIT). */
export function currentCommit(root = process.cwd()) {
  const given = process.env.CADRE_COMMIT?.trim();
  if (given) return given;
  if (!existsSync(path.join(root, ".git"))) return "unknown";
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || "unknown";
  } catch {
    return "unknown";
  }
}

/** The migrations the checkout holds, in the order they apply. */
export function migrationNames(root = process.cwd()) {
  const dir = path.join(root, "prisma", "migrations");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

export function migrationsHash(root = process.cwd()) {
  const hash = createHash("sha256");
  for (const name of migrationNames(root)) {
    hash
      .update(name)
      .update("\0")
      .update(readFileSync(path.join(root, "prisma", "migrations", name, "migration.sql")))
      .update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** The stamp of the last build, or undefined when there is none (or it is unreadable). */
export function readStamp(root = process.cwd()) {
  try {
    return JSON.parse(readFileSync(path.join(root, STAMP_FILE), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Why the build cannot serve this checkout, or undefined when it can: no build, a build of another commit, or of
 * other migrations. A commit of "unknown" on either side is not compared (no git); the migrations always are.
 */
export function buildMismatch(root = process.cwd()) {
  const stamp = readStamp(root);
  if (!stamp || !existsSync(path.join(root, ".next", "BUILD_ID")) || !existsSync(path.join(root, "dist", "start.js"))) {
    return "there is no production build yet";
  }
  const commit = currentCommit(root);
  if (stamp.commit !== "unknown" && commit !== "unknown" && stamp.commit !== commit) {
    return `the build is of commit ${stamp.commit.slice(0, 12)}, the checkout is at ${commit.slice(0, 12)}`;
  }
  const migrations = migrationsHash(root);
  if (stamp.migrations !== migrations) return `the build was made with other migrations (${stamp.migrations}, the checkout has ${migrations})`;
  return undefined;
}
