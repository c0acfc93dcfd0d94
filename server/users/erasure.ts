/**
 * A person's own data: export (a JSON document of their profile, sign-in methods, memberships and the rows they
 * authored in the workspaces they belong to) and deletion of their account.
 *
 * Deletion: refused while they are the last owner of a workspace that has other members (they must hand the
 * workspace over or delete it first). Workspaces where they are the only member are deleted with them (a soft
 * delete, purged at the next retention purge: nobody is left to restore them). Everywhere else the rows they
 * authored stay with the workspace, anonymised: runs, agent versions, secrets and usage rows lose their author, and
 * audit entries keep the action but name a "deleted user" instead of them (their user id goes too). Their own sign-in
 * history (auth events) is deleted. Then the user row goes, and with it their memberships, sign-in methods, sessions
 * and API keys. The deletion is audited in every workspace they belonged to.
 *
 * Authored rows of workspaces they no longer belong to are anonymised too: that crosses workspaces, the
 * `account-erasure` privileged path (docs/security.md).
 */
import { z } from "zod";
import { db, NO_TENANT, userScope } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { SYSTEM } from "@/server/db/scope";
import { sql } from "@/server/db/sql";
import { AppError } from "@/lib/errors";
import { permissionsOf, type Role } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { recordAuthEvent } from "@/server/audit/auth-events";
import type { ClientInfo } from "@/server/http/client-info";
import { text } from "@/lib/schemas/text";

export const DELETED_USER_LABEL = "deleted user";
const EXPORT_ROWS_PER_KIND = 10_000;

export const deleteAccountInputSchema = z.strictObject({
  confirmEmail: text().max(320).describe("The account's email, typed again to confirm"),
});

function tenantOf(
  user: { id: string; email: string },
  membership: { workspaceId: string; role: string; workspace: { slug: string } },
  requestId?: string,
  client: ClientInfo = {},
): TenantContext {
  const role = membership.role as Role;
  return {
    workspaceId: membership.workspaceId,
    workspaceSlug: membership.workspace.slug,
    role,
    permissions: new Set(permissionsOf(role)),
    requestId,
    ...client,
    actor: { type: "user", userId: user.id, email: user.email },
  };
}

