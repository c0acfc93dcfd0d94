import { db, userScope } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import { permissionsOf, type Role } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { annotateRequest } from "@/server/http/observe";
import { sessionExpired, validSessionWhere, type SessionClaims } from "@/server/auth/sessions";

/**
 * Resolves a signed-in user's context in a workspace, checking the membership in the database on
 * every request (a session outlives a removed membership). Not a member, or no such workspace: 404.
 * With the user's session claims, the same statement checks that the session is still valid (not signed out,
 * not revoked, its version current): an ended session finds no membership (404 here; the request's own session
 * check, currentUser(), answers UNAUTHORIZED before this).
 */
export async function resolveUserTenant(
  user: { id: string; email: string; session?: SessionClaims },
  workspaceSlug: string,
  requestId?: string,
): Promise<TenantContext> {
  const session = user.session;
  if (session && (session.userId !== user.id || sessionExpired(session))) throw new AppError("UNAUTHORIZED", "Your session has ended: sign in again");
  const membership = await db(userScope(user.id)).membership.findFirst({
    // a deleted workspace (in its recovery window) is no one's: only its restore, from the account page, sees it
    where: { userId: user.id, workspace: { slug: workspaceSlug, deletedAt: null }, ...(session ? { user: validSessionWhere(session) } : {}) },
    include: { workspace: true },
  });
  if (!membership) throw new AppError("NOT_FOUND", "Workspace not found");
  annotateRequest({ workspaceId: membership.workspaceId, workspaceSlug: membership.workspace.slug });
  return {
    workspaceId: membership.workspaceId,
    workspaceSlug: membership.workspace.slug,
    actor: { type: "user", userId: user.id, email: user.email },
    role: membership.role as Role,
    permissions: new Set(permissionsOf(membership.role as Role)),
    requestId,
  };
}
