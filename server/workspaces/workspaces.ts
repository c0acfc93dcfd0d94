import { db, userScope } from "@/server/db/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { createWorkspaceInputSchema, updateWorkspaceInputSchema } from "@/lib/schemas/workspaces";
import { seedDefaultCatalog } from "@/server/models/catalog";
import { forgetApiRateLimit } from "@/server/http/rate-limit";
import type { ClientInfo } from "@/server/http/client-info";
import { permissionsOf, type Role } from "@/lib/permissions";
import type { z } from "zod";
import { env } from "@/server/env";
import { Prisma } from "@/server/db/generated/client";
import { prismaCode } from "@/server/db/errors";

const DAY_MS = 24 * 60 * 60 * 1000;

const RESERVED_SLUGS = new Set(["new", "api", "admin", "settings", "invite", "sign-in", "sign-up", "w"]);

function toWorkspace(w: { id: string; slug: string; name: string; createdAt: Date; apiRateLimitPerMinute: number | null; runStepLimit: number | null }) {
  return { id: w.id, slug: w.slug, name: w.name, createdAt: w.createdAt, apiRateLimitPerMinute: w.apiRateLimitPerMinute, runStepLimit: w.runStepLimit };
}

/** The server's defaults shown next to a workspace's own settings. */
export function workspaceServerDefaults() {
  const e = env();
  return { apiRateLimitDefault: e.CADRE_API_RATE_LIMIT, runStepLimitDefault: e.CADRE_RUN_STEP_LIMIT, runStepLimitMax: e.CADRE_RUN_STEP_LIMIT_MAX };
}

export async function listMyWorkspaces(userId: string) {
  const memberships = await db(userScope(userId)).membership.findMany({
    where: { userId, workspace: { deletedAt: null } },
    include: { workspace: true },
    orderBy: { workspace: { name: "asc" } },
  });
  return memberships.map((m) => ({ ...toWorkspace(m.workspace), role: m.role as Role }));
}

/** Other workspaces are invisible (row-level security): a taken slug is the unique index's refusal (P2002). */
function assertSlugAllowed(slug: string) {
  if (RESERVED_SLUGS.has(slug)) throw new AppError("CONFLICT", `The slug "${slug}" is reserved`);
}

function slugTaken(error: unknown, slug: string): never {
  if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", `The slug "${slug}" is taken`);
  throw error;
}

/** Creates a workspace with the user as its owner. */
export async function createWorkspace(
  user: { id: string; email: string },
  input: z.input<typeof createWorkspaceInputSchema>,
  requestId?: string,
  client: ClientInfo = {},
  /** the organisation the new workspace belongs to (its caller checked the organisation's policy) */
  organizationId: string | null = null,
) {
  const { name, slug } = createWorkspaceInputSchema.parse(input);
  assertSlugAllowed(slug);
  const workspaceId = newId("ws");
  try {
    // the new workspace's own scope: row-level security lets it create the workspace and its first rows
    const workspace = await db({ workspaceId }).$transaction(async (tx) => {
      const created = await tx.workspace.create({ data: { id: workspaceId, name, slug, organizationId } });
      await tx.membership.create({ data: { id: newId("mem"), workspaceId, userId: user.id, role: "owner" } });
      const ctx: TenantContext = {
        workspaceId,
        workspaceSlug: slug,
        role: "owner",
        permissions: new Set(),
        requestId,
        ...client,
        actor: { type: "user", userId: user.id, email: user.email },
      };
      // a default monthly budget (CADRE_DEFAULT_MONTHLY_BUDGET_USD), shown and changed on the Budgets page; audited with the creation
      const monthly = env().CADRE_DEFAULT_MONTHLY_BUDGET_USD;
      await recordAudit(
        ctx,
        {
          action: "workspace.create",
          targetType: "workspace",
          targetId: workspaceId,
          metadata: { name, slug, ...(monthly !== null ? { monthlyBudgetUsd: monthly } : {}) },
        },
        tx,
      );
      // the offline simulator and the default routing presets, so that everything works before any key is added
      await seedDefaultCatalog(tx, workspaceId);
      if (monthly !== null) await tx.budget.create({ data: { workspaceId, monthlyLimitUsd: new Prisma.Decimal(String(monthly)).toDecimalPlaces(4) } });
      return created;
    });
    return { ...toWorkspace(workspace), role: "owner" as Role };
  } catch (error) {
    slugTaken(error, slug);
  }
}

