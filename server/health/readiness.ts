/**
 * Readiness (`GET /api/ready`): may a load balancer send this process traffic? Answers within the timeout,
 * never hangs on a database that does not answer.
 * - database: a new connection and one query (the applied migrations, as the tables' owner) under
 *   CADRE_READY_TIMEOUT_MS;
 * - migrations: every migration this build has (prisma/migrations) is applied; a database that has more (a newer
 *   release migrated it, this one is being rolled back) is reported but stays ready;
 * - executor: running, off by configuration, or on Inngest; not while it stops;
 * - draining: after SIGTERM the process reports not ready while it drains.
 */
import { migrationStatus } from "@/server/db/migrate";
import { appVersion, env } from "@/server/env";
import { lifecycle } from "@/server/lifecycle";

export interface ReadinessReport {
  status: "ready" | "not-ready";
  version: string;
  draining: boolean;
  checks: {
    database: { ok: boolean; ms: number; error?: string };
    migrations: { ok: boolean; pending: string[]; unknown: string[] };
    executor: { ok: boolean; state: string };
  };
}

class Timeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms))),
  ]);
}

export async function readiness(options: { timeoutMs?: number; migrationsDir?: string } = {}): Promise<ReadinessReport> {
  const timeoutMs = options.timeoutMs ?? env().CADRE_READY_TIMEOUT_MS;
  const life = lifecycle();
  const t0 = performance.now();
  const database: ReadinessReport["checks"]["database"] = { ok: true, ms: 0 };
  const migrations: ReadinessReport["checks"]["migrations"] = { ok: false, pending: [], unknown: [] };
  try {
    const url = env().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    // its own short connection (not the pool): it proves a new connection can be made, and it reads the migrations
    // table as the tables' owner (the app's roles may not read it; it holds no tenant data)
    const status = await withTimeout(migrationStatus(url, options.migrationsDir, timeoutMs), timeoutMs);
    migrations.pending = status.pending;
    migrations.unknown = status.unknown;
    migrations.ok = migrations.pending.length === 0;
  } catch (error) {
    database.ok = false;
    // the cause stays in the server's log; the probe gets a category
    database.error = error instanceof Timeout ? error.message : "the database could not be queried";
  }
  database.ms = Math.round(performance.now() - t0);
  const executorOk = life.executor === "running" || life.executor === "off" || life.executor === "inngest" || life.executor === "not-started";
  const executor = { ok: executorOk && !life.draining, state: life.draining && life.executor === "running" ? "stopping" : life.executor };
  const ready = database.ok && migrations.ok && executor.ok && !life.draining;
  return { status: ready ? "ready" : "not-ready", version: appVersion(), draining: life.draining, checks: { database, migrations, executor } };
}
