/**
 * Keyset pagination, the one way every list pages (runs, usage, audit, sign-in events, agents, teams, their
 * versions, secrets, models, members, a run's steps).
 *
 * A cursor is an opaque base64url string holding a POSITION in the list's order: the time column and the id of the
 * last row of the page (`<milliseconds>:<id>`). The next page is every row strictly after that position, so:
 * - a cursor never depends on its row still existing or still matching the filters (a queued run cancelled
 *   between two pages, an audit row purged): no row is skipped or repeated;
 * - rows with the same timestamp are ordered by id, so equal timestamps never split or repeat across pages;
 * - a cursor from another workspace (or another list) is only a position: it brings none of that list's rows.
 * Timestamps are `timestamp(3)` columns (milliseconds), so the position is exact.
 *
 * Anything that is not a cursor this code wrote is refused with INVALID_CURSOR (HTTP 400) everywhere.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";

export interface CursorPosition {
  at: Date;
  id: string;
}

const positionSchema = z
  .string()
  .regex(/^(\d{1,15}):([A-Za-z0-9_-]{1,700})$/)
  .transform((text) => {
    const [ms, ...rest] = text.split(":");
    return { at: new Date(Number(ms)), id: rest.join(":") };
  })
  .refine((p) => !Number.isNaN(p.at.getTime()));

const INVALID_MESSAGE = "Invalid cursor: pass back the nextCursor of a previous page of this list";

export function invalidCursorError(): AppError {
  return new AppError("INVALID_CURSOR", INVALID_MESSAGE, { issues: [{ path: "cursor", message: INVALID_MESSAGE }] });
}

/** The cursor of a position (the last row of a page). */
export function encodePosition(at: Date, id: string): string {
  return Buffer.from(`${at.getTime()}:${id}`).toString("base64url");
}

/** The cursor of a row ordered on (createdAt, id). */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return encodePosition(row.createdAt, row.id);
}

/** The position a cursor holds; INVALID_CURSOR (400) for anything else. */
export function decodeCursor(cursor: string): CursorPosition {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) throw invalidCursorError();
  const parsed = positionSchema.safeParse(Buffer.from(cursor, "base64url").toString("utf8"));
  // base64url decoding is lenient: a cursor must be exactly what encodePosition writes
  if (!parsed.success || encodePosition(parsed.data.at, parsed.data.id) !== cursor) throw invalidCursorError();
  return parsed.data;
}

export type Order = "asc" | "desc";

type TimeField = "createdAt" | "startedAt";

type After<F extends TimeField> = { OR: (Record<F, { lt: Date } | { gt: Date }> | (Record<F, Date> & { id: { lt: string } | { gt: string } }))[] };

/**
 * The Prisma condition "after the cursor" in the order `keysetOrderBy(field, order)` (empty without a cursor).
 * Decoding happens here, so an invalid cursor is refused before any query runs.
 */
export function keysetWhere<F extends TimeField = "createdAt">(
  cursor: string | null | undefined,
  order: Order = "desc",
  field: F = "createdAt" as F,
): After<F> | Record<string, never> {
  if (!cursor) return {};
  const c = decodeCursor(cursor);
  const op = order === "desc" ? "lt" : "gt";
  return {
    OR: [
      { [field]: { [op]: c.at } } as Record<F, { lt: Date } | { gt: Date }>,
      { [field]: c.at, id: { [op]: c.id } } as Record<F, Date> & { id: { lt: string } | { gt: string } },
    ],
  };
}

/** The order that goes with keysetWhere: the time column, then the id. */
export function keysetOrderBy<F extends TimeField = "createdAt">(order: Order = "desc", field: F = "createdAt" as F): [Record<F, Order>, { id: Order }] {
  return [{ [field]: order } as Record<F, Order>, { id: order }];
}

/**
 * A page from `limit + 1` rows read in the keyset order: the first `limit` rows, and the cursor of the last of them
 * when there are more.
 */
export function keysetPage<T>(rows: T[], limit: number, positionOf: (row: T) => { at: Date; id: string }): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  if (rows.length <= limit || !last) return { items, nextCursor: null };
  const p = positionOf(last);
  return { items, nextCursor: encodePosition(p.at, p.id) };
}

/**
 * A run's steps page on (startedAt, stepId): step rows start within the same millisecond (a nested team's node row
 * is written 1 ms before its first inner step, a 0 ms model's step can start in the millisecond its predecessor
 * did), and the step id breaks such ties in the order a person reads (`s0` before `s1`, `s1` before `s1/s0`), where a
 * row id would break them at random. The step id travels base64url-encoded in the position's id part.
 */
export function stepKeysetWhere(cursor: string | null | undefined): { OR: object[] } | Record<string, never> {
  if (!cursor) return {};
  const c = decodeCursor(cursor);
  const stepId = Buffer.from(c.id, "base64url").toString("utf8");
  if (Buffer.from(stepId).toString("base64url") !== c.id) throw invalidCursorError();
  return { OR: [{ startedAt: { gt: c.at } }, { startedAt: c.at, stepId: { gt: stepId } }] };
}

export const STEP_KEYSET_ORDER: [{ startedAt: "asc" }, { stepId: "asc" }] = [{ startedAt: "asc" }, { stepId: "asc" }];

/** keysetPage for a run's steps (stepKeysetWhere). */
export function pageOfSteps<T extends { startedAt: Date; stepId: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  return keysetPage(rows, limit, (r) => ({ at: r.startedAt, id: Buffer.from(r.stepId).toString("base64url") }));
}

/** keysetPage for rows ordered on (createdAt, id). */
export function pageByCreatedAt<T extends { createdAt: Date; id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  return keysetPage(rows, limit, (r) => ({ at: r.createdAt, id: r.id }));
}
