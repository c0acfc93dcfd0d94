/** The orgTokens router: owners and admins list, create (the secret once) and revoke; members and outsiders cannot. */
import { beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { makeOrg, type TestOrg } from "@/test/fixtures/orgs";
import { makeUser, outcome, type TestUser, uniq } from "@/test/helpers";
import { testDb } from "@/test/db";
import { hashOrgToken } from "./tokens";

let a: TestOrg;
let b: TestOrg;
beforeAll(async () => {
  a = await makeOrg("otk-a");
  b = await makeOrg("otk-b");
});

const callerIn = (user: TestUser | null, orgSlug: string) =>
  createCaller({ requestId: `req_test${uniq()}`, user, workspaceSlug: null, orgSlug, origin: "http://localhost:3000" });

describe("orgTokens", () => {
  it("an admin creates a token shown once (only its hash stored), lists it without the secret and revokes it, audited", async () => {
    const admin = callerIn(a.users.admin, a.slug);
    const created = await admin.orgTokens.create({ name: "Okta", scopes: ["scim"], expiresInDays: 30 });
    expect(created.token).toMatch(/^cadre_org_[A-Za-z0-9_-]{40,}$/);
    const row = await testDb().orgToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).toBe(hashOrgToken(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token);
    const listed = await admin.orgTokens.list();
    expect(listed.find((t) => t.id === created.id)).toMatchObject({ name: "Okta", scopes: ["scim"], createdBy: a.users.admin.email, revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(created.token);
    const revoked = await admin.orgTokens.revoke({ id: created.id });
    expect(revoked.revokedAt).not.toBeNull();
    const actions = (await testDb().organizationAuditLog.findMany({ where: { organizationId: a.id, targetId: created.id } })).map((r) => r.action).sort();
    expect(actions).toEqual(["org.scim_token_create", "org.scim_token_revoke"]);
  });

  it("a member is FORBIDDEN, an outsider and another organisation's admin get NOT_FOUND, anonymous UNAUTHORIZED", async () => {
    expect(await outcome(callerIn(a.users.member, a.slug).orgTokens.list())).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(callerIn(a.users.member, a.slug).orgTokens.create({ name: "x", scopes: ["scim"] }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(callerIn(await makeUser("outsider"), a.slug).orgTokens.list())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(callerIn(null, a.slug).orgTokens.list())).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    // B's admin cannot revoke A's token, even by id through B
    const aToken = await callerIn(a.users.owner, a.slug).orgTokens.create({ name: "A's", scopes: ["scim"] });
    expect(await outcome(callerIn(b.users.admin, b.slug).orgTokens.revoke({ id: aToken.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await testDb().orgToken.findUniqueOrThrow({ where: { id: aToken.id } })).revokedAt).toBeNull();
  });
});
