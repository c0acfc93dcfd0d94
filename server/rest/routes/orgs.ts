/**
 * The organisation administration API (`/api/v1/orgs/{org}/...`, docs/api.md "Organisations"): organisation-token
 * routes (server/rest/org-token.ts), the same services as the tRPC `orgs` router.
 */
import { z } from "zod";
import { roleSchema, slugSchema } from "@/lib/schemas/common";
import {
  addDomainInputSchema,
  organizationSchema,
  orgAuditEntrySchema,
  orgDomainSchema,
  orgPersonSchema,
  orgWorkspaceSchema,
  setGroupRolesInputSchema,
  updateOrgPolicyInputSchema,
} from "@/lib/schemas/organizations";
import { text } from "@/lib/schemas/text";
import { addDomain, listDomains, removeDomain, verifyDomain } from "@/server/orgs/domains";
import { listGroupRoles, setGroupRoles } from "@/server/orgs/group-roles";
import { listOrgPeople, removeFromOrganization } from "@/server/orgs/people";
import { getOrganization, listOrgAudit, listOrgWorkspaces, updateOrgPolicy } from "@/server/orgs/service";
import { defineOrgRoute } from "../org-token";

const TAG = "Organisations";
const orgParams = z.strictObject({ org: slugSchema.describe("The organisation's slug") });
const domainParams = z.strictObject({ org: slugSchema, domainId: text().max(64).describe("The domain's id (odm_...)") });
const personParams = z.strictObject({ org: slugSchema, userId: text().max(64).describe("The person's user id (usr_...)") });
const groupRolesSchema = z.array(
  z.object({ group: z.string(), workspace: z.string().nullable().describe("null: the workspace has left the organisation"), role: roleSchema }),
);

export const getOrganizationRoute = defineOrgRoute({
  method: "GET",
  path: "/api/v1/orgs/{org}",
  operationId: "getOrganization",
  summary: "The organisation, its policy and the token creator's role",
  tag: TAG,
  params: orgParams,
  response: organizationSchema,
  handler: ({ ctx }) => getOrganization(ctx),
});

export const updateOrgPolicyRoute = defineOrgRoute({
  method: "PATCH",
  path: "/api/v1/orgs/{org}/policy",
  operationId: "updateOrgPolicy",
  summary: "Change the organisation's policy (any subset of its fields)",
  tag: TAG,
  params: orgParams,
  body: updateOrgPolicyInputSchema,
  errors: ["FORBIDDEN"],
  response: organizationSchema,
  handler: ({ ctx, body }) => updateOrgPolicy(ctx, body),
});

export const listOrgWorkspacesRoute = defineOrgRoute({
  method: "GET",
  path: "/api/v1/orgs/{org}/workspaces",
  operationId: "listOrgWorkspaces",
  summary: "The organisation's workspaces",
  tag: TAG,
  params: orgParams,
  response: z.array(orgWorkspaceSchema),
  handler: ({ ctx }) => listOrgWorkspaces(ctx),
});

export const listOrgPeopleRoute = defineOrgRoute({
  method: "GET",
  path: "/api/v1/orgs/{org}/people",
  operationId: "listOrgPeople",
  summary: "Everyone in the organisation and its workspaces, with their roles",
  tag: TAG,
  params: orgParams,
  response: z.array(orgPersonSchema),
  handler: ({ ctx }) => listOrgPeople(ctx),
});

export const removeOrgPersonRoute = defineOrgRoute({
  method: "DELETE",
  path: "/api/v1/orgs/{org}/people/{userId}",
  operationId: "removeOrgPerson",
  summary: "Remove a person from the organisation and all its workspaces",
  tag: TAG,
  params: personParams,
  errors: ["FORBIDDEN", "CONFLICT"],
  response: z.object({ removed: z.literal(true), workspaces: z.array(z.string()).describe("The workspaces they were removed from") }),
  handler: ({ ctx, params }) => removeFromOrganization(ctx, params.userId, ctx.creator),
});

export const listOrgDomainsRoute = defineOrgRoute({
  method: "GET",
  path: "/api/v1/orgs/{org}/domains",
  operationId: "listOrgDomains",
  summary: "The organisation's email domains, verified or not",
  tag: TAG,
  params: orgParams,
  response: z.array(orgDomainSchema),
  handler: ({ ctx }) => listDomains(ctx),
});

export const addOrgDomainRoute = defineOrgRoute({
  method: "POST",
  path: "/api/v1/orgs/{org}/domains",
  operationId: "addOrgDomain",
  summary: "Claim an email domain (verified by a DNS TXT record)",
  tag: TAG,
  params: orgParams,
  body: addDomainInputSchema,
  status: 201,
  idempotent: true,
  errors: ["FORBIDDEN", "CONFLICT"],
  response: orgDomainSchema,
  handler: ({ ctx, body }) => addDomain(ctx, body),
});

export const verifyOrgDomainRoute = defineOrgRoute({
  method: "POST",
  path: "/api/v1/orgs/{org}/domains/{domainId}/verify",
  operationId: "verifyOrgDomain",
  summary: "Check the domain's TXT record (422 while it is not there yet)",
  tag: TAG,
  params: domainParams,
  idempotent: false,
  errors: ["FORBIDDEN"],
  response: orgDomainSchema,
  handler: ({ ctx, params }) => verifyDomain(ctx, params.domainId),
});

export const removeOrgDomainRoute = defineOrgRoute({
  method: "DELETE",
  path: "/api/v1/orgs/{org}/domains/{domainId}",
  operationId: "removeOrgDomain",
  summary: "Remove a domain",
  tag: TAG,
  params: domainParams,
  errors: ["FORBIDDEN"],
  response: z.object({ ok: z.literal(true) }),
  handler: async ({ ctx, params }) => {
    await removeDomain(ctx, params.domainId);
    return { ok: true as const };
  },
});

export const listOrgGroupRolesRoute = defineOrgRoute({
  method: "GET",
  path: "/api/v1/orgs/{org}/group-roles",
  operationId: "listOrgGroupRoles",
  summary: "The identity provider group → workspace role mapping",
  tag: TAG,
  params: orgParams,
  response: groupRolesSchema,
  handler: ({ ctx }) => listGroupRoles(ctx),
});

export const setOrgGroupRolesRoute = defineOrgRoute({
  method: "PUT",
  path: "/api/v1/orgs/{org}/group-roles",
  operationId: "setOrgGroupRoles",
  summary: "Replace the whole group → workspace role mapping",
  tag: TAG,
  params: orgParams,
  body: setGroupRolesInputSchema,
  errors: ["FORBIDDEN"],
  response: groupRolesSchema,
  handler: ({ ctx, body }) => setGroupRoles(ctx, body),
});

export const listOrgAuditRoute = defineOrgRoute({
  method: "GET",
  path: "/api/v1/orgs/{org}/audit",
  operationId: "listOrgAudit",
  summary: "The newest 200 entries of the organisation's audit trail",
  tag: TAG,
  params: orgParams,
  errors: ["FORBIDDEN"],
  response: z.array(orgAuditEntrySchema),
  handler: ({ ctx }) => listOrgAudit(ctx, 200),
});
