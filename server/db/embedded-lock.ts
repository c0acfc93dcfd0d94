import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * PGlite is one process's database: two processes opening the same data directory would corrupt it.
 * The launcher and the CLI hold this lock file (the holder's pid) while the embedded database is open.
 */
export const EMBEDDED_LOCK_FILE = "cadre.pid";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid of another live process holding the data directory, if any. */
export function embeddedLockHolder(dataDir: string): number | undefined {
  const file = path.join(dataDir, EMBEDDED_LOCK_FILE);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid)) return undefined;
  return pid;
}

/** Takes the lock or throws naming the holder. Returns the release function. */
export function claimEmbeddedLock(dataDir: string, what: string): () => void {
  const holder = embeddedLockHolder(dataDir);
  if (holder !== undefined) {
    throw new Error(`Cadre's embedded database in ${dataDir} is in use by another process (pid ${holder}): stop it before ${what}`);
  }
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, EMBEDDED_LOCK_FILE);
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    try {
      if (existsSync(file) && readFileSync(file, "utf8").trim() === String(process.pid)) rmSync(file, { force: true });
    } catch {
      // best effort: a stale lock of a dead pid is ignored anyway
    }
  };
}
