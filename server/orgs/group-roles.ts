import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { ROLES, type Role } from "@/lib/permissions";
import type { setGroupRolesInputSchema } from "@/lib/schemas/organizations";
import type { TenantContext } from "@/server/context";
import { db, orgScope } from "@/server/db/client";
import { setMembershipForOrganization } from "@/server/workspaces/members";
import { recordOrgAudit } from "./audit";
import { type OrgContext, requireOrgAdmin } from "./context";

const RANK: Record<Role, number> = Object.fromEntries(ROLES.map((r, i) => [r, ROLES.length - i])) as Record<Role, number>;

export async function listGroupRoles(ctx: OrgContext) {
  const rows = await db(orgScope(ctx.organizationId)).orgGroupRole.findMany({
    where: { organizationId: ctx.organizationId },
    orderBy: [{ group: "asc" }, { workspaceId: "asc" }],
  });
  const workspaces = new Map(
    (await db(orgScope(ctx.organizationId)).workspace.findMany({ where: { organizationId: ctx.organizationId }, select: { id: true, slug: true } })).map(
      (w) => [w.id, w.slug],
    ),
  );
  return rows.map((r) => ({ group: r.group, workspace: workspaces.get(r.workspaceId) ?? null, role: r.role as Role }));
}

/** Replaces the whole mapping (owners and admins); every workspace named must belong to the organisation. */
export async function setGroupRoles(ctx: OrgContext, input: z.output<typeof setGroupRolesInputSchema>) {
  requireOrgAdmin(ctx);
  const scoped = db(orgScope(ctx.organizationId));
  const workspaces = await scoped.workspace.findMany({ where: { organizationId: ctx.organizationId, deletedAt: null }, select: { id: true, slug: true } });
  const bySlug = new Map(workspaces.map((w) => [w.slug, w.id]));
  const rows = input.mappings.map((m, i) => {
    const workspaceId = bySlug.get(m.workspace);
    if (!workspaceId)
      throw new AppError("VALIDATION_FAILED", `The workspace "${m.workspace}" is not in this organisation`, {
        issues: [{ path: `mappings.${i}.workspace`, message: "Not a workspace of this organisation" }],
      });
    if (m.role === "owner")
      throw new AppError("VALIDATION_FAILED", "A group cannot grant the owner role", { issues: [{ path: `mappings.${i}.role`, message: "Admin at most" }] });
    return { organizationId: ctx.organizationId, group: m.group, workspaceId, role: m.role };
  });
  await scoped.$transaction(async (tx) => {
    await tx.orgGroupRole.deleteMany({ where: { organizationId: ctx.organizationId } });
    if (rows.length > 0) await tx.orgGroupRole.createMany({ data: rows, skipDuplicates: true });
    await recordOrgAudit(tx, ctx, {
      action: "org.group_roles",
      targetType: "organization",
      targetId: ctx.organizationId,
      metadata: { mappings: input.mappings },
    });
  });
  return listGroupRoles(ctx);
}

/**
 * The role a person with these groups gets in each managed workspace (a workspace named by any mapping): the highest
 * mapped role, or null (no membership).
 */
export async function rolesForGroups(organizationId: string, groups: readonly string[]): Promise<Map<string, { slug: string; role: Role | null }>> {
  const scoped = db(orgScope(organizationId));
  const mappings = await scoped.orgGroupRole.findMany({ where: { organizationId } });
  const slugs = new Map(
    (await scoped.workspace.findMany({ where: { organizationId, deletedAt: null }, select: { id: true, slug: true } })).map((w) => [w.id, w.slug]),
  );
  const wanted = new Set(groups);
  const out = new Map<string, { slug: string; role: Role | null }>();
  for (const m of mappings) {
    const slug = slugs.get(m.workspaceId);
    if (!slug) continue;
    const current = out.get(m.workspaceId) ?? { slug, role: null };
    const role = m.role as Role;
    if (wanted.has(m.group) && (current.role === null || RANK[role] > RANK[current.role])) current.role = role;
    out.set(m.workspaceId, current);
  }
  return out;
}

/**
 * Applies a person's groups to the organisation's managed workspaces: memberships are added, changed or removed to
 * match; an owner is left as is (a mapping never demotes or removes an owner). `actor` is who acts in the
 * workspaces' audit trails (the person signing in with SSO, or the SCIM token's creator).
 */
export async function applyGroupRoles(
  organizationId: string,
  userId: string,
  groups: readonly string[],
  actor: { userId: string; email: string },
  reason: "sso" | "scim" | "group_mapping",
  meta: { requestId?: string } = {},
) {
  const changes: { workspace: string; outcome: string }[] = [];
  for (const [workspaceId, { slug, role }] of await rolesForGroups(organizationId, groups)) {
    const ctx: TenantContext = {
      workspaceId,
      workspaceSlug: slug,
      actor: { type: "user", userId: actor.userId, email: actor.email },
      role: "owner",
      permissions: new Set(),
      requestId: meta.requestId,
    };
    const current = await db(ctx).membership.findFirst({ where: { workspaceId, userId }, select: { role: true } });
    if (current?.role === "owner") continue;
    const outcome = await setMembershipForOrganization(ctx, userId, role, { organizationId, reason });
    if (outcome !== "unchanged") changes.push({ workspace: slug, outcome });
  }
  return changes;
}