/** Everything Cadre keeps about the person that they can see: their profile and what they authored where they are a member. */
export async function exportAccount(user: { id: string; email: string }) {
  const profile = await db(NO_TENANT).user.findUnique({
    where: { id: user.id },
    select: {
      id: true,
      email: true,
      name: true,
      emailVerified: true,
      createdAt: true,
      updatedAt: true,
      passwordHash: true,
      accounts: { select: { provider: true, createdAt: true } },
    },
  });
  if (!profile) throw new AppError("UNAUTHORIZED", "Sign in first");
  const memberships = await db(userScope(user.id)).membership.findMany({
    where: { userId: user.id },
    include: { workspace: true },
    orderBy: { createdAt: "asc" },
  });
  const workspaces = [];
  for (const m of memberships) {
    const t = db({ workspaceId: m.workspaceId });
    const [runs, agentVersions, secrets, apiKeys, auditEntries] = await Promise.all([
      t.run.findMany({
        where: { workspaceId: m.workspaceId, createdByType: "user", createdById: user.id },
        select: {
          id: true,
          targetType: true,
          teamId: true,
          agentId: true,
          input: true,
          status: true,
          output: true,
          error: true,
          costUsd: true,
          createdAt: true,
          finishedAt: true,
        },
        orderBy: { createdAt: "asc" },
        take: EXPORT_ROWS_PER_KIND,
      }),
      t.agentVersion.findMany({
        where: { workspaceId: m.workspaceId, createdById: user.id },
        select: { agentId: true, version: true, name: true, roleDescription: true, instructions: true, createdAt: true },
        orderBy: { createdAt: "asc" },
        take: EXPORT_ROWS_PER_KIND,
      }),
      // names only: a secret's value is never readable, not even by its author
      t.secret.findMany({
        where: { workspaceId: m.workspaceId, createdById: user.id },
        select: { id: true, name: true, createdAt: true },
        take: EXPORT_ROWS_PER_KIND,
      }),
      t.apiKey.findMany({
        where: { workspaceId: m.workspaceId, createdById: user.id },
        select: { id: true, name: true, prefix: true, last4: true, scopes: true, createdAt: true, expiresAt: true, revokedAt: true },
        take: EXPORT_ROWS_PER_KIND,
      }),
      t.auditLog.findMany({
        where: { workspaceId: m.workspaceId, actorType: "user", actorId: user.id },
        select: { action: true, targetType: true, targetId: true, createdAt: true },
        orderBy: { createdAt: "asc" },
        take: EXPORT_ROWS_PER_KIND,
      }),
    ]);
    workspaces.push({
      workspace: { id: m.workspaceId, slug: m.workspace.slug, name: m.workspace.name },
      role: m.role,
      memberSince: m.createdAt,
      runs: runs.map((r) => ({ ...r, costUsd: Number(r.costUsd) })),
      agentVersions,
      secrets,
      apiKeys,
      auditEntries,
    });
  }
  const authEvents = await execute<{ action: string; createdAt: Date; clientIp: string | null; userAgent: string | null }>(
    NO_TENANT,
    sql`SELECT "action", "createdAt", "clientIp", "userAgent" FROM "AuthEvent" WHERE "userId" = ${user.id} ORDER BY "createdAt" LIMIT ${EXPORT_ROWS_PER_KIND}`,
  );
  return {
    exportedAt: new Date(),
    format: "cadre.account-export.v1" as const,
    profile: {
      id: profile.id,
      email: profile.email,
      name: profile.name,
      emailVerified: profile.emailVerified,
      createdAt: profile.createdAt,
      updatedAt: profile.updatedAt,
      hasPassword: profile.passwordHash !== null,
      signInMethods: profile.accounts.map((a) => ({ provider: a.provider, connectedAt: a.createdAt })),
    },
    workspaces,
    signInHistory: authEvents.rows,
  };
}

/** Why the account cannot be deleted now (the last owner of a workspace with other members), or null. */
async function blockingWorkspaces(userId: string) {
  const owned = await db(userScope(userId)).membership.findMany({ where: { userId, role: "owner" }, include: { workspace: true } });
  const blocking: { slug: string; name: string }[] = [];
  const soleMember: { workspaceId: string; slug: string }[] = [];
  for (const m of owned) {
    const t = db({ workspaceId: m.workspaceId });
    const [owners, members] = await Promise.all([
      t.membership.count({ where: { workspaceId: m.workspaceId, role: "owner" } }),
      t.membership.count({ where: { workspaceId: m.workspaceId } }),
    ]);
    if (members === 1) soleMember.push({ workspaceId: m.workspaceId, slug: m.workspace.slug });
    else if (owners === 1) blocking.push({ slug: m.workspace.slug, name: m.workspace.name });
  }
  return { blocking, soleMember };
}

/**
 * Deletes the signed-in person's account (they type their email again). See the file's comment for what happens
 * to what. Returns the workspaces that were deleted with it.
 */
