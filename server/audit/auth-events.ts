import type { Prisma } from "@/server/db/generated/client";
import { db, NO_TENANT } from "@/server/db/client";
import { newId } from "@/lib/ids";
import { logger } from "@/server/logger";
import type { AuthEventAction, listAuthEventsInputSchema } from "@/lib/schemas/audit";
import { afterCursor, encodeCursor } from "./cursor";
import type { z } from "zod";

/**
 * Authentication events live in their own table (AuthEvent), not in a workspace's audit log: a sign-in belongs to
 * a person, not to one workspace. The person sees their own in their account page; operators read them with
 * `npm run cadre -- audit auth-events`. They are purged with the audit log after CADRE_AUDIT_RETENTION_DAYS.
 */
export interface AuthEventInput {
  action: AuthEventAction;
  userId?: string | null;
  email?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  /** context only (provider, reason, count): never a password, token, key or secret; such keys are dropped */
  metadata?: Record<string, unknown>;
}

const SECRET_NAME = /pass(word)?|token|secret|key|authorization|cookie|credential/i;

/** Drops every key whose name says it may hold a secret, at any depth. */
export function scrubMetadata(value: unknown, depth = 0): unknown {
  if (depth > 5) return "[truncated]";
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => scrubMetadata(v, depth + 1));
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !SECRET_NAME.test(k))
        .map(([k, v]) => [k, scrubMetadata(v, depth + 1)]),
    );
  }
  return typeof value === "string" ? value.slice(0, 500) : value;
}

const bounded = (value: string | null | undefined, max: number) => (value ? value.slice(0, max) : null);

/**
 * Records one authentication event. Best effort: a failure to write is logged, never turned into a failed
 * sign-in (the event is also in the structured log).
 */
export async function recordAuthEvent(input: AuthEventInput): Promise<void> {
  const data = {
    id: newId("aev"),
    action: input.action,
    userId: input.userId ?? null,
    email: bounded(input.email?.trim().toLowerCase(), 320),
    clientIp: bounded(input.ip, 64),
    userAgent: bounded(input.userAgent, 512),
    requestId: bounded(input.requestId, 128),
    metadata: scrubMetadata(input.metadata ?? {}) as Prisma.InputJsonValue,
  };
  try {
    await db(NO_TENANT).authEvent.create({ data });
  } catch (error) {
    logger.error(
      { action: data.action, userId: data.userId, requestId: data.requestId, err: { message: (error as Error).message } },
      "could not record an auth event",
    );
  }
}

const EVENT_SELECT = { id: true, action: true, email: true, clientIp: true, userAgent: true, metadata: true, createdAt: true } as const;

/** A signed-in person's own authentication events, newest first. */
export async function listMyAuthEvents(userId: string, input: z.infer<typeof listAuthEventsInputSchema>) {
  return authEventPage({ userId }, input.limit, input.cursor);
}

/** For operators (CLI): the events of an account, by user id or by email (failed attempts have only the email). */
export async function listAuthEvents(filter: { userId?: string; email?: string }, limit = 100, cursor?: string) {
  const or: Prisma.AuthEventWhereInput[] = [];
  if (filter.userId) or.push({ userId: filter.userId });
  if (filter.email) or.push({ email: filter.email.trim().toLowerCase() });
  return authEventPage(or.length ? { OR: or } : {}, limit, cursor);
}

async function authEventPage(where: Prisma.AuthEventWhereInput, limit: number, cursor?: string) {
  const rows = await db(NO_TENANT).authEvent.findMany({
    where: { AND: [where, afterCursor(cursor)] },
    select: EVENT_SELECT,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  // the action as the database's CHECK constraint holds it (migration 20261206_100_closed_sets)
  const items = rows.slice(0, limit).map((r) => ({ ...r, action: r.action as AuthEventAction, metadata: r.metadata as Record<string, unknown> }));
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
}
