/**
 * Schedules (issue 15): create, list, read, update, pause, resume, delete. A schedule runs its agent or team with a
 * fixed input at the times of a cron expression in a time zone (lib/schedule-times.ts); `nextRunAt` is its next due
 * time (null while paused), which the scheduler (./scheduler.ts) advances when it fires. Resuming (or changing the
 * times) starts from the next time after now: times that passed while paused never run. Managing a schedule needs
 * schedules:manage and runs:create; every change is audited.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { ActorType, Page } from "@/lib/schemas/common";
import {
  createScheduleInputSchema,
  listSchedulesInputSchema,
  updateScheduleInputSchema,
  type CreateScheduleInput,
  type ScheduleOutput,
  type UpdateScheduleInput,
} from "@/lib/schemas/schedules";
import { nextScheduleTime } from "@/lib/schedule-times";
import type { AuditAction } from "@/lib/schemas/audit";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import type { Prisma } from "@/server/db/generated/client";
import { creatorOf, needManage, needRead, resolveTarget, targetNames, type TargetNames } from "@/server/triggers/targets";

type ScheduleRow = Prisma.ScheduleGetPayload<object>;

function toSchedule(row: ScheduleRow, names: TargetNames): ScheduleOutput {
  return {
    id: row.id,
    name: row.name,
    targetType: row.targetType as ScheduleOutput["targetType"],
    agent: names.agent(row.agentId),
    team: names.team(row.teamId),
    cron: row.cron,
    timezone: row.timezone,
    input: row.input,
    status: row.status as ScheduleOutput["status"],
    allowOverlap: row.allowOverlap,
    missedPolicy: row.missedPolicy as ScheduleOutput["missedPolicy"],
    nextRunAt: row.nextRunAt,
    lastRunId: row.lastRunId,
    lastFiredAt: row.lastFiredAt,
    lastSkipReason: row.lastSkipReason as ScheduleOutput["lastSkipReason"],
    lastSkippedAt: row.lastSkippedAt,
    skippedFires: row.skippedFires,
    lastError: row.lastError,
    createdByType: row.createdByType as ActorType,
    createdById: row.createdById,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

async function findSchedule(ctx: TenantContext, id: string): Promise<ScheduleRow> {
  const row = await db(ctx).schedule.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Schedule "${id}" not found`);
  return row;
}

async function output(ctx: TenantContext, row: ScheduleRow): Promise<ScheduleOutput> {
  return toSchedule(row, await targetNames(ctx, [row]));
}

/** The first due time after `now`; a schedule that never fires again is refused. */
function firstTime(cron: string, timezone: string, now: Date): Date {
  const next = nextScheduleTime(cron, timezone, now);
  if (!next)
    throw new AppError("VALIDATION_FAILED", `"${cron}" has no future time`, { issues: [{ path: "cron", message: "This expression has no future time" }] });
  return next;
}

export async function createSchedule(ctx: TenantContext, input: CreateScheduleInput, now = new Date()): Promise<ScheduleOutput> {
  needManage(ctx, "schedules:manage");
  const data = createScheduleInputSchema.parse(input);
  const target = await resolveTarget(ctx, data);
  const next = firstTime(data.cron, data.timezone, now);
  const id = newId("sch");
  const row = await db(ctx).$transaction(async (tx) => {
    const created = await tx.schedule.create({
      data: {
        id,
        workspaceId: ctx.workspaceId,
        name: data.name,
        targetType: target.targetType,
        agentId: target.agentId,
        teamId: target.teamId,
        cron: data.cron,
        timezone: data.timezone,
        input: data.input,
        allowOverlap: data.allowOverlap,
        missedPolicy: data.missedPolicy,
        status: data.paused ? "paused" : "active",
        nextRunAt: data.paused ? null : next,
        ...creatorOf(ctx),
      },
    });
    await recordAudit(
      ctx,
      {
        action: "schedule.create",
        targetType: "schedule",
        targetId: id,
        metadata: { name: data.name, [target.targetType]: target.slug, cron: data.cron, timezone: data.timezone },
      },
      tx,
    );
    return created;
  });
  return output(ctx, row);
}

export async function getSchedule(ctx: TenantContext, id: string): Promise<ScheduleOutput> {
  needRead(ctx, "schedules:read");
  return output(ctx, await findSchedule(ctx, id));
}

export async function listSchedules(ctx: TenantContext, input: z.input<typeof listSchedulesInputSchema> = {}): Promise<Page<ScheduleOutput>> {
  needRead(ctx, "schedules:read");
  const { limit, cursor } = listSchedulesInputSchema.parse(input);
  const rows = await db(ctx).schedule.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId }, keysetWhere(cursor)] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  const names = await targetNames(ctx, page.items);
  return { items: page.items.map((r) => toSchedule(r, names)), nextCursor: page.nextCursor };
}

async function change(
  ctx: TenantContext,
  id: string,
  action: AuditAction,
  data: Prisma.ScheduleUpdateManyMutationInput,
  metadata: Record<string, unknown>,
): Promise<ScheduleOutput> {
  const row = await db(ctx).$transaction(async (tx) => {
    const updated = await tx.schedule.update({ where: { id, workspaceId: ctx.workspaceId }, data: { ...data, updatedAt: new Date() } });
    await recordAudit(ctx, { action, targetType: "schedule", targetId: id, metadata }, tx);
    return updated;
  });
  return output(ctx, row);
}

export async function updateSchedule(ctx: TenantContext, id: string, patch: UpdateScheduleInput, now = new Date()): Promise<ScheduleOutput> {
  needManage(ctx, "schedules:manage");
  const data = updateScheduleInputSchema.parse(patch);
  const row = await findSchedule(ctx, id);
  const changed = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
  const cron = data.cron ?? row.cron;
  const timezone = data.timezone ?? row.timezone;
  const retimed = cron !== row.cron || timezone !== row.timezone;
  const next = firstTime(cron, timezone, now);
  return change(
    ctx,
    id,
    "schedule.update",
    { ...changed, ...(retimed && row.status === "active" ? { nextRunAt: next } : {}) },
    { changed: Object.keys(changed) },
  );
}

export async function pauseSchedule(ctx: TenantContext, id: string): Promise<ScheduleOutput> {
  needManage(ctx, "schedules:manage");
  const row = await findSchedule(ctx, id);
  if (row.status === "paused") return output(ctx, row);
  return change(ctx, id, "schedule.pause", { status: "paused", nextRunAt: null, claimOwner: null, claimExpiresAt: null }, { name: row.name });
}

export async function resumeSchedule(ctx: TenantContext, id: string, now = new Date()): Promise<ScheduleOutput> {
  needManage(ctx, "schedules:manage");
  const row = await findSchedule(ctx, id);
  if (row.status === "active") return output(ctx, row);
  const next = firstTime(row.cron, row.timezone, now);
  return change(ctx, id, "schedule.resume", { status: "active", nextRunAt: next }, { name: row.name, nextRunAt: next.toISOString() });
}

export async function deleteSchedule(ctx: TenantContext, id: string): Promise<{ deleted: true }> {
  needManage(ctx, "schedules:manage");
  const row = await findSchedule(ctx, id);
  await db(ctx).$transaction(async (tx) => {
    await tx.schedule.deleteMany({ where: { id, workspaceId: ctx.workspaceId } });
    await recordAudit(ctx, { action: "schedule.delete", targetType: "schedule", targetId: id, metadata: { name: row.name } }, tx);
  });
  return { deleted: true };
}
