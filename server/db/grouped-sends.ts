/**
 * Group commit for independent writes of one scope that must each commit before their caller goes on (a run's
 * model calls' usage rows, server/jobs/step.ts `send`; a workspace's calls in flight, server/ledger/calls-in-flight.ts):
 *
 * - A statement sent while nothing is in flight goes at once, alone, on its own connection (for a run: never behind
 *   its ordered writes, server/jobs/run-writer.ts).
 * - Statements sent while a batch is in flight wait for it and then go together, as ONE message (one transaction).
 *   Under a parallel fan-out (8 branches whose model calls answer within a few milliseconds) that is two round trips
 *   instead of eight, and the usage rows that settle the same budget lease (server/ledger/reservations.ts) no longer
 *   queue on its row lock one transaction after another.
 * - Each statement's promise settles with its own outcome. A batch the database refused (an SQL error: rolled back
 *   as a whole) is sent again statement by statement, so that only the bad one fails; a lost connection (the
 *   outcome is unknown) fails every statement of the batch, as it would have failed each one alone.
 * - Unlike the run's writer, a failure does not stop later sends: each caller decides what its failure means.
 */
import { executeBatch } from "./execute";
import type { ScopeLike } from "./scope";
import type { Sql } from "./sql";

interface Pending {
  sql: Sql;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 64;

/** PostgreSQL reported the error (SQLSTATE): the statement, and its batch, were rolled back. */
const refusedByDatabase = (error: unknown) => typeof (error as { code?: unknown })?.code === "string" && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);

/** A statement that relaxes its own transaction's commit (server/ledger/record.ts `durable: false`) goes alone: in a
 *  group it would relax the others' commits too. */
const relaxesCommit = (statement: Sql) => statement.text.includes("synchronous_commit");

export class GroupedSends {
  private pending: Pending[] = [];
  private inFlight = false;

  /**
   * `merge`: turns a batch's statements into fewer that write the same (e.g. several usage rows into one INSERT,
   * server/ledger/record.ts `mergeUsageRows`); a refused batch is re-sent statement by statement, unmerged.
   */
  constructor(
    private readonly scope: ScopeLike,
    private readonly options: { merge?: (statements: readonly Sql[]) => Sql[] } = {},
  ) {}

  /** Resolves once the statement has committed; rejects with the database's (or the connection's) error. */
  send(statement: Sql): Promise<void> {
    const promise = new Promise<void>((resolve, reject) => this.pending.push({ sql: statement, resolve, reject }));
    if (!this.inFlight) void this.drain();
    return promise;
  }

  private nextBatch(): Pending[] {
    const first = this.pending[0]!;
    if (relaxesCommit(first.sql)) return this.pending.splice(0, 1);
    let n = 1;
    while (n < this.pending.length && n < MAX_BATCH && !relaxesCommit(this.pending[n]!.sql)) n++;
    return this.pending.splice(0, n);
  }

  private async drain(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.nextBatch();
        try {
          const statements = batch.map((p) => p.sql);
          await executeBatch(this.scope, batch.length > 1 && this.options.merge ? this.options.merge(statements) : statements);
          for (const p of batch) p.resolve();
        } catch (error) {
          if (batch.length === 1 || !refusedByDatabase(error)) {
            for (const p of batch) p.reject(error);
            continue;
          }
          for (const p of batch) {
            try {
              await executeBatch(this.scope, [p.sql]);
              p.resolve();
            } catch (single) {
              p.reject(single);
            }
          }
        }
      }
    } finally {
      this.inFlight = false;
    }
  }
}
