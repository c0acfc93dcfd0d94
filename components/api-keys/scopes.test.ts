import { describe, expect, it } from "vitest";
import { permissionsOf, type Permission } from "@/lib/permissions";
import { grantableScopeGroups } from "./scopes";

const can = (role: "owner" | "viewer") => {
  const set = new Set<Permission>(permissionsOf(role));
  return (p: Permission) => set.has(p);
};

describe("the scopes a new key is offered", () => {
  it("are grouped by resource and leave out features this version does not have", () => {
    const resources = grantableScopeGroups(can("owner")).map((g) => g.resource);
    expect(resources).toContain("agents");
    expect(resources).toContain("runs");
    expect(resources).not.toContain("memory");
    expect(resources).not.toContain("tools");
    expect(resources).not.toContain("marketplace");
  });

  it("are never beyond the creator's role", () => {
    const scopes = grantableScopeGroups(can("viewer")).flatMap((g) => g.scopes);
    expect(scopes.every((s) => s.endsWith(":read"))).toBe(true);
    expect(scopes).not.toContain("api_keys:read");
  });
});
