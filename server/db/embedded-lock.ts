import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import path from "node:path";

/**
 * PGlite is one process's database: two processes opening the same data directory would corrupt it.
 * The launcher and the CLI hold this lock while the embedded database is open. It has two parts:
 * - on Linux, a listening Unix socket in the abstract namespace named after the data directory: the kernel frees
 *   it the moment its holder dies (also when it is killed with SIGKILL and not yet reaped, a zombie), and binding
 *   it is atomic, so two starters can never both win;
 * - the file CADRE_DATA_DIR/cadre.pid with the holder's pid and start time (from /proc), which names the holder in
 *   the refusal and is what other platforms rely on. A pid whose process is gone, is a zombie, or now belongs to a
 *   different process (pid reuse: the start time differs) is stale and ignored.
 * Limits: the abstract socket is per network namespace and pids per pid namespace: two containers must never
 * share one data directory (docs/operations.md).
 */
export const EMBEDDED_LOCK_FILE = "cadre.pid";
const DYING_HOLDER_WAIT_MS = 5_000;

interface ProcStat {
  state: string;
  startTime: string;
}

/** /proc/<pid>/stat's state (R, S, D, Z, X, ...) and start time (clock ticks after boot), where /proc exists. */
function procStat(pid: number): ProcStat | null | undefined {
  if (process.platform !== "linux") return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return existsSync("/proc/self/stat") ? null : undefined; // null: no such process
  }
  // "pid (comm) state ppid ..." where comm may hold spaces and parentheses: split after the last ")"
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", startTime: fields[19] ?? "" };
}

/** The start time recorded with this process's pid (empty where /proc is not available). */
function ownStartTime(): string {
  const stat = procStat(process.pid);
  return stat ? stat.startTime : "";
}

function alive(pid: number, startTime: string | undefined): boolean {
  const stat = procStat(pid);
  if (stat === null) return false;
  if (stat) {
    if (stat.state === "Z" || stat.state === "X" || stat.state === "x") return false; // dead, not yet reaped
    if (startTime && stat.startTime !== startTime) return false; // the pid now belongs to another process
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLockFile(dataDir: string): { pid: number; startTime?: string } | undefined {
  const file = path.join(dataDir, EMBEDDED_LOCK_FILE);
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const [pidText, startTime] = text.trim().split(/\s+/);
  const pid = Number.parseInt(pidText ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, startTime: startTime || undefined };
}

/** The pid of another live process holding the data directory, if any (from the lock file). */
export function embeddedLockHolder(dataDir: string): number | undefined {
  const lock = readLockFile(dataDir);
  if (!lock || lock.pid === process.pid || !alive(lock.pid, lock.startTime)) return undefined;
  return lock.pid;
}

/** The abstract socket's name for a data directory (Linux only). */
export function embeddedLockSocketName(dataDir: string): string {
  let resolved = path.resolve(dataDir);
  try {
    resolved = realpathSync(resolved);
  } catch {
    // not created yet: the resolved path is what the holder used too
  }
  return `\0cadre-embedded-${createHash("sha256").update(resolved).digest("hex").slice(0, 32)}`;
}

function bindSocket(name: string): Promise<Server | "in-use"> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve("in-use") : reject(error)));
    server.listen(name, () => {
      server.unref(); // the lock never keeps the process alive
      resolve(server);
    });
  });
}

function inUse(dataDir: string, pid: number | undefined, what: string): Error {
  const holder = pid === undefined ? "another process" : `another process (pid ${pid})`;
  return new Error(`Cadre's embedded database in ${dataDir} is in use by ${holder}: stop it before ${what}`);
}

/** Takes the lock or throws naming the holder. Resolves with the release function. */
export async function claimEmbeddedLock(dataDir: string, what: string): Promise<() => void> {
  mkdirSync(dataDir, { recursive: true });
  let socket: Server | undefined;
  if (process.platform === "linux") {
    const name = embeddedLockSocketName(dataDir);
    let bound = await bindSocket(name);
    // a holder killed a moment ago: its main thread is a zombie, but its other threads may still be closing its
    // files (the socket among them) for a few milliseconds
    const deadline = Date.now() + DYING_HOLDER_WAIT_MS;
    const dying = () => {
      const lock = readLockFile(dataDir);
      return lock !== undefined && lock.pid !== process.pid && !alive(lock.pid, lock.startTime);
    };
    while (bound === "in-use" && dying() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      bound = await bindSocket(name);
    }
    if (bound === "in-use") throw inUse(dataDir, readLockFile(dataDir)?.pid, what);
    socket = bound;
  }
  // a holder that does not use the socket (an older Cadre, another platform)
  const holder = embeddedLockHolder(dataDir);
  if (holder !== undefined) {
    socket?.close();
    throw inUse(dataDir, holder, what);
  }
  const file = path.join(dataDir, EMBEDDED_LOCK_FILE);
  const startTime = ownStartTime();
  writeFileSync(file, `${process.pid}${startTime ? ` ${startTime}` : ""}\n`, { mode: 0o600 });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      if (readLockFile(dataDir)?.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // best effort: a stale lock of a dead pid is ignored anyway
    }
    socket?.close();
  };
}
