import { z } from "zod";
import {
  addDomainInputSchema,
  createOrganizationInputSchema,
  domainIdInputSchema,
  groupRoleSchema,
  myOrganizationSchema,
  orgAuditEntrySchema,
  orgDomainSchema,
  organizationSchema,
  orgPersonSchema,
  orgRoleSchema,
  orgWorkspaceInputSchema,
  orgWorkspaceSchema,
  removeOrgPersonInputSchema,
  setGroupRolesInputSchema,
  setOrgRoleInputSchema,
  updateOrgPolicyInputSchema,
} from "@/lib/schemas/organizations";
import { createWorkspaceInputSchema, myWorkspaceSchema } from "@/lib/schemas/workspaces";
import { AppError } from "@/lib/errors";
import { authedProcedure, orgProcedure, router } from "../trpc";
import {
  attachWorkspace,
  createOrganization,
  createOrgWorkspace,
  detachWorkspace,
  getOrganization,
  listMyOrganizations,
  listOrgAudit,
  listOrgWorkspaces,
  updateOrgPolicy,
} from "@/server/orgs/service";
import { addDomain, listDomains, removeDomain, verifyDomain } from "@/server/orgs/domains";
import { listOrgPeople, removeFromOrganization, setOrgRole } from "@/server/orgs/people";
import { listGroupRoles, setGroupRoles } from "@/server/orgs/group-roles";
import { resolveUserTenant } from "@/server/workspaces/tenant";

const meta = (ctx: { requestId: string; clientIp?: string; userAgent?: string }) => ({
  requestId: ctx.requestId,
  clientIp: ctx.clientIp,
  userAgent: ctx.userAgent,
});
const done = z.object({ ok: z.literal(true) });

/** Organisations above workspaces (docs/organizations.md): the organisation is the x-cadre-org header. */
export const orgsRouter = router({
  listMine: authedProcedure.output(z.array(myOrganizationSchema)).query(({ ctx }) => listMyOrganizations(ctx.user.id)),
  create: authedProcedure
    .input(createOrganizationInputSchema)
    .output(organizationSchema)
    .mutation(({ ctx, input }) => createOrganization(ctx.user, input, meta(ctx))),
  get: orgProcedure("member")
    .output(organizationSchema)
    .query(({ ctx }) => getOrganization(ctx.org)),
  updatePolicy: orgProcedure("admin")
    .input(updateOrgPolicyInputSchema)
    .output(organizationSchema)
    .mutation(({ ctx, input }) => updateOrgPolicy(ctx.org, input)),
  workspaces: orgProcedure("member")
    .output(z.array(orgWorkspaceSchema))
    .query(({ ctx }) => listOrgWorkspaces(ctx.org)),
  createWorkspace: orgProcedure("member")
    .input(createWorkspaceInputSchema)
    .output(myWorkspaceSchema)
    .mutation(({ ctx, input }) => createOrgWorkspace(ctx.org, ctx.user, input)),
  /** brings a workspace the caller owns into the organisation */
  attachWorkspace: orgProcedure("admin")
    .input(orgWorkspaceInputSchema)
    .output(done)
    .mutation(async ({ ctx, input }) => {
      const tenant = await resolveUserTenant(ctx.user, input.workspace, ctx.requestId);
      await attachWorkspace(ctx.org, { ...tenant, clientIp: ctx.clientIp, userAgent: ctx.userAgent });
      return { ok: true as const };
    }),
  detachWorkspace: orgProcedure("admin")
    .input(orgWorkspaceInputSchema)
    .output(done)
    .mutation(async ({ ctx, input }) => {
      await detachWorkspace(ctx.org, input.workspace);
      return { ok: true as const };
    }),
  people: orgProcedure("admin")
    .output(z.array(orgPersonSchema))
    .query(({ ctx }) => listOrgPeople(ctx.org)),
  setRole: orgProcedure("admin")
    .input(setOrgRoleInputSchema)
    .output(z.object({ userId: z.string(), role: orgRoleSchema }))
    .mutation(({ ctx, input }) => setOrgRole(ctx.org, input.userId, input.role)),
  /** removes a person from the organisation and every one of its workspaces at once */
  removePerson: orgProcedure("admin")
    .input(removeOrgPersonInputSchema)
    .output(z.object({ removed: z.literal(true), workspaces: z.array(z.string()) }))
    .mutation(({ ctx, input }) => {
      if (ctx.org.actor.type !== "user") throw new AppError("FORBIDDEN", "Only a person can do this");
      return removeFromOrganization(ctx.org, input.userId, ctx.user);
    }),
  domains: orgProcedure("admin")
    .output(z.array(orgDomainSchema))
    .query(({ ctx }) => listDomains(ctx.org)),
  addDomain: orgProcedure("admin")
    .input(addDomainInputSchema)
    .output(orgDomainSchema)
    .mutation(({ ctx, input }) => addDomain(ctx.org, input)),
  verifyDomain: orgProcedure("admin")
    .input(domainIdInputSchema)
    .output(orgDomainSchema)
    .mutation(({ ctx, input }) => verifyDomain(ctx.org, input.id)),
  removeDomain: orgProcedure("admin")
    .input(domainIdInputSchema)
    .output(done)
    .mutation(async ({ ctx, input }) => {
      await removeDomain(ctx.org, input.id);
      return { ok: true as const };
    }),
  groupRoles: orgProcedure("admin")
    .output(z.array(groupRoleSchema.extend({ workspace: z.string().nullable() })))
    .query(({ ctx }) => listGroupRoles(ctx.org)),
  setGroupRoles: orgProcedure("admin")
    .input(setGroupRolesInputSchema)
    .output(z.array(groupRoleSchema.extend({ workspace: z.string().nullable() })))
    .mutation(({ ctx, input }) => setGroupRoles(ctx.org, input)),
  audit: orgProcedure("admin")
    .input(z.strictObject({ limit: z.number().int().min(1).max(500).optional() }).optional())
    .output(z.array(orgAuditEntrySchema))
    .query(({ ctx, input }) => listOrgAudit(ctx.org, input?.limit)),
});