export async function deleteAccount(
  user: { id: string; email: string },
  input: z.input<typeof deleteAccountInputSchema>,
  meta: { requestId?: string } & ClientInfo = {},
) {
  const { confirmEmail } = deleteAccountInputSchema.parse(input);
  const row = await db(NO_TENANT).user.findUnique({ where: { id: user.id }, select: { email: true } });
  if (!row) throw new AppError("UNAUTHORIZED", "Sign in first");
  if (confirmEmail.trim().toLowerCase() !== row.email.toLowerCase()) throw new AppError("BAD_REQUEST", `Type your account's email "${row.email}" to confirm`);
  const { blocking, soleMember } = await blockingWorkspaces(user.id);
  if (blocking.length > 0) {
    const names = blocking.map((w) => `"${w.name}" (${w.slug})`).join(", ");
    throw new AppError(
      "CONFLICT",
      `You are the last owner of ${names}, which ${blocking.length === 1 ? "has" : "have"} other members: make another member an owner, or delete the workspace, before deleting your account`,
    );
  }
  const client: ClientInfo = { clientIp: meta.clientIp, userAgent: meta.userAgent };
  const memberships = await db(userScope(user.id)).membership.findMany({ where: { userId: user.id }, include: { workspace: true } });
  const now = new Date();
  for (const m of memberships) {
    const ctx = tenantOf(user, m, meta.requestId, client);
    const sole = soleMember.some((s) => s.workspaceId === m.workspaceId);
    await db(ctx).$transaction(async (tx) => {
      await recordAudit(ctx, { action: "user.delete", targetType: "user", targetId: user.id, metadata: { workspaceDeleted: sole } }, tx);
      if (sole) {
        await recordAudit(
          ctx,
          {
            action: "workspace.delete",
            targetType: "workspace",
            targetId: m.workspaceId,
            metadata: { name: m.workspace.name, slug: m.workspace.slug, members: 1, reason: "its only member deleted their account" },
          },
          tx,
        );
        await tx.workspace.update({ where: { id: m.workspaceId }, data: { deletedAt: now, deletedById: null, purgeAfter: now } });
        await tx.run.updateMany({
          where: { workspaceId: m.workspaceId, status: { in: ["queued", "running"] }, cancelRequestedAt: null },
          data: { cancelRequestedAt: now, cancelReason: "the workspace was deleted" },
        });
      }
    });
  }
  await anonymiseAuthoredRows(user.id, row.email);
  await db(NO_TENANT).user.delete({ where: { id: user.id } });
  await recordAuthEvent({
    action: "auth.account_delete",
    requestId: meta.requestId,
    ip: meta.clientIp,
    userAgent: meta.userAgent,
    metadata: { workspacesDeleted: soleMember.length },
  });
  return { deleted: true as const, workspacesDeleted: soleMember.map((s) => s.slug) };
}

/** Removes the person from the rows their workspaces keep (every workspace, also those they left). */
export async function anonymiseAuthoredRows(userId: string, email: string): Promise<void> {
  const erasure = SYSTEM("account-erasure");
  await execute(erasure, sql`UPDATE "Run" SET "createdById" = NULL WHERE "createdByType" = 'user' AND "createdById" = ${userId}`);
  await execute(erasure, sql`UPDATE "AgentVersion" SET "createdById" = NULL WHERE "createdById" = ${userId}`);
  await execute(erasure, sql`UPDATE "Secret" SET "createdById" = NULL WHERE "createdById" = ${userId}`);
  await execute(erasure, sql`UPDATE "WebhookSubscription" SET "createdById" = NULL WHERE "createdByType" = 'user' AND "createdById" = ${userId}`);
  await execute(erasure, sql`UPDATE "WebhookDelivery" SET "createdById" = NULL WHERE "createdByType" = 'user' AND "createdById" = ${userId}`);
  await execute(erasure, sql`UPDATE "UsageRecord" SET "actorId" = NULL WHERE "actorType" = 'user' AND "actorId" = ${userId}`);
  await execute(
    erasure,
    sql`UPDATE "AuditLog" SET "actorId" = NULL, "actorLabel" = ${DELETED_USER_LABEL} WHERE "actorType" = 'user' AND "actorId" = ${userId}`,
  );
  await execute(erasure, sql`UPDATE "AuditLog" SET "targetId" = NULL WHERE "targetType" = 'user' AND "targetId" = ${userId}`);
  // entries about them (an invitation, a role change) name their address in the metadata
  await execute(
    erasure,
    sql`UPDATE "AuditLog" SET "metadata" = jsonb_set("metadata", '{email}', to_jsonb(${DELETED_USER_LABEL}::text)) WHERE lower("metadata"->>'email') = ${email.toLowerCase()}`,
  );
  await execute(erasure, sql`DELETE FROM "AuthEvent" WHERE "userId" = ${userId} OR lower("email") = ${email.toLowerCase()}`);
}
