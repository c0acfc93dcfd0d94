import { AppError } from "@/lib/errors";
import type { OrgRole } from "@/lib/schemas/organizations";
import { db, userScope } from "@/server/db/client";
import { sessionExpired, validSessionWhere, type SessionClaims } from "@/server/auth/sessions";

export type OrgActor =
  | { type: "user"; userId: string; email: string }
  /** an identity provider's SCIM client, with the organisation's bearer token */
  | { type: "scim"; tokenId: string; label: string }
  /** an operator's command line */
  | { type: "operator"; label: string };

/** Who is acting in which organisation. Every organisation service takes one. */
export interface OrgContext {
  organizationId: string;
  organizationSlug: string;
  actor: OrgActor;
  /** the acting person's role in the organisation (null for SCIM and the operator, who act on its behalf) */
  role: OrgRole | null;
  requestId?: string;
  clientIp?: string;
  userAgent?: string;
}

/**
 * A signed-in person's context in an organisation, checked in the database on every request. Not a member, or no
 * such organisation: 404 (an organisation's existence is not revealed to outsiders).
 */
export async function resolveOrgContext(
  user: { id: string; email: string; session?: SessionClaims },
  organizationSlug: string,
  meta: { requestId?: string; clientIp?: string; userAgent?: string } = {},
): Promise<OrgContext> {
  const session = user.session;
  if (session && (session.userId !== user.id || sessionExpired(session))) throw new AppError("UNAUTHORIZED", "Your session has ended: sign in again");
  const member = await db(userScope(user.id)).organizationMember.findFirst({
    where: { userId: user.id, organization: { slug: organizationSlug }, ...(session ? { user: validSessionWhere(session) } : {}) },
    include: { organization: { select: { id: true, slug: true } } },
  });
  if (!member) throw new AppError("NOT_FOUND", "Organisation not found");
  return {
    organizationId: member.organization.id,
    organizationSlug: member.organization.slug,
    actor: { type: "user", userId: user.id, email: user.email },
    role: member.role as OrgRole,
    ...meta,
  };
}

/** Owners and admins administer an organisation (policy, domains, SSO, SCIM, people); SCIM and the operator act for it. */
export function requireOrgAdmin(ctx: OrgContext): void {
  if (ctx.actor.type !== "user") return;
  if (ctx.role !== "owner" && ctx.role !== "admin")
    throw new AppError("FORBIDDEN", `Your role in the organisation (${ctx.role}) does not allow administering it`);
}

export function requireOrgOwner(ctx: OrgContext): void {
  if (ctx.actor.type !== "user") return;
  if (ctx.role !== "owner") throw new AppError("FORBIDDEN", "Only an owner of the organisation can do this");
}

export function orgActorUserId(ctx: OrgContext): string | null {
  return ctx.actor.type === "user" ? ctx.actor.userId : null;
}
