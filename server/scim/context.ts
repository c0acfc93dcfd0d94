import type { TenantContext } from "@/server/context";
import { db, orgScope } from "@/server/db/client";
import type { VerifiedOrgToken } from "./tokens";
import { ScimError } from "./errors";

/** A SCIM request's context: the organisation's token (actor "scim") and the base URL of its SCIM endpoint. */
export interface ScimContext extends VerifiedOrgToken {
  /** https://cadre.example/api/scim/v2/<org> */
  baseUrl: string;
}

export const SCIM_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const SCIM_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const SCIM_LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const SCIM_PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const MAX_PAGE = 200;

export const etagOf = (version: number) => `W/"${version}"`;

/** If-Match on a write: absent or `*` passes; any other value must name the current version (else 412). */
export function assertIfMatch(ifMatch: string | null | undefined, version: number): void {
  if (!ifMatch || ifMatch.trim() === "*") return;
  const current = etagOf(version);
  const tags = ifMatch.split(",").map((t) => t.trim());
  if (!tags.some((t) => t === current || t === `"${version}"`))
    throw new ScimError(412, `The resource changed: its version is ${current}, the request names ${ifMatch}`);
}

/** The organisation's live workspaces (managed memberships are written in each one's own scope). */
export async function orgWorkspaces(organizationId: string) {
  return db(orgScope(organizationId)).workspace.findMany({ where: { organizationId, deletedAt: null }, select: { id: true, slug: true } });
}

/** A context to change memberships in one of the organisation's workspaces, acting as the token's creator. */
export function actingIn(ctx: ScimContext, ws: { id: string; slug: string }): TenantContext {
  return {
    workspaceId: ws.id,
    workspaceSlug: ws.slug,
    actor: { type: "user", userId: ctx.creator.userId, email: ctx.creator.email },
    role: "owner",
    permissions: new Set(),
    requestId: ctx.requestId,
    clientIp: ctx.clientIp,
    userAgent: ctx.userAgent,
  };
}
