/**
 * `npm run bench:startup [-- --runs 5] [--via node|npm] [--modes server,embedded-reopen,embedded-first]`:
 * starts Cadre's production server several times per mode and prints the time from spawn to a healthy
 * `/api/health` and the idle resident memory (RSS summed over the whole process tree, 3 s after healthy).
 * - server: PostgreSQL at BENCH_DATABASE_URL (default: a scratch database on the local server, dropped after);
 * - embedded-reopen: an embedded data directory prepared by one start beforehand;
 * - embedded-first: a fresh data directory each time (creates PGlite's files and applies every migration).
 * `--via node` (default) runs `node scripts/start.mjs`, what a container runs; `--via npm` runs `npm start`;
 * `--command "<cmd> <args>"` runs another start command (to measure an older launcher).
 * Needs a production build (`npm run build`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(flag("runs") ?? 5);
const via = (flag("via") ?? "node") as "node" | "npm";
const modes = (flag("modes") ?? "server,embedded-reopen,embedded-first").split(",");
const IDLE_SETTLE_MS = Number(flag("settle-ms") ?? 3000);
const repoRoot = path.resolve(import.meta.dirname, "..", "..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** RSS in kB of a process and all its descendants, read from /proc. */
function treeRssKb(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // gone
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

async function waitHealthy(port: number, child: ChildProcess, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it was healthy`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("not healthy in time");
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }, 30_000);
  await exited;
  clearTimeout(timer);
}

async function startOnce(env: Record<string, string>): Promise<{ healthyMs: number; rssMb: number; output: string }> {
  const port = await freePort();
  const custom = flag("command")?.split(" ").filter(Boolean);
  const command = custom
    ? ([custom[0]!, custom.slice(1)] as const)
    : via === "npm"
      ? (["npm", ["start"]] as const)
      : ([process.execPath, ["scripts/start.mjs"]] as const);
  const t0 = performance.now();
  const child = spawn(command[0], [...command[1]], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port), HOSTNAME: "127.0.0.1", NEXT_TELEMETRY_DISABLED: "1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  try {
    await waitHealthy(port, child);
    const healthyMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    const rssMb = treeRssKb(child.pid!) / 1024;
    return { healthyMs, rssMb, output };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
  } finally {
    await stop(child);
  }
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0)}, min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}`;
}

async function bench(mode: string, envFor: (i: number) => Record<string, string>, prepare?: () => Promise<void>): Promise<void> {
  await prepare?.();
  const healthy: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await startOnce(envFor(i));
    healthy.push(result.healthyMs);
    rss.push(result.rssMb);
    console.log(`  ${mode} #${i + 1}: healthy after ${result.healthyMs.toFixed(0)} ms, idle RSS ${result.rssMb.toFixed(0)} MB`);
  }
  console.log(
    `${mode} (${flag("command") ?? (via === "npm" ? "npm start" : "node scripts/start.mjs")}, ${runs} starts): time to healthy ms ${summary(healthy)}; idle RSS MB ${summary(rss)}`,
  );
}

async function main() {
  const secrets = { AUTH_SECRET: randomBytes(32).toString("base64"), CADRE_MASTER_KEY: randomBytes(32).toString("base64") };
  const scratch = mkdtempSync(path.join(tmpdir(), "cadre-bench-startup-"));
  try {
    for (const mode of modes) {
      if (mode === "server") {
        let url = process.env.BENCH_DATABASE_URL;
        let drop: (() => Promise<void>) | undefined;
        if (!url) {
          const name = `cadre_bench_startup_${process.pid}`;
          const admin = new pg.Client({ connectionString: "postgresql://postgres@127.0.0.1:5432/postgres" });
          await admin.connect();
          await admin.query(`CREATE DATABASE ${name}`);
          await admin.end();
          url = `postgresql://postgres@127.0.0.1:5432/${name}`;
          drop = async () => {
            const c = new pg.Client({ connectionString: "postgresql://postgres@127.0.0.1:5432/postgres" });
            await c.connect();
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            await c.end();
          };
        }
        const env = { ...secrets, DATABASE_URL: url, CADRE_DATA_DIR: path.join(scratch, "server") };
        try {
          // the first start applies the migrations: not counted
          await bench(
            "server",
            () => env,
            async () => void (await startOnce(env)),
          );
        } finally {
          await drop?.();
        }
      } else if (mode === "embedded-reopen") {
        const env = { DATABASE_URL: "", CADRE_DATA_DIR: path.join(scratch, "reopen") };
        await bench(
          "embedded-reopen",
          () => env,
          async () => void (await startOnce(env)),
        );
      } else if (mode === "embedded-first") {
        await bench("embedded-first", (i) => ({ DATABASE_URL: "", CADRE_DATA_DIR: path.join(scratch, `first-${i}`) }));
      } else {
        throw new Error(`unknown mode ${mode}`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
