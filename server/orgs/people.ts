import { AppError } from "@/lib/errors";
import type { Role } from "@/lib/permissions";
import type { OrgRole } from "@/lib/schemas/organizations";
import type { TenantContext } from "@/server/context";
import { db, orgScope } from "@/server/db/client";
import { setMembershipForOrganization } from "@/server/workspaces/members";
import { recordOrgAudit } from "./audit";
import { type OrgContext, requireOrgAdmin, requireOrgOwner } from "./context";

/** The organisation's workspaces (id, slug, name). */
async function workspacesOf(organizationId: string) {
  return db(orgScope(organizationId)).workspace.findMany({
    where: { organizationId, deletedAt: null },
    select: { id: true, slug: true, name: true },
    orderBy: { name: "asc" },
  });
}

/** A context to act in one of the organisation's workspaces for it (member management only). */
function actingIn(ctx: OrgContext, ws: { id: string; slug: string }, actor: { id: string; email: string }): TenantContext {
  return {
    workspaceId: ws.id,
    workspaceSlug: ws.slug,
    actor: { type: "user", userId: actor.id, email: actor.email },
    role: "owner",
    permissions: new Set(),
    requestId: ctx.requestId,
    clientIp: ctx.clientIp,
    userAgent: ctx.userAgent,
  };
}

/**
 * Everyone in the organisation: its members (with their org role) and every member of its workspaces, with the
 * workspaces and roles of each (owners and admins only). Read workspace by workspace in each one's own scope.
 */
export async function listOrgPeople(ctx: OrgContext) {
  requireOrgAdmin(ctx);
  const people = new Map<
    string,
    { userId: string; email: string; name: string | null; orgRole: OrgRole | null; workspaces: { slug: string; name: string; role: Role }[] }
  >();
  const orgMembers = await db(orgScope(ctx.organizationId)).organizationMember.findMany({
    where: { organizationId: ctx.organizationId },
    include: { user: { select: { email: true, name: true } } },
  });
  for (const m of orgMembers) people.set(m.userId, { userId: m.userId, email: m.user.email, name: m.user.name, orgRole: m.role as OrgRole, workspaces: [] });
  for (const ws of await workspacesOf(ctx.organizationId)) {
    const members = await db({ workspaceId: ws.id }).membership.findMany({
      where: { workspaceId: ws.id },
      include: { user: { select: { email: true, name: true } } },
    });
    for (const m of members) {
      const person = people.get(m.userId) ?? { userId: m.userId, email: m.user.email, name: m.user.name, orgRole: null, workspaces: [] };
      person.workspaces.push({ slug: ws.slug, name: ws.name, role: m.role as Role });
      people.set(m.userId, person);
    }
  }
  return [...people.values()].sort((a, b) => a.email.localeCompare(b.email));
}

async function assertKeepsAnOrgOwner(ctx: OrgContext, leavingUserId: string) {
  const owners = await db(orgScope(ctx.organizationId)).organizationMember.findMany({
    where: { organizationId: ctx.organizationId, role: "owner" },
    select: { userId: true },
  });
  if (owners.every((o) => o.userId === leavingUserId))
    throw new AppError("CONFLICT", "An organisation must keep at least one owner: make someone else an owner first");
}

/** Sets a person's role in the organisation (owners grant and take away owner; admins manage admins and members). */
export async function setOrgRole(ctx: OrgContext, userId: string, role: OrgRole) {
  requireOrgAdmin(ctx);
  const scoped = db(orgScope(ctx.organizationId));
  const current = await scoped.organizationMember.findUnique({ where: { organizationId_userId: { organizationId: ctx.organizationId, userId } } });
  if (role === "owner" || current?.role === "owner") requireOrgOwner(ctx);
  if (current?.role === "owner" && role !== "owner") await assertKeepsAnOrgOwner(ctx, userId);
  if (!current) {
    // only someone already in the organisation (a member of one of its workspaces) can be given a role in it
    let inWorkspace = false;
    for (const ws of await workspacesOf(ctx.organizationId)) {
      if (await db({ workspaceId: ws.id }).membership.findFirst({ where: { workspaceId: ws.id, userId }, select: { id: true } })) {
        inWorkspace = true;
        break;
      }
    }
    if (!inWorkspace) throw new AppError("NOT_FOUND", "No such person in the organisation");
  }
  await scoped.$transaction(async (tx) => {
    await tx.organizationMember.upsert({
      where: { organizationId_userId: { organizationId: ctx.organizationId, userId } },
      create: { organizationId: ctx.organizationId, userId, role },
      update: { role },
    });
    await recordOrgAudit(tx, ctx, { action: "org.member_role", targetType: "user", targetId: userId, metadata: { from: current?.role ?? null, to: role } });
  });
  return { userId, role };
}

/**
 * Removes a person from the organisation and from every one of its workspaces at once (their keys, runs and
 * invitations there end as with a workspace's own removal). A person who is the last owner of a workspace is refused
 * for that workspace: nothing is removed until the caller fixes it (checked first).
 */
export async function removeFromOrganization(ctx: OrgContext, userId: string, actor: { id: string; email: string }) {
  requireOrgAdmin(ctx);
  if (ctx.actor.type === "user" && ctx.actor.userId === userId) throw new AppError("BAD_REQUEST", "You cannot remove yourself from the organisation here");
  const scoped = db(orgScope(ctx.organizationId));
  const orgMember = await scoped.organizationMember.findUnique({ where: { organizationId_userId: { organizationId: ctx.organizationId, userId } } });
  if (orgMember?.role === "owner") {
    requireOrgOwner(ctx);
    await assertKeepsAnOrgOwner(ctx, userId);
  }
  const workspaces = await workspacesOf(ctx.organizationId);
  const memberOf: { id: string; slug: string }[] = [];
  for (const ws of workspaces) {
    const m = await db({ workspaceId: ws.id }).membership.findFirst({ where: { workspaceId: ws.id, userId }, select: { role: true } });
    if (!m) continue;
    if (m.role === "owner") {
      const owners = await db({ workspaceId: ws.id }).membership.count({ where: { workspaceId: ws.id, role: "owner" } });
      if (owners <= 1) throw new AppError("CONFLICT", `The person is the last owner of the workspace "${ws.slug}": make someone else an owner there first`);
    }
    memberOf.push(ws);
  }
  if (!orgMember && memberOf.length === 0) throw new AppError("NOT_FOUND", "No such person in the organisation");
  for (const ws of memberOf)
    await setMembershipForOrganization(actingIn(ctx, ws, actor), userId, null, { organizationId: ctx.organizationId, reason: "org_admin" });
  await scoped.$transaction(async (tx) => {
    await tx.organizationMember.deleteMany({ where: { organizationId: ctx.organizationId, userId } });
    await recordOrgAudit(tx, ctx, { action: "org.member_remove", targetType: "user", targetId: userId, metadata: { workspaces: memberOf.map((w) => w.slug) } });
  });
  return { removed: true as const, workspaces: memberOf.map((w) => w.slug) };
}
