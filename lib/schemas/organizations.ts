import { z } from "zod";
import { displayName, text } from "./text";
import { roleSchema, slugSchema } from "./common";

/** A person's role in an organisation: owners and admins administer it, members are listed. */
export const ORG_ROLES = ["owner", "admin", "member"] as const;
export const orgRoleSchema = z.enum(ORG_ROLES);
export type OrgRole = z.infer<typeof orgRoleSchema>;

/** Sign-in methods an organisation can allow its members (password, the social providers, its own SSO). */
export const SIGN_IN_METHODS = ["password", "github", "google", "sso"] as const;
export const signInMethodSchema = z.enum(SIGN_IN_METHODS);
export type SignInMethod = z.infer<typeof signInMethodSchema>;

export const orgNameSchema = displayName().trim().min(1, "Enter a name").max(80, "At most 80 characters");
export const createOrganizationInputSchema = z.strictObject({ name: orgNameSchema, slug: slugSchema });

/** An email domain (lower case, at least one dot, no wildcard). */
export const emailDomainSchema = text()
  .trim()
  .toLowerCase()
  .max(253, "At most 253 characters")
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, "A domain such as example.com");

/** An IPv4/IPv6 address or CIDR range (checked again with ipaddr.js on the server). */
export const ipRangeSchema = text()
  .trim()
  .max(64, "At most 64 characters")
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, "An address or a CIDR range such as 203.0.113.0/24");

export const orgPolicySchema = z.object({
  allowedSignInMethods: z.array(signInMethodSchema).min(1, "Allow at least one sign-in method").max(4),
  ssoEnforced: z.boolean().describe("People on a verified domain must sign in with the organisation's SSO"),
  mfaRequired: z.boolean().describe("Members must have a second factor to use the organisation's workspaces"),
  sessionMaxAgeMinutes: z
    .number()
    .int("A whole number")
    .min(5, "At least 5 minutes")
    .max(43_200, "At most 30 days")
    .nullable()
    .describe("Sessions of members end this long after sign-in; null: the server's session lifetime"),
  invitationDomains: z.array(emailDomainSchema).max(50).describe("Invitations to its workspaces only to these domains; empty: any"),
  workspaceCreation: z.enum(["admins", "members"]).describe("Who may create a workspace in the organisation"),
  apiIpAllowlist: z.array(ipRangeSchema).max(100).describe("API keys of its workspaces work only from these addresses; empty: any"),
});
export type OrgPolicy = z.infer<typeof orgPolicySchema>;

export const updateOrgPolicyInputSchema = orgPolicySchema.partial().strict();

export const organizationSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    role: orgRoleSchema.describe("The caller's role in the organisation"),
    createdAt: z.date(),
    policy: orgPolicySchema,
  })
  .meta({ id: "Organization" });

export const myOrganizationSchema = z.object({ id: z.string(), slug: z.string(), name: z.string(), role: orgRoleSchema });

export const orgWorkspaceSchema = z.object({ id: z.string(), slug: z.string(), name: z.string(), createdAt: z.date() });

export const orgDomainSchema = z
  .object({
    id: z.string(),
    domain: z.string(),
    verified: z.boolean(),
    verifiedAt: z.date().nullable(),
    verifiedBy: z.enum(["dns", "operator"]).nullable(),
    txtRecordName: z.string().describe("Where the TXT record goes"),
    txtRecordValue: z.string().describe("What the TXT record must hold"),
    createdAt: z.date(),
  })
  .meta({ id: "OrganizationDomain" });

export const orgPersonSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  orgRole: orgRoleSchema.nullable().describe("Their role in the organisation; null: only a member of its workspaces"),
  workspaces: z.array(z.object({ slug: z.string(), name: z.string(), role: roleSchema })),
});

export const setOrgRoleInputSchema = z.strictObject({ userId: text().max(64), role: orgRoleSchema });
export const removeOrgPersonInputSchema = z.strictObject({ userId: text().max(64) });
export const orgWorkspaceInputSchema = z.strictObject({ workspace: slugSchema });
export const addDomainInputSchema = z.strictObject({ domain: emailDomainSchema });
export const domainIdInputSchema = z.strictObject({ id: text().max(64) });

export const groupRoleSchema = z.object({
  group: text().trim().min(1, "Enter a group").max(256, "At most 256 characters").describe("The group's name as the identity provider sends it"),
  workspace: slugSchema.describe("A workspace of the organisation"),
  role: roleSchema.describe("The role the group grants there (admin at most)"),
});
export const setGroupRolesInputSchema = z.strictObject({ mappings: z.array(groupRoleSchema).max(500) });

/** What an organisation's audit trail records (OrganizationAuditLog.action). */
export const ORG_AUDIT_ACTIONS = [
  "org.create",
  "org.update_policy",
  "org.workspace_attach",
  "org.workspace_detach",
  "org.workspace_create",
  "org.member_role",
  "org.member_remove",
  "org.domain_add",
  "org.domain_verify",
  "org.domain_remove",
  "org.group_roles",
  "org.sso_update",
  "org.sso_delete",
  "org.scim_token_create",
  "org.scim_token_revoke",
  "org.scim_user",
  "org.scim_group",
  "org.sso_provision",
] as const;
export type OrgAuditAction = (typeof ORG_AUDIT_ACTIONS)[number];

export const orgAuditEntrySchema = z.object({
  id: z.string(),
  actorType: z.string(),
  actorLabel: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.date(),
});