export async function getWorkspace(ctx: TenantContext) {
  const workspace = await db(ctx).workspace.findFirst({ where: { id: ctx.workspaceId, deletedAt: null } });
  if (!workspace) throw new AppError("NOT_FOUND", "Workspace not found");
  return toWorkspace(workspace);
}

/** The workspace as its caller sees it: with their role and what that role allows (the UI hides the rest). */
export async function currentWorkspace(ctx: TenantContext) {
  return { ...(await getWorkspace(ctx)), role: ctx.role, permissions: [...permissionsOf(ctx.role)] };
}

/** GET /api/v1/me: the key's workspace and what the key may do now (its scopes cut down to its creator's role). */
export async function describeApiKey(ctx: TenantContext) {
  if (ctx.actor.type !== "api_key") throw new AppError("BAD_REQUEST", "Only an API key describes itself here");
  const w = await getWorkspace(ctx);
  return {
    workspace: { id: w.id, slug: w.slug, name: w.name },
    key: { id: ctx.actor.keyId, name: ctx.actor.name },
    scopes: [...ctx.permissions].sort(),
    role: ctx.role,
  };
}

export async function updateWorkspace(ctx: TenantContext, input: z.input<typeof updateWorkspaceInputSchema>) {
  const { name, slug, apiRateLimitPerMinute, runStepLimit } = updateWorkspaceInputSchema.parse(input);
  if (!name && !slug && apiRateLimitPerMinute === undefined && runStepLimit === undefined) throw new AppError("BAD_REQUEST", "Nothing to change");
  const stepLimitMax = env().CADRE_RUN_STEP_LIMIT_MAX;
  if (runStepLimit != null && runStepLimit > stepLimitMax) {
    throw new AppError("VALIDATION_FAILED", `The step limit per run can be at most ${stepLimitMax} on this server (CADRE_RUN_STEP_LIMIT_MAX)`, {
      issues: [{ path: "runStepLimit", message: `At most ${stepLimitMax}` }],
    });
  }
  const before = await getWorkspace(ctx);
  if (slug && slug !== before.slug) assertSlugAllowed(slug);
  const updated = await db(ctx)
    .$transaction(async (tx) => {
      const w = await tx.workspace.update({
        where: { id: ctx.workspaceId },
        data: {
          ...(name ? { name } : {}),
          ...(slug ? { slug } : {}),
          ...(apiRateLimitPerMinute !== undefined ? { apiRateLimitPerMinute } : {}),
          ...(runStepLimit !== undefined ? { runStepLimit } : {}),
        },
      });
      await recordAudit(
        ctx,
        {
          action: "workspace.update",
          targetType: "workspace",
          targetId: ctx.workspaceId,
          metadata: {
            from: { name: before.name, slug: before.slug, apiRateLimitPerMinute: before.apiRateLimitPerMinute, runStepLimit: before.runStepLimit },
            to: { name: w.name, slug: w.slug, apiRateLimitPerMinute: w.apiRateLimitPerMinute, runStepLimit: w.runStepLimit },
          },
        },
        tx,
      );
      return w;
    })
    .catch((error: unknown) => slugTaken(error, slug ?? before.slug));
  forgetApiRateLimit(ctx.workspaceId);
  return toWorkspace(updated);
}

/**
 * Deletes the workspace: a soft delete. From now on nobody sees it (members, API keys, the executor's new work: its
 * queued and running runs are cancelled), but an owner can restore it from their account page until its recovery
 * window (CADRE_WORKSPACE_RECOVERY_DAYS) ends; then the retention purge deletes it and everything in it, in batches.
 * The caller must type the slug again. The deletion is audited, and the audit entries are kept after the purge until
 * the audit retention removes them. The slug stays taken until the purge.
 */
