/**
 * Incoming webhook triggers (issue 15): create, list, read, update (name, template, enabled), rotate the signing
 * secret, delete. The secret (whsec_ + 32 random bytes, base64) is a system secret of the vault (kind
 * "webhook_trigger", never listed or selectable), returned once on create and on rotation. Managing a trigger needs
 * triggers:manage and runs:create (a trigger starts runs); every change is audited. Deliveries: ./receive.ts.
 */
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { ActorType, Page } from "@/lib/schemas/common";
import {
  createTriggerInputSchema,
  listTriggersInputSchema,
  updateTriggerInputSchema,
  type CreateTriggerInput,
  type TriggerOutput,
  type TriggerWithSecretOutput,
  type UpdateTriggerInput,
} from "@/lib/schemas/triggers";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import type { Prisma } from "@/server/db/generated/client";
import { deleteSystemSecret, writeSystemSecret } from "@/server/vault/service";
import { creatorOf, needManage, needRead, resolveTarget, targetNames, type TargetNames } from "./targets";

type TriggerRow = Prisma.WebhookTriggerGetPayload<object>;

export const TRIGGER_PATH_PREFIX = "/api/hooks/";

/** A new signing secret in the Standard Webhooks form. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

const secretName = (triggerId: string) => `webhook-trigger:${triggerId}`;

function toTrigger(row: TriggerRow, names: TargetNames): TriggerOutput {
  return {
    id: row.id,
    name: row.name,
    targetType: row.targetType as TriggerOutput["targetType"],
    agent: names.agent(row.agentId),
    team: names.team(row.teamId),
    template: row.template,
    enabled: row.enabled,
    path: `${TRIGGER_PATH_PREFIX}${row.id}`,
    secretRotatedAt: row.secretRotatedAt,
    deliveries: row.deliveries,
    lastDeliveryAt: row.lastDeliveryAt,
    lastRunId: row.lastRunId,
    refusedDeliveries: row.refusedDeliveries,
    lastRefusedAt: row.lastRefusedAt,
    lastRefusal: row.lastRefusal,
    createdByType: row.createdByType as ActorType,
    createdById: row.createdById,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

async function findTrigger(ctx: TenantContext, id: string): Promise<TriggerRow> {
  const row = await db(ctx).webhookTrigger.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Webhook trigger "${id}" not found`);
  return row;
}

async function output(ctx: TenantContext, row: TriggerRow): Promise<TriggerOutput> {
  return toTrigger(row, await targetNames(ctx, [row]));
}

export async function createTrigger(ctx: TenantContext, input: CreateTriggerInput): Promise<TriggerWithSecretOutput> {
  needManage(ctx, "triggers:manage");
  const data = createTriggerInputSchema.parse(input);
  const target = await resolveTarget(ctx, data);
  const id = newId("whtr");
  const secret = newSigningSecret();
  const row = await db(ctx).$transaction(async (tx) => {
    const secretId = await writeSystemSecret(ctx, "webhook_trigger", { secretId: null, name: secretName(id) }, secret, tx);
    const created = await tx.webhookTrigger.create({
      data: {
        id,
        workspaceId: ctx.workspaceId,
        name: data.name,
        targetType: target.targetType,
        agentId: target.agentId,
        teamId: target.teamId,
        template: data.template,
        enabled: data.enabled,
        secretId,
        ...creatorOf(ctx),
      },
    });
    await recordAudit(
      ctx,
      { action: "webhook_trigger.create", targetType: "webhook_trigger", targetId: id, metadata: { name: data.name, [target.targetType]: target.slug } },
      tx,
    );
    return created;
  });
  return { trigger: await output(ctx, row), secret };
}

export async function getTrigger(ctx: TenantContext, id: string): Promise<TriggerOutput> {
  needRead(ctx, "triggers:read");
  return output(ctx, await findTrigger(ctx, id));
}

export async function listTriggers(ctx: TenantContext, input: z.input<typeof listTriggersInputSchema> = {}): Promise<Page<TriggerOutput>> {
  needRead(ctx, "triggers:read");
  const { limit, cursor } = listTriggersInputSchema.parse(input);
  const rows = await db(ctx).webhookTrigger.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId }, keysetWhere(cursor)] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  const names = await targetNames(ctx, page.items);
  return { items: page.items.map((r) => toTrigger(r, names)), nextCursor: page.nextCursor };
}

export async function updateTrigger(ctx: TenantContext, id: string, patch: UpdateTriggerInput): Promise<TriggerOutput> {
  needManage(ctx, "triggers:manage");
  const data = updateTriggerInputSchema.parse(patch);
  await findTrigger(ctx, id);
  const changed = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
  const row = await db(ctx).$transaction(async (tx) => {
    const updated = await tx.webhookTrigger.update({ where: { id, workspaceId: ctx.workspaceId }, data: { ...changed, updatedAt: new Date() } });
    await recordAudit(ctx, { action: "webhook_trigger.update", targetType: "webhook_trigger", targetId: id, metadata: { changed: Object.keys(changed) } }, tx);
    return updated;
  });
  return output(ctx, row);
}

/** A new signing secret: the old one stops verifying at once. */
export async function rotateTriggerSecret(ctx: TenantContext, id: string): Promise<TriggerWithSecretOutput> {
  needManage(ctx, "triggers:manage");
  const current = await findTrigger(ctx, id);
  const secret = newSigningSecret();
  const row = await db(ctx).$transaction(async (tx) => {
    const secretId = await writeSystemSecret(ctx, "webhook_trigger", { secretId: current.secretId, name: secretName(id) }, secret, tx);
    const updated = await tx.webhookTrigger.update({
      where: { id, workspaceId: ctx.workspaceId },
      data: { secretId, secretRotatedAt: new Date(), updatedAt: new Date() },
    });
    await recordAudit(ctx, { action: "webhook_trigger.rotate_secret", targetType: "webhook_trigger", targetId: id, metadata: { name: current.name } }, tx);
    return updated;
  });
  return { trigger: await output(ctx, row), secret };
}

/** Deletes a trigger, its secret and its delivery records (the runs stay). */
export async function deleteTrigger(ctx: TenantContext, id: string): Promise<{ deleted: true }> {
  needManage(ctx, "triggers:manage");
  const row = await findTrigger(ctx, id);
  await db(ctx).$transaction(async (tx) => {
    await tx.webhookTrigger.deleteMany({ where: { id, workspaceId: ctx.workspaceId } });
    await deleteSystemSecret(ctx, "webhook_trigger", row.secretId, tx);
    await recordAudit(ctx, { action: "webhook_trigger.delete", targetType: "webhook_trigger", targetId: id, metadata: { name: row.name } }, tx);
  });
  return { deleted: true };
}
