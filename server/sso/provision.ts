/**
 * Who an SSO sign-in admits, and what they get. Only an address on a VERIFIED domain of this organisation, which the
 * provider did not mark unverified, is accepted: the organisation proved it owns the domain and its provider vouches
 * for the person, so an existing account with that address is linked (and its email marked verified). No account:
 * one is created when the connection provisions just in time, else refused. Then the organisation membership, the
 * default workspace for people new to the organisation, and the workspace roles of their groups.
 */
import { acceptableNameOrNull } from "@/lib/schemas/text";
import { newId } from "@/lib/ids";
import type { Role } from "@/lib/permissions";
import { emailDomainOf, signInMethodRefusal } from "@/server/auth/org-policy";
import { recordAuthEvent } from "@/server/auth/events";
import type { TenantContext } from "@/server/context";
import { db, NO_TENANT, orgScope } from "@/server/db/client";
import { logger } from "@/server/logger";
import { recordOrgAudit } from "@/server/orgs/audit";
import type { OrgContext } from "@/server/orgs/context";
import { applyGroupRoles } from "@/server/orgs/group-roles";
import { setMembershipForOrganization } from "@/server/workspaces/members";
import type { SsoConnectionRow } from "./connection";
import { SsoRefusal } from "./refusal";

interface Meta {
  requestId?: string;
  clientIp?: string;
  userAgent?: string;
}

/** The groups claim as a list of names (a provider may send one group as a string); absent: null. */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] | null {
  const value = claims[claim];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string" && g.length > 0 && g.length <= 256).slice(0, 500);
  return null;
}

export async function provisionSsoPerson(
  org: { id: string; slug: string; name: string },
  connection: SsoConnectionRow,
  claims: Record<string, unknown>,
  meta: Meta,
): Promise<{ id: string; email: string }> {
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  if (!email || email.length > 320) throw new SsoRefusal("sso_email_domain", "no email claim");
  if (claims.email_verified === false || claims.email_verified === "false") throw new SsoRefusal("sso_email_unverified", "email_verified is false");
  const domain = emailDomainOf(email);
  const scoped = db(orgScope(org.id));
  const verified = domain
    ? await scoped.organizationDomain.findFirst({ where: { organizationId: org.id, domain, verifiedAt: { not: null } }, select: { id: true } })
    : null;
  if (!verified) throw new SsoRefusal("sso_email_domain", "email outside the organisation's verified domains");

  let user = await db(NO_TENANT).user.findUnique({ where: { email }, select: { id: true, email: true, emailVerified: true } });
  let outcome: "created" | "linked" | "existing" = "existing";
  // before anything is linked or created: every organisation of the person must allow SSO
  const refusal = await signInMethodRefusal(user ? { id: user.id, email } : null, email, "sso");
  if (refusal) throw new SsoRefusal("sso_policy", refusal);
  if (!user) {
    if (!connection.jitProvisioning) throw new SsoRefusal("sso_no_account", "no account and no just-in-time provisioning");
    const name = acceptableNameOrNull(typeof claims.name === "string" ? claims.name : null);
    user = await db(NO_TENANT).user.create({
      data: { id: newId("usr"), email, name, emailVerified: new Date() },
      select: { id: true, email: true, emailVerified: true },
    });
    outcome = "created";
    recordAuthEvent({ action: "auth.sign_up", userId: user.id, email, method: "oauth", provider: "sso", outcome: "created", ...origin(meta) });
  } else if (!user.emailVerified) {
    // the organisation's verified domain and its provider's sign-in are the proof of the address
    await db(NO_TENANT).user.update({ where: { id: user.id }, data: { emailVerified: new Date() } });
  }

  const ctx: OrgContext = {
    organizationId: org.id,
    organizationSlug: org.slug,
    actor: { type: "user", userId: user.id, email },
    role: null,
    requestId: meta.requestId,
    clientIp: meta.clientIp,
    userAgent: meta.userAgent,
  };
  const person = { id: user.id, email };
  const joined = await scoped.$transaction(async (tx) => {
    const member = await tx.organizationMember.findUnique({ where: { organizationId_userId: { organizationId: org.id, userId: person.id } } });
    if (member) return false;
    await tx.organizationMember.create({ data: { organizationId: org.id, userId: person.id, role: "member" } });
    if (outcome === "existing") outcome = "linked";
    await recordOrgAudit(tx, ctx, { action: "org.sso_provision", targetType: "user", targetId: person.id, metadata: { email, outcome } });
    return true;
  });

  if (joined && connection.defaultWorkspaceId && connection.defaultWorkspace && !connection.defaultWorkspace.deletedAt) {
    const tenant: TenantContext = {
      workspaceId: connection.defaultWorkspaceId,
      workspaceSlug: connection.defaultWorkspace.slug,
      actor: { type: "user", userId: person.id, email },
      role: "owner",
      permissions: new Set(),
      requestId: meta.requestId,
    };
    const current = await db(tenant).membership.findFirst({ where: { workspaceId: tenant.workspaceId, userId: person.id }, select: { id: true } });
    if (!current) await setMembershipForOrganization(tenant, person.id, connection.defaultRole as Role, { organizationId: org.id, reason: "sso" });
  }

  // groups: only when the provider sends the claim (no claim is not "no groups": it would empty the managed workspaces)
  const groups = groupsOf(claims, connection.groupsClaim);
  if (groups) {
    const changes = await applyGroupRoles(org.id, person.id, groups, { userId: person.id, email }, "sso", { requestId: meta.requestId });
    if (changes.length > 0) logger.info({ organizationId: org.id, userId: person.id, changes }, "sso: workspace roles from groups");
  }
  return person;
}

const origin = (meta: Meta) => ({ clientAddress: meta.clientIp, userAgent: meta.userAgent, requestId: meta.requestId });
