import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { createOrganizationInputSchema, orgPolicySchema, updateOrgPolicyInputSchema, type OrgPolicy, type OrgRole } from "@/lib/schemas/organizations";
import { db, orgScope, userScope } from "@/server/db/client";
import { prismaCode } from "@/server/db/errors";
import type { TenantContext } from "@/server/context";
import type { createWorkspaceInputSchema } from "@/lib/schemas/workspaces";
import { createWorkspace } from "@/server/workspaces/workspaces";
import { type OrgContext, requireOrgAdmin } from "./context";
import { recordOrgAudit } from "./audit";
import { normaliseIpRanges } from "@/lib/ip-allowlist";
import { trustsProxies } from "@/server/http/client-address";

const POLICY_SELECT = {
  allowedSignInMethods: true,
  ssoEnforced: true,
  mfaRequired: true,
  sessionMaxAgeMinutes: true,
  invitationDomains: true,
  workspaceCreation: true,
  apiIpAllowlist: true,
} as const;

type PolicyRow = { [K in keyof typeof POLICY_SELECT]: unknown };

export function policyOf(row: PolicyRow): OrgPolicy {
  return orgPolicySchema.parse(row);
}

/** Creates an organisation with the person as its owner. */
export async function createOrganization(
  user: { id: string; email: string },
  input: z.input<typeof createOrganizationInputSchema>,
  meta: { requestId?: string; clientIp?: string; userAgent?: string } = {},
) {
  const { name, slug } = createOrganizationInputSchema.parse(input);
  const organizationId = newId("org");
  const ctx: OrgContext = { organizationId, organizationSlug: slug, actor: { type: "user", userId: user.id, email: user.email }, role: "owner", ...meta };
  try {
    const org = await db(orgScope(organizationId)).$transaction(async (tx) => {
      const created = await tx.organization.create({ data: { id: organizationId, name, slug } });
      await tx.organizationMember.create({ data: { organizationId, userId: user.id, role: "owner" } });
      await recordOrgAudit(tx, ctx, { action: "org.create", targetType: "organization", targetId: organizationId, metadata: { name, slug } });
      return created;
    });
    return { id: org.id, slug: org.slug, name: org.name, role: "owner" as OrgRole, createdAt: org.createdAt, policy: policyOf(org) };
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", `The slug "${slug}" is taken`);
    throw error;
  }
}

/** The organisations the person belongs to, with their role. */
export async function listMyOrganizations(userId: string) {
  const rows = await db(userScope(userId)).organizationMember.findMany({
    where: { userId },
    include: { organization: { select: { id: true, slug: true, name: true } } },
    orderBy: { organization: { name: "asc" } },
  });
  return rows.map((r) => ({ ...r.organization, role: r.role as OrgRole }));
}

export async function getOrganization(ctx: OrgContext) {
  const org = await db(orgScope(ctx.organizationId)).organization.findUnique({ where: { id: ctx.organizationId } });
  if (!org) throw new AppError("NOT_FOUND", "Organisation not found");
  return { id: org.id, slug: org.slug, name: org.name, role: ctx.role ?? ("member" as OrgRole), createdAt: org.createdAt, policy: policyOf(org) };
}

/** Changes the policy (owners and admins); audited with what changed. */
export async function updateOrgPolicy(ctx: OrgContext, input: z.input<typeof updateOrgPolicyInputSchema>) {
  requireOrgAdmin(ctx);
  const patch = updateOrgPolicyInputSchema.parse(input);
  if (patch.apiIpAllowlist) patch.apiIpAllowlist = normaliseIpRanges(patch.apiIpAllowlist);
  // without trusted proxies the server cannot tell a client's address: a list would refuse every key
  if (patch.apiIpAllowlist?.length && !trustsProxies())
    throw new AppError(
      "VALIDATION_FAILED",
      "This server does not know client addresses (CADRE_TRUSTED_PROXIES is not set): an IP allowlist would refuse every API key",
      {
        issues: [{ path: "apiIpAllowlist", message: "Needs CADRE_TRUSTED_PROXIES on the server" }],
      },
    );
  if (patch.invitationDomains) patch.invitationDomains = [...new Set(patch.invitationDomains)];
  if (patch.allowedSignInMethods) patch.allowedSignInMethods = [...new Set(patch.allowedSignInMethods)];
  return db(orgScope(ctx.organizationId)).$transaction(async (tx) => {
    const before = await tx.organization.findUnique({ where: { id: ctx.organizationId }, select: POLICY_SELECT });
    if (!before) throw new AppError("NOT_FOUND", "Organisation not found");
    const next = policyOf({ ...before, ...patch });
    if (next.ssoEnforced && !next.allowedSignInMethods.includes("sso"))
      throw new AppError("VALIDATION_FAILED", "Forced SSO needs SSO among the allowed sign-in methods", {
        issues: [{ path: "allowedSignInMethods", message: "Allow SSO to force it" }],
      });
    const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify((before as Record<string, unknown>)[k])));
    const updated = await tx.organization.update({ where: { id: ctx.organizationId }, data: patch });
    if (Object.keys(changed).length > 0)
      await recordOrgAudit(tx, ctx, { action: "org.update_policy", targetType: "organization", targetId: ctx.organizationId, metadata: { changed } });
    return {
      id: updated.id,
      slug: updated.slug,
      name: updated.name,
      role: ctx.role ?? ("member" as OrgRole),
      createdAt: updated.createdAt,
      policy: policyOf(updated),
    };
  });
}

