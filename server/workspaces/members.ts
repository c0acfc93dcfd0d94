import type { Prisma } from "@/server/db/generated/client";
import { db } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import type { Role } from "@/lib/permissions";
import { holdsRole } from "@/server/context";
import { cancelRunsOfEndedAccess } from "@/server/runs/service";
import { ACCESS_ENDED } from "@/server/jobs/run-access";
import { revokeInvitationsBeyond } from "./invitations";
import type { z } from "zod";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { paginationSchema } from "@/lib/schemas/common";
import { newId } from "@/lib/ids";

type Tx = Prisma.TransactionClient;

function toMember(m: { id: string; userId: string; role: string; createdAt: Date; user: { email: string; name: string | null } }) {
  return { id: m.id, userId: m.userId, email: m.user.email, name: m.user.name, role: m.role as Role, joinedAt: m.createdAt };
}

/** One page of the workspace's members, in the order they joined (keyset on createdAt, id: server/db/cursor.ts). */
export async function listMembers(ctx: TenantContext, pagination: z.input<typeof paginationSchema> = {}) {
  const { limit, cursor } = paginationSchema.parse(pagination);
  const rows = await db(ctx).membership.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId }, keysetWhere(cursor, "asc")] },
    include: { user: true },
    orderBy: keysetOrderBy("asc"),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toMember), nextCursor: page.nextCursor };
}

async function findMember(ctx: TenantContext, memberId: string, tx: Tx = db(ctx)) {
  const member = await tx.membership.findFirst({ where: { id: memberId, workspaceId: ctx.workspaceId }, include: { user: true } });
  if (!member) throw new AppError("NOT_FOUND", "Member not found");
  return member;
}

/** Locks the owner rows, then refuses a change that would leave the workspace without an owner. */
async function assertKeepsAnOwner(tx: Tx, ctx: TenantContext, leavingMemberId: string) {
  const owners = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Membership" WHERE "workspaceId" = ${ctx.workspaceId} AND role = 'owner' FOR UPDATE`;
  if (owners.every((o) => o.id === leavingMemberId)) {
    throw new AppError("CONFLICT", "A workspace must keep at least one owner: make someone else an owner first");
  }
}

/** Only owners touch the owner role; nobody (person or key) manages or grants powers beyond their own. */
function assertMayManage(ctx: TenantContext, targetRole: Role, newRole?: Role) {
  if (!holdsRole(ctx, targetRole)) {
    throw new AppError(
      "FORBIDDEN",
      targetRole === "owner" ? "Only an owner can change or remove an owner" : `You cannot manage a member whose role (${targetRole}) has powers you lack`,
    );
  }
  if (newRole && !holdsRole(ctx, newRole)) {
    throw new AppError(
      "FORBIDDEN",
      newRole === "owner" ? "Only an owner can grant the owner role" : `You cannot grant the ${newRole} role: it has powers you lack`,
    );
  }
}

/**
 * What a departing member leaves behind ends with the membership: their keys (so they do not come back if the person
 * is invited again), the queued and running runs they or their keys started, and the invitations they sent.
 * Returns what to do once the transaction committed.
 */
async function endAccessOf(tx: Tx, ctx: TenantContext, userId: string): Promise<() => Promise<void>> {
  const workspaceId = ctx.workspaceId;
  await tx.apiKey.updateMany({ where: { workspaceId, createdById: userId, revokedAt: null }, data: { revokedAt: new Date() } });
  const keyIds = (await tx.apiKey.findMany({ where: { workspaceId, createdById: userId }, select: { id: true } })).map((k) => k.id);
  const own = await cancelRunsOfEndedAccess(tx, ctx, { userId }, ACCESS_ENDED.creatorRemoved);
  const viaKeys = await cancelRunsOfEndedAccess(tx, ctx, { keyIds }, ACCESS_ENDED.keyCreatorRemoved);
  await revokeInvitationsBeyond(tx, ctx, userId, null);
  return async () => {
    await own.afterCommit();
    await viaKeys.afterCommit();
  };
}

export async function changeMemberRole(ctx: TenantContext, memberId: string, role: Role) {
  return db(ctx).$transaction(async (tx) => {
    const member = await findMember(ctx, memberId, tx);
    assertMayManage(ctx, member.role as Role, role);
    if (member.role === role) return toMember(member);
    if (member.role === "owner") await assertKeepsAnOwner(tx, ctx, member.id);
    const updated = await tx.membership.update({ where: inWorkspace(ctx, member.id), data: { role }, include: { user: true } });
    // a demoted member's pending invitations cannot grant more than their new role
    await revokeInvitationsBeyond(tx, ctx, member.userId, role);
    await recordAudit(
      ctx,
      {
        action: "member.role_change",
        targetType: "member",
        targetId: member.id,
        metadata: { email: member.user.email, from: member.role, to: role },
      },
      tx,
    );
    return toMember(updated);
  });
}