export async function deleteWorkspace(ctx: TenantContext, confirmSlug: string, now = new Date()) {
  const workspace = await getWorkspace(ctx);
  if (confirmSlug.trim().toLowerCase() !== workspace.slug) {
    throw new AppError("BAD_REQUEST", `Type the workspace's slug "${workspace.slug}" to confirm`);
  }
  const recoverableUntil = new Date(now.getTime() + env().CADRE_WORKSPACE_RECOVERY_DAYS * DAY_MS);
  await db(ctx).$transaction(async (tx) => {
    const members = await tx.membership.count({ where: { workspaceId: ctx.workspaceId } });
    await recordAudit(
      ctx,
      {
        action: "workspace.delete",
        targetType: "workspace",
        targetId: ctx.workspaceId,
        metadata: { name: workspace.name, slug: workspace.slug, members, recoverableUntil: recoverableUntil.toISOString() },
      },
      tx,
    );
    await tx.workspace.update({
      where: { id: ctx.workspaceId },
      data: { deletedAt: now, deletedById: ctx.actor.type === "user" ? ctx.actor.userId : null, purgeAfter: recoverableUntil },
    });
    await tx.run.updateMany({
      where: { workspaceId: ctx.workspaceId, status: { in: ["queued", "running"] }, cancelRequestedAt: null },
      data: { cancelRequestedAt: now, cancelReason: "the workspace was deleted" },
    });
  });
  forgetApiRateLimit(ctx.workspaceId);
  return { deleted: true as const, recoverableUntil };
}

/** The deleted workspaces the user owns and can still restore. */
export async function listDeletedWorkspaces(userId: string, now = new Date()) {
  const memberships = await db(userScope(userId)).membership.findMany({
    where: { userId, role: "owner", workspace: { deletedAt: { not: null }, purgeAfter: { gt: now } } },
    include: { workspace: true },
    orderBy: { workspace: { deletedAt: "desc" } },
  });
  return memberships.map((m) => ({
    id: m.workspace.id,
    slug: m.workspace.slug,
    name: m.workspace.name,
    deletedAt: m.workspace.deletedAt!,
    recoverableUntil: m.workspace.purgeAfter!,
  }));
}

/** Restores a deleted workspace within its recovery window (its owners only). Audited. */
export async function restoreWorkspace(
  user: { id: string; email: string },
  workspaceId: string,
  requestId?: string,
  client: ClientInfo = {},
  now = new Date(),
) {
  const membership = await db(userScope(user.id)).membership.findFirst({
    where: { userId: user.id, workspaceId, workspace: { deletedAt: { not: null } } },
    include: { workspace: true },
  });
  // another workspace, a live one, or not a member: the same answer
  if (!membership) throw new AppError("NOT_FOUND", "No deleted workspace of yours with this id");
  if (membership.role !== "owner") throw new AppError("FORBIDDEN", "Only an owner of the workspace can restore it");
  if (!membership.workspace.purgeAfter || membership.workspace.purgeAfter <= now) {
    throw new AppError("CONFLICT", "The workspace's recovery window has ended: it is being purged");
  }
  const ctx: TenantContext = {
    workspaceId,
    workspaceSlug: membership.workspace.slug,
    role: "owner",
    permissions: new Set(permissionsOf("owner")),
    requestId,
    ...client,
    actor: { type: "user", userId: user.id, email: user.email },
  };
  const restored = await db(ctx).$transaction(async (tx) => {
    const w = await tx.workspace.update({ where: { id: workspaceId }, data: { deletedAt: null, deletedById: null, purgeAfter: null } });
    await recordAudit(
      ctx,
      { action: "workspace.restore", targetType: "workspace", targetId: workspaceId, metadata: { deletedAt: membership.workspace.deletedAt!.toISOString() } },
      tx,
    );
    return w;
  });
  return { ...toWorkspace(restored), role: "owner" as Role };
}
