import { ROLE_RANK, ROLES, type Role } from "@/lib/permissions";

/** The roles someone with `myRole` may hand out (the server enforces the same rule). */
export function grantableRoles(myRole: Role): Role[] {
  return ROLES.filter((r) => ROLE_RANK[r] <= ROLE_RANK[myRole] && (r !== "owner" || myRole === "owner"));
}

export const ROLE_LABELS: Record<Role, string> = {
  owner: "Owner",
  admin: "Admin",
  member: "Member",
  viewer: "Viewer",
};
