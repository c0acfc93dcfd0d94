/**
 * Sessions (issue 14, the kernel's session API): create a conversation with an agent or a team, send it messages
 * (each an ordinary run of the target, with the session's earlier turns as working memory and the session's and
 * subject's memories recalled by the agents' policies), read its history, delete it. One message at a time: the
 * run's own statement takes the session (server/runs/service.ts, `options.session`), and a message sent while the
 * previous one is being answered is refused with 409 CONFLICT. The run's end appends the answer (the trigger
 * Run_session_ended, in the same transaction as the end).
 */
import type { z } from "zod";
import { loadPiiPolicy } from "@/server/quality/pii-policy/service";
import { redactString } from "@/server/quality/pii/redact";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { Page } from "@/lib/schemas/common";
import { TERMINAL_RUN_STATUSES, type RunStatus } from "@/lib/schemas/runs";
import {
  createSessionInputSchema,
  listSessionsInputSchema,
  sendMessageInputSchema,
  sessionMessagesInputSchema,
  type CreateSessionInput,
  type SentMessageOutput,
  type SessionMessageOutput,
  type SessionOutput,
} from "@/lib/schemas/sessions";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import type { Prisma } from "@/server/db/generated/client";
import { getAgent, withCurrent } from "@/server/agents/service";
import { withCurrent as withCurrentTeam } from "@/server/teams/rows";
import { getTeam } from "@/server/teams/service";
import { startRun } from "@/server/runs/service";
import { waitForRunEnd } from "@/server/runs/wait";

type SessionRow = Prisma.SessionGetPayload<object>;
type MessageRow = Prisma.SessionMessageGetPayload<object>;

function need(ctx: TenantContext, permission: "runs:read" | "runs:create" | "memory:delete"): void {
  if (!ctx.permissions.has(permission)) throw new AppError("FORBIDDEN", `Your role does not allow ${permission}`);
}

async function targetsOf(ctx: TenantContext, rows: SessionRow[]) {
  const agentIds = [...new Set(rows.flatMap((r) => (r.agentId ? [r.agentId] : [])))];
  const teamIds = [...new Set(rows.flatMap((r) => (r.teamId ? [r.teamId] : [])))];
  const [agents, teams] = await Promise.all([
    agentIds.length
      ? db(ctx).agent.findMany({
          where: { workspaceId: ctx.workspaceId, id: { in: agentIds } },
          include: withCurrent,
        })
      : [],
    teamIds.length
      ? db(ctx).team.findMany({
          where: { workspaceId: ctx.workspaceId, id: { in: teamIds } },
          include: withCurrentTeam,
        })
      : [],
  ]);
  return {
    agents: new Map(agents.map((a) => [a.id, { id: a.id, slug: a.slug, name: a.versions[0]?.name ?? a.slug }])),
    teams: new Map(teams.map((t) => [t.id, { id: t.id, slug: t.slug, name: t.versions[0]?.name ?? t.slug }])),
  };
}

