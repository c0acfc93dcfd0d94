import { db, userScope } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import { permissionsOf, type Role } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";

/**
 * Resolves a signed-in user's context in a workspace, checking the membership in the database on
 * every request (a session outlives a removed membership). Not a member, or no such workspace: 404.
 */
export async function resolveUserTenant(
  user: { id: string; email: string },
  workspaceSlug: string,
  requestId?: string,
): Promise<TenantContext> {
  const membership = await db(userScope(user.id)).membership.findFirst({
    where: { userId: user.id, workspace: { slug: workspaceSlug } },
    include: { workspace: true },
  });
  if (!membership) throw new AppError("NOT_FOUND", "Workspace not found");
  return {
    workspaceId: membership.workspaceId,
    workspaceSlug: membership.workspace.slug,
    actor: { type: "user", userId: user.id, email: user.email },
    role: membership.role as Role,
    permissions: new Set(permissionsOf(membership.role as Role)),
    requestId,
  };
}
