import { AppError } from "@/lib/errors";
import { foreignResource, workspaceSlugExists } from "./foreign-resource";
import { logSecurityEvent, securityLogHasRoom, type SecurityEvent } from "./security-log";

/**
 * Turns a refused request into a security event: FORBIDDEN is a permission denial; NOT_FOUND is logged when it
 * was another workspace's resource (or a workspace the actor is not a member of). Other errors are not logged here.
 */
export async function logDenial(
  error: unknown,
  who: {
    actor: string;
    requestId?: string;
    route: string;
    workspaceId?: string;
    workspaceSlug?: string;
    clientIp?: string;
    /** the actor's membership of `workspaceSlug` was not found (the NOT_FOUND is about the workspace itself) */
    membershipMissing?: boolean;
  },
  input: unknown,
): Promise<void> {
  const code = error instanceof AppError ? error.code : (error as { code?: string } | null)?.code;
  const { membershipMissing, ...rest } = who;
  const base: Omit<SecurityEvent, "kind"> = {
    actor: rest.actor,
    requestId: rest.requestId,
    route: rest.route,
    workspaceId: rest.workspaceId,
    workspaceSlug: rest.workspaceSlug,
    clientIp: rest.clientIp,
  };
  try {
    if (code === "FORBIDDEN") {
      logSecurityEvent({ ...base, kind: "permission_denied", reason: error instanceof Error ? error.message.slice(0, 200) : undefined });
      return;
    }
    if (code !== "NOT_FOUND" || !securityLogHasRoom(who.actor)) return;
    if (!who.workspaceId) {
      if (membershipMissing && who.workspaceSlug && (await workspaceSlugExists(who.workspaceSlug))) {
        logSecurityEvent({ ...base, kind: "cross_workspace", reason: "not a member of this workspace" });
      }
      return;
    }
    const foreign = await foreignResource(who.workspaceId, input);
    if (foreign) logSecurityEvent({ ...base, kind: "cross_workspace", reason: `${foreign.id} belongs to another workspace` });
  } catch {
    // logging a denial never changes the answer
  }
}