function toSession(row: SessionRow, names: Awaited<ReturnType<typeof targetsOf>>): SessionOutput {
  const gone = (id: string) => ({ id, slug: id, name: "(deleted)" });
  return {
    id: row.id,
    targetType: row.targetType as SessionOutput["targetType"],
    agent: row.agentId ? (names.agents.get(row.agentId) ?? gone(row.agentId)) : null,
    team: row.teamId ? (names.teams.get(row.teamId) ?? gone(row.teamId)) : null,
    subject: row.subject,
    title: row.title,
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    busyRunId: row.busyRunId,
    messageCount: row.messageCount,
    createdByType: row.createdByType as SessionOutput["createdByType"],
    createdById: row.createdById,
    lastMessageAt: row.lastMessageAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toMessage(row: MessageRow): SessionMessageOutput {
  return {
    id: row.id,
    seq: row.seq,
    role: row.role as SessionMessageOutput["role"],
    content: row.content,
    runId: row.runId,
    status: row.status as SessionMessageOutput["status"],
    createdAt: row.createdAt,
  };
}

async function findSession(ctx: TenantContext, id: string): Promise<SessionRow> {
  const row = await db(ctx).session.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Session "${id}" not found`);
  return row;
}

export async function createSession(ctx: TenantContext, input: CreateSessionInput): Promise<SessionOutput> {
  need(ctx, "runs:create");
  const data = createSessionInputSchema.parse(input);
  // the target must exist and not be archived now (each message's run checks it again)
  const target = data.agent ? await getAgent(ctx, data.agent) : await getTeam(ctx, data.team!);
  if (target.archivedAt) throw new AppError("CONFLICT", `${data.agent ? "Agent" : "Team"} "${target.slug}" is archived`);
  const id = newId("ses");
  await db(ctx).session.create({
    data: {
      id,
      workspaceId: ctx.workspaceId,
      targetType: data.agent ? "agent" : "team",
      agentId: data.agent ? target.id : null,
      teamId: data.team ? target.id : null,
      subject: data.subject ?? null,
      title: data.title,
      metadata: data.metadata as Prisma.InputJsonObject,
      createdByType: ctx.actor.type,
      createdById: ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId,
    },
  });
  await recordAudit(ctx, {
    action: "session.create",
    targetType: "session",
    targetId: id,
    metadata: { agent: data.agent ? target.slug : null, team: data.team ? target.slug : null, subject: data.subject ?? null },
  });
  return getSession(ctx, id);
}

export async function getSession(ctx: TenantContext, id: string): Promise<SessionOutput> {
  need(ctx, "runs:read");
  const row = await findSession(ctx, id);
  return toSession(row, await targetsOf(ctx, [row]));
}

export async function listSessions(ctx: TenantContext, input: z.input<typeof listSessionsInputSchema> = {}): Promise<Page<SessionOutput>> {
  need(ctx, "runs:read");
  const { subject, limit, cursor } = listSessionsInputSchema.parse(input);
  const rows = await db(ctx).session.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId, ...(subject ? { subject } : {}) }, keysetWhere(cursor)] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  const names = await targetsOf(ctx, page.items);
  return { items: page.items.map((r) => toSession(r, names)), nextCursor: page.nextCursor };
}

/** The session's turns in order (oldest first), paged by seq. */
export async function listSessionMessages(ctx: TenantContext, input: z.input<typeof sessionMessagesInputSchema>): Promise<Page<SessionMessageOutput>> {
  need(ctx, "runs:read");
  const { sessionId, limit, cursor } = sessionMessagesInputSchema.parse(input);
  await findSession(ctx, sessionId);
  const after = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isInteger(after) || after < 0) throw new AppError("INVALID_CURSOR", "The cursor is not one this list gave");
  const rows = await db(ctx).sessionMessage.findMany({
    where: { workspaceId: ctx.workspaceId, sessionId, seq: { gt: after } },
    orderBy: { seq: "asc" },
    take: limit + 1,
  });
  const items = rows.slice(0, limit).map(toMessage);
  return { items, nextCursor: rows.length > limit ? String(items.at(-1)!.seq) : null };
}

/**
 * Sends a message: a run of the session's target answers it. `waitMs` > 0 waits up to that long for the answer (the
 * JSON form); otherwise it returns at once and the caller follows the run's events.
 */
export async function sendMessage(
  ctx: TenantContext,
  sessionId: string,
  input: z.input<typeof sendMessageInputSchema>,
  options: { waitMs?: number; watched?: boolean } = {},
): Promise<SentMessageOutput> {
  need(ctx, "runs:create");
  const parsed = sendMessageInputSchema.parse(input);
  // the workspace's PII policy on session messages: the message is stored (and asked) redacted
  const data = { ...parsed, content: redactString(parsed.content, await loadPiiPolicy(ctx), "sessions") };
  const session = await findSession(ctx, sessionId);
  if (session.busyRunId) throw new AppError("CONFLICT", "The session is answering another message: send this one when that answer has come (busyRunId)");
  const run = await startRun(
    ctx,
    {
      ...(session.agentId ? { agent: session.agentId } : { team: session.teamId! }),
      input: data.content,
      ...(data.budgetUsd !== undefined ? { budgetUsd: data.budgetUsd } : {}),
      ...(data.modelPolicy ? { modelPolicy: data.modelPolicy } : {}),
      ...(data.version !== undefined ? { version: data.version } : {}),
      ...(session.subject ? { subject: session.subject } : {}),
    },
    { session: { id: session.id }, ...(options.watched ? { watched: true } : {}) },
  );
  const message = await db(ctx).sessionMessage.findFirstOrThrow({ where: { workspaceId: ctx.workspaceId, sessionId, runId: run.id, role: "user" } });
  const status: RunStatus = options.waitMs ? ((await waitForRunEnd(ctx, run.id, options.waitMs)) ?? run.status) : run.status;
  let reply: MessageRow | null = null;
  if (TERMINAL_RUN_STATUSES.includes(status)) {
    reply = await db(ctx).sessionMessage.findFirst({ where: { workspaceId: ctx.workspaceId, sessionId, runId: run.id, role: "assistant" } });
  }
  return { message: toMessage(message), runId: run.id, runStatus: status, reply: reply ? toMessage(reply) : null };
}

/** Deletes a session and its messages (its runs stay, without the session). Audited. */
export async function deleteSession(ctx: TenantContext, id: string): Promise<{ deleted: true }> {
  need(ctx, "memory:delete");
  const row = await findSession(ctx, id);
  await db(ctx).session.deleteMany({ where: { id, workspaceId: ctx.workspaceId } });
  await recordAudit(ctx, { action: "session.delete", targetType: "session", targetId: id, metadata: { messages: row.messageCount, subject: row.subject } });
  return { deleted: true };
}