export async function removeMember(ctx: TenantContext, memberId: string) {
  const afterCommit = await db(ctx).$transaction(async (tx) => {
    const member = await findMember(ctx, memberId, tx);
    if (member.userId === ctx.actor.userId) throw new AppError("BAD_REQUEST", "To remove yourself, leave the workspace");
    assertMayManage(ctx, member.role as Role);
    if (member.role === "owner") await assertKeepsAnOwner(tx, ctx, member.id);
    await tx.membership.delete({ where: inWorkspace(ctx, member.id) });
    const after = await endAccessOf(tx, ctx, member.userId);
    await recordAudit(
      ctx,
      { action: "member.remove", targetType: "member", targetId: member.id, metadata: { email: member.user.email, role: member.role } },
      tx,
    );
    return after;
  });
  await afterCommit();
  return { removed: true as const };
}

export async function leaveWorkspace(ctx: TenantContext) {
  const afterCommit = await db(ctx).$transaction(async (tx) => {
    const member = await tx.membership.findFirst({ where: { workspaceId: ctx.workspaceId, userId: ctx.actor.userId }, include: { user: true } });
    if (!member) throw new AppError("NOT_FOUND", "Workspace not found");
    if (member.role === "owner") await assertKeepsAnOwner(tx, ctx, member.id);
    await tx.membership.delete({ where: inWorkspace(ctx, member.id) });
    const after = await endAccessOf(tx, ctx, member.userId);
    await recordAudit(
      ctx,
      { action: "member.leave", targetType: "member", targetId: member.id, metadata: { email: member.user.email, role: member.role } },
      tx,
    );
    return after;
  });
  await afterCommit();
  return { left: true as const };
}

/**
 * An organisation sets a person's membership of one of its workspaces (its group mappings, SSO, SCIM, an org admin
 * removing someone everywhere): `role` null removes it. `ctx` acts in the workspace for the organisation (the org
 * admin, or the person whose sign-in or provisioning applies the mapping); the organisation already decided, so the
 * member-management checks of a workspace's own members do not apply, but a workspace still keeps an owner, and a
 * departing member's keys, runs and invitations end as with removeMember. Returns what changed.
 */
export async function setMembershipForOrganization(
  ctx: TenantContext,
  userId: string,
  role: Role | null,
  via: { organizationId: string; reason: "group_mapping" | "sso" | "scim" | "org_admin" },
): Promise<"added" | "changed" | "removed" | "unchanged"> {
  let afterCommit: (() => Promise<void>) | null = null;
  const outcome = await db(ctx).$transaction(async (tx) => {
    const member = await tx.membership.findFirst({ where: { workspaceId: ctx.workspaceId, userId }, include: { user: true } });
    const metadata = { organizationId: via.organizationId, via: via.reason };
    if (!member) {
      if (role === null) return "unchanged" as const;
      const created = await tx.membership.create({ data: { id: newId("mem"), workspaceId: ctx.workspaceId, userId, role }, include: { user: true } });
      await recordAudit(
        ctx,
        { action: "member.add", targetType: "member", targetId: created.id, metadata: { email: created.user.email, role, ...metadata } },
        tx,
      );
      return "added" as const;
    }
    if (role === member.role) return "unchanged" as const;
    if (member.role === "owner") await assertKeepsAnOwner(tx, ctx, member.id);
    if (role === null) {
      await tx.membership.delete({ where: inWorkspace(ctx, member.id) });
      afterCommit = await endAccessOf(tx, ctx, member.userId);
      await recordAudit(
        ctx,
        { action: "member.remove", targetType: "member", targetId: member.id, metadata: { email: member.user.email, role: member.role, ...metadata } },
        tx,
      );
      return "removed" as const;
    }
    await tx.membership.update({ where: inWorkspace(ctx, member.id), data: { role } });
    await revokeInvitationsBeyond(tx, ctx, member.userId, role);
    await recordAudit(
      ctx,
      {
        action: "member.role_change",
        targetType: "member",
        targetId: member.id,
        metadata: { email: member.user.email, from: member.role, to: role, ...metadata },
      },
      tx,
    );
    return "changed" as const;
  });
  if (afterCommit) await (afterCommit as () => Promise<void>)();
  return outcome;
}
