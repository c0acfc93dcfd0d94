import type { Permission, Role } from "@/lib/permissions";

export type Actor =
  | { type: "user"; userId: string; email: string }
  | { type: "api_key"; keyId: string; userId: string; name: string };

/** Who is acting in which workspace with which powers. Every tenant-scoped service takes one. */
export interface TenantContext {
  workspaceId: string;
  workspaceSlug: string;
  actor: Actor;
  /** the role of the acting user (for a key: its creator's current role) */
  role: Role;
  permissions: ReadonlySet<Permission>;
  requestId?: string;
}

export function actorUserId(ctx: TenantContext): string {
  return ctx.actor.userId;
}
