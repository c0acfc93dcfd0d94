/**
 * What a SCIM user's state means for their access: deactivation ends it at once (every session, their memberships
 * of the organisation's workspaces with their API keys and runs, as a member removal does; sign-in refused while
 * `User.deactivatedAt` is set), re-activation restores it (the remembered memberships, then the roles their groups
 * map to). Group changes re-apply the mapped workspace roles of the people concerned.
 */
import type { Role } from "@/lib/permissions";
import { revokeAllSessions } from "@/server/auth/sessions";
import { db, NO_TENANT, orgScope } from "@/server/db/client";
import { applyGroupRoles } from "@/server/orgs/group-roles";
import { setMembershipForOrganization } from "@/server/workspaces/members";
import { actingIn, orgWorkspaces, type ScimContext } from "./context";

export interface SuspendedMembership {
  workspaceId: string;
  role: Role;
}

/** The display names of the SCIM groups a person belongs to in the organisation (what OrgGroupRole maps). */
export async function groupsOf(organizationId: string, scimUserId: string): Promise<string[]> {
  const rows = await db(orgScope(organizationId)).scimGroupMember.findMany({
    where: { organizationId, scimUserId },
    select: { group: { select: { displayName: true } } },
  });
  return rows.map((r) => r.group.displayName);
}

/** Re-applies the group-mapped workspace roles of these SCIM users (the active ones: an inactive person gets none). */
export async function reapplyGroupRoles(ctx: ScimContext, scimUserIds: readonly string[]) {
  if (scimUserIds.length === 0) return;
  const users = await db(orgScope(ctx.organizationId)).scimUser.findMany({
    where: { organizationId: ctx.organizationId, id: { in: [...new Set(scimUserIds)] }, active: true },
    select: { id: true, userId: true },
  });
  for (const u of users) {
    await applyGroupRoles(ctx.organizationId, u.userId, await groupsOf(ctx.organizationId, u.id), ctx.creator, "scim", { requestId: ctx.requestId });
  }
}

/**
 * Ends the person's access: sessions first (the sign-in is refused from this statement on), then each membership of
 * the organisation's workspaces is removed as a member removal does (API keys revoked, runs cancelled) and
 * remembered. An owner's membership is kept (a workspace keeps its owner) but their API keys there are revoked.
 */
export async function endAccess(ctx: ScimContext, userId: string): Promise<SuspendedMembership[]> {
  await db(NO_TENANT).$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { deactivatedAt: new Date() } });
    await revokeAllSessions(userId, tx);
  });
  const removed: SuspendedMembership[] = [];
  for (const ws of await orgWorkspaces(ctx.organizationId)) {
    const tenant = actingIn(ctx, ws);
    const member = await db(tenant).membership.findFirst({ where: { workspaceId: ws.id, userId }, select: { role: true } });
    if (!member) continue;
    if (member.role === "owner") {
      await db(tenant).apiKey.updateMany({ where: { workspaceId: ws.id, createdById: userId, revokedAt: null }, data: { revokedAt: new Date() } });
      continue;
    }
    const outcome = await setMembershipForOrganization(tenant, userId, null, { organizationId: ctx.organizationId, reason: "scim" });
    if (outcome === "removed") removed.push({ workspaceId: ws.id, role: member.role as Role });
  }
  return removed;
}

/** Restores access: sign-in allowed again, the remembered memberships back, then the roles the person's groups map. */
export async function restoreAccess(ctx: ScimContext, scim: { id: string; userId: string }, suspended: readonly SuspendedMembership[]) {
  await db(NO_TENANT).user.update({ where: { id: scim.userId }, data: { deactivatedAt: null } });
  const workspaces = new Map((await orgWorkspaces(ctx.organizationId)).map((w) => [w.id, w]));
  for (const s of suspended) {
    const ws = workspaces.get(s.workspaceId);
    if (!ws) continue; // detached from the organisation or deleted since
    await setMembershipForOrganization(actingIn(ctx, ws), scim.userId, s.role, { organizationId: ctx.organizationId, reason: "scim" });
  }
  await applyGroupRoles(ctx.organizationId, scim.userId, await groupsOf(ctx.organizationId, scim.id), ctx.creator, "scim", { requestId: ctx.requestId });
}

export function suspendedOf(value: unknown): SuspendedMembership[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is SuspendedMembership => typeof v === "object" && v !== null && typeof v.workspaceId === "string" && typeof v.role === "string");
}