export async function listOrgWorkspaces(ctx: OrgContext) {
  return db(orgScope(ctx.organizationId)).workspace.findMany({
    where: { organizationId: ctx.organizationId, deletedAt: null },
    select: { id: true, slug: true, name: true, createdAt: true },
    orderBy: { name: "asc" },
  });
}

/**
 * Brings a workspace into the organisation (its policy then applies there): the person must be an owner of the
 * workspace and an owner or admin of the organisation. A workspace belongs to one organisation at most.
 */
export async function attachWorkspace(orgCtx: OrgContext, tenant: TenantContext) {
  requireOrgAdmin(orgCtx);
  if (tenant.role !== "owner" || tenant.actor.type !== "user")
    throw new AppError("FORBIDDEN", "Only an owner of the workspace can bring it into an organisation");
  await db(tenant).$transaction(async (tx) => {
    const ws = await tx.workspace.findUnique({ where: { id: tenant.workspaceId }, select: { organizationId: true } });
    if (!ws) throw new AppError("NOT_FOUND", "Workspace not found");
    if (ws.organizationId === orgCtx.organizationId) return;
    if (ws.organizationId) throw new AppError("CONFLICT", "The workspace belongs to another organisation: remove it from there first");
    await tx.workspace.update({ where: { id: tenant.workspaceId }, data: { organizationId: orgCtx.organizationId } });
  });
  await db(orgScope(orgCtx.organizationId)).$transaction((tx) =>
    recordOrgAudit(tx, orgCtx, {
      action: "org.workspace_attach",
      targetType: "workspace",
      targetId: tenant.workspaceId,
      metadata: { slug: tenant.workspaceSlug },
    }),
  );
}

/** Takes a workspace out of the organisation (an org owner or admin; the workspace keeps its members and content). */
export async function detachWorkspace(ctx: OrgContext, workspaceSlug: string) {
  requireOrgAdmin(ctx);
  const ws = await db(orgScope(ctx.organizationId)).workspace.findFirst({
    where: { organizationId: ctx.organizationId, slug: workspaceSlug },
    select: { id: true, slug: true },
  });
  if (!ws) throw new AppError("NOT_FOUND", "Workspace not found in this organisation");
  await db({ workspaceId: ws.id }).workspace.update({ where: { id: ws.id }, data: { organizationId: null } });
  await db(orgScope(ctx.organizationId)).$transaction((tx) =>
    recordOrgAudit(tx, ctx, { action: "org.workspace_detach", targetType: "workspace", targetId: ws.id, metadata: { slug: ws.slug } }),
  );
}

export async function listOrgAudit(ctx: OrgContext, limit = 100) {
  requireOrgAdmin(ctx);
  const rows = await db(orgScope(ctx.organizationId)).organizationAuditLog.findMany({
    where: { organizationId: ctx.organizationId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(Math.max(limit, 1), 500),
  });
  return rows.map((r) => ({ ...r, metadata: (r.metadata ?? {}) as Record<string, unknown> }));
}

/**
 * Creates a workspace in the organisation, with the person as its owner: org owners and admins always, members when
 * the policy lets members create workspaces.
 */
export async function createOrgWorkspace(ctx: OrgContext, user: { id: string; email: string }, input: z.input<typeof createWorkspaceInputSchema>) {
  const org = await db(orgScope(ctx.organizationId)).organization.findUnique({ where: { id: ctx.organizationId }, select: { workspaceCreation: true } });
  if (!org) throw new AppError("NOT_FOUND", "Organisation not found");
  if (org.workspaceCreation === "admins") requireOrgAdmin(ctx);
  const workspace = await createWorkspace(user, input, ctx.requestId, { clientIp: ctx.clientIp, userAgent: ctx.userAgent }, ctx.organizationId);
  await db(orgScope(ctx.organizationId)).$transaction((tx) =>
    recordOrgAudit(tx, ctx, { action: "org.workspace_create", targetType: "workspace", targetId: workspace.id, metadata: { slug: workspace.slug } }),
  );
  return workspace;
}
