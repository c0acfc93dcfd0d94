/**
 * A run's ordered writes, for the in-process executor (write-behind):
 *
 * - `write(sql)` queues a statement (an `sql` value) and returns at once; statements commit in the order they were queued.
 * - Statements queued while a batch is in flight (and those queued in the same turn of the event loop) are sent
 *   together as ONE simple-protocol query, which PostgreSQL (and PGlite) runs as one implicit transaction: one round
 *   trip and one commit for, typically, a step's record and the next step's start. (A model call's usage row is not
 *   one of these writes: the step API sends it at once on its own connection, grouped only with other usage rows of
 *   the run (server/db/grouped-sends.ts), and the gateway waits for its commit before it goes on; a step's record, queued
 *   after that, reads it.)
 * - `flush()` resolves once everything queued so far is committed; the run finishes only after it.
 * - A batch that PostgreSQL refused (an SQL error: it was rolled back as a whole) is sent again one statement at a
 *   time, so that the statements before a bad one land; a lost connection (the outcome is unknown) is not re-sent.
 *   A statement that fails alone fails the writer: it and every later write are refused and `flush()` throws, so
 *   the run stops and is resumed from what was committed.
 * - After each committed batch, open event streams of the run are woken (server/jobs/notify.ts).
 * - Fenced by the lease epoch: given the execution it writes for (`epoch`, the run's `executions` when it was
 *   claimed), every batch names it first (`cadre.run_fence`, prisma/migrations/20261208_100_lease_fence), and the
 *   database skips what the batch writes to the run, its steps and its events once another claim superseded it.
 *   A superseded execution's writes change nothing (no error): its step starts and records come back empty, so it
 *   stops at its next step boundary.
 *
 * What this means for durability: a step's model call may start before the previous step's record has committed
 * (never before the previous call's usage row has). A crash in that window loses at most the records still queued;
 * those steps run again on resume, exactly as a step interrupted by a crash does. Nothing is ever reported (events, run status, a finished run) before it is
 * committed. Work with effects outside Cadre (tools, later) must `flush()` first.
 */
import { executeBatch, type ExecResult } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { notifyRunEvents } from "./notify";
import { mergeAgentStepRecords } from "./run-sql";

type Rows = Record<string, unknown>[];

interface Pending {
  sql: Sql;
  resolve: (rows: Rows) => void;
  reject: (error: unknown) => void;
}

/** A write of the run failed: the run stops and is resumed from its committed state. */
export class RunWriteError extends Error {
  constructor(cause: unknown) {
    super(`A write of the run failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "RunWriteError";
  }
}

const MAX_BATCH = 64;

/** Names the execution (lease epoch) the rest of the transaction writes for: superseded, its run writes are skipped. */
export function runFenceSql(runId: string, epoch: number): Sql {
  return sql`SELECT set_config('cadre.run_fence', ${`${Math.floor(epoch)}:${runId}`}, true)`;
}

/** PostgreSQL reported the error (SQLSTATE): the statement, and its batch, were rolled back. */
const refusedByDatabase = (error: unknown) => typeof (error as { code?: unknown })?.code === "string" && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);

export class RunWriter {
  private pending: Pending[] = [];
  private draining: Promise<void> | null = null;
  private failure: RunWriteError | null = null;

  /** the run's workspace is the scope of every batch (set in the batch's own message: no extra round trip) */
  constructor(private readonly run: { runId: string; workspaceId: string; epoch?: number }) {}

  /**
   * The batch's statements, behind the statement that names the execution they write for (when fenced); adjacent step
   * records go as one statement (./run-sql.ts `mergeAgentStepRecords`), each caller still gets its own rows.
   */
  private async send(statements: Sql[]) {
    const merged = mergeAgentStepRecords<ExecResult>(statements);
    const epoch = this.run.epoch;
    if (epoch === undefined) return merged.spread(await executeBatch(this.run, merged.statements));
    const results = await executeBatch(this.run, [runFenceSql(this.run.runId, epoch), ...merged.statements]);
    return merged.spread(results.slice(1));
  }

  /** The failure that stopped this writer, if any. */
  get failed(): RunWriteError | null {
    return this.failure;
  }

  /** Queues a statement; the promise gives its rows once committed (callers that need nothing may ignore it). */
  write(sql: Sql): Promise<Rows> {
    if (this.failure) {
      const refused = Promise.reject(this.failure);
      refused.catch(() => undefined); // kept by the writer too: ignoring it is fine
      return refused;
    }
    const promise = new Promise<Rows>((resolve, reject) => this.pending.push({ sql, resolve, reject }));
    promise.catch(() => undefined); // the failure is also kept by the writer: ignoring this promise is fine
    // started on the next turn: what the same turn queues (a step's usage row, its record, the next start) goes along
    this.draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
    return promise;
  }

  /** Resolves when everything queued so far is committed; throws the writer's failure. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
    if (this.failure) throw this.failure;
  }

  /** Like flush, but never throws (for paths that stop anyway). */
  async settle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failure) {
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          const results = await this.send(batch.map((p) => p.sql));
          batch.forEach((p, i) => p.resolve(results[i]?.rows ?? []));
        } catch (error) {
          await this.recover(batch, error);
        }
        notifyRunEvents(this.run.runId);
      }
      if (this.failure) for (const p of this.pending.splice(0)) p.reject(this.failure);
    } finally {
      this.draining = null;
    }
  }

  /** A batch failed: statement by statement when it was certainly rolled back, else the writer fails. */
  private async recover(batch: Pending[], error: unknown): Promise<void> {
    if (batch.length === 1 || !refusedByDatabase(error)) {
      this.failure = new RunWriteError(error);
      for (const p of batch) p.reject(this.failure);
      return;
    }
    for (const p of batch) {
      if (this.failure) {
        p.reject(this.failure);
        continue;
      }
      try {
        const [result] = await this.send([p.sql]);
        p.resolve(result?.rows ?? []);
      } catch (single) {
        this.failure = new RunWriteError(single);
        p.reject(this.failure);
      }
    }
  }
}
