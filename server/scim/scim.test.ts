/**
 * The SCIM 2.0 endpoint as identity providers drive it (docs/scim.md): Okta's and Entra ID's request sequences,
 * filters and pagination, ETags, token checks across organisations, and what deactivation does to access.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "@/lib/ids";
import { newSessionClaims, verifySession } from "@/server/auth/sessions";
import { verifyCredentials } from "@/server/auth/credentials";
import { signInMethodRefusal } from "@/server/auth/org-policy";
import { setGroupRoles } from "@/server/orgs/group-roles";
import { revokeOrgToken, createOrgToken, verifyOrgToken } from "@/server/scim/tokens";
import { testDb } from "@/test/db";
import { makeScimOrg, oktaUser, scim, type ScimOrg } from "@/test/fixtures/scim";
import { makeUser, rest, uniq } from "@/test/helpers";
import { generateRawApiKey, storeApiKey } from "@/server/auth/api-keys";
import { hashPassword } from "@/server/auth/passwords";

let a: ScimOrg;
let b: ScimOrg;

beforeAll(async () => {
  a = await makeScimOrg("scima");
  b = await makeScimOrg("scimb");
});

const email = (org: ScimOrg, label: string) => `${label}-${uniq()}@${org.domain}`;

async function membershipRole(workspaceId: string, userId: string) {
  return (await testDb().membership.findFirst({ where: { workspaceId, userId } }))?.role ?? null;
}

describe("SCIM tokens", () => {
  it("refuses no token, a wrong token, another organisation's token, a revoked and an expired token with a SCIM 401", async () => {
    const none = await scim("GET", a.slug, "Users");
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "401" });
    expect(none.headers.get("content-type")).toContain("application/scim+json");
    expect((await scim("GET", a.slug, "Users", { token: "cadre_org_nope" })).status).toBe(401);
    // B's token at A's endpoint: refused, and nothing of A is read or written
    const cross = await scim("POST", a.slug, "Users", { token: b.token, body: oktaUser(email(a, "cross")) });
    expect(cross.status).toBe(401);
    expect(await testDb().scimUser.count({ where: { organizationId: a.id } })).toBe(0);

    const revoked = await createOrgToken(a.ctx("owner"), { name: "to revoke", scopes: ["scim"] });
    expect((await scim("GET", a.slug, "Users", { token: revoked.token })).status).toBe(200);
    await revokeOrgToken(a.ctx("admin"), revoked.id);
    expect((await scim("GET", a.slug, "Users", { token: revoked.token })).status).toBe(401);

    const expired = await createOrgToken(a.ctx("owner"), { name: "to expire", scopes: ["scim"], expiresInDays: 1 });
    await testDb().orgToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await scim("GET", a.slug, "Users", { token: expired.token })).status).toBe(401);

    const adminOnly = await createOrgToken(a.ctx("owner"), { name: "admin", scopes: ["admin"] });
    expect((await scim("GET", a.slug, "Users", { token: adminOnly.token })).status).toBe(401);
    const asAdmin = await verifyOrgToken(adminOnly.token, "admin");
    expect(asAdmin.actor).toEqual({ type: "user", userId: a.users.owner.id, email: a.users.owner.email });
    expect(asAdmin.role).toBe("owner");
  });

  it("a token stops working when its creator is no longer an owner or admin of the organisation", async () => {
    const t = await createOrgToken(a.ctx("admin"), { name: "creator leaves", scopes: ["scim"] });
    await testDb().organizationMember.update({
      where: { organizationId_userId: { organizationId: a.id, userId: a.users.admin.id } },
      data: { role: "member" },
    });
    try {
      expect((await scim("GET", a.slug, "Users", { token: t.token })).status).toBe(401);
    } finally {
      await testDb().organizationMember.update({
        where: { organizationId_userId: { organizationId: a.id, userId: a.users.admin.id } },
        data: { role: "admin" },
      });
    }
    expect((await scim("GET", a.slug, "Users", { token: t.token })).status).toBe(200);
  });

  it("discovery resources answer", async () => {
    const spc = await scim("GET", a.slug, "ServiceProviderConfig", { token: a.token });
    expect(spc.body).toMatchObject({ patch: { supported: true }, etag: { supported: true }, bulk: { supported: false } });
    expect((await scim("GET", a.slug, "ResourceTypes", { token: a.token })).body.totalResults).toBe(2);
    expect((await scim("GET", a.slug, "Schemas/urn:ietf:params:scim:schemas:core:2.0:User", { token: a.token })).body.name).toBe("User");
    expect((await scim("GET", a.slug, "Nothing", { token: a.token })).status).toBe(404);
  });
});

describe("Okta's user lifecycle", () => {
  it("POST, GET by filter, PATCH active false (sessions and API keys die at once), PATCH active true (roles restored)", async () => {
    const address = email(a, "okta");
    const created = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(address, { externalId: "00u1" }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userName: address, active: true, externalId: "00u1", emails: [{ value: address, primary: true }] });
    expect(created.headers.get("location")).toBe(created.body.meta.location);
    expect(created.body.meta.location).toMatch(new RegExp(`/api/scim/v2/${a.slug}/Users/scu_`));
    expect(created.headers.get("etag")).toBe('W/"1"');
    const user = await testDb().user.findUniqueOrThrow({ where: { email: address } });
    expect(user.emailVerified).not.toBeNull();
    expect(await testDb().organizationMember.findFirst({ where: { organizationId: a.id, userId: user.id } })).toMatchObject({ role: "member" });
    const audit = await testDb().organizationAuditLog.findFirst({ where: { organizationId: a.id, action: "org.scim_user", targetId: user.id } });
    expect(audit).toMatchObject({ actorType: "scim", metadata: expect.objectContaining({ operation: "create" }) });

    const found = await scim("GET", a.slug, "Users", { token: a.token, query: { filter: `userName eq "${address.toUpperCase()}"` } });
    expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id: created.body.id }] });
    const none = await scim("GET", a.slug, "Users", { token: a.token, query: { filter: 'userName eq "nobody@x.example"' } });
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });

    // the person works in the org's workspace: a member with a session and an API key
    await testDb().membership.create({ data: { id: newId("mem"), workspaceId: a.ws.id, userId: user.id, role: "member" } });
    const claims = newSessionClaims({ id: user.id, sessionVersion: user.sessionVersion });
    const session = { userId: claims.uid, sessionId: claims.sid, version: claims.sv, signedInAt: claims.sat };
    expect(await verifySession(session)).not.toBeNull();
    const raw = generateRawApiKey();
    await storeApiKey({ workspaceId: a.ws.id, createdById: user.id, name: "k", scopes: ["runs:read"] }, raw);
    expect((await rest("GET", "/api/v1/me", { key: raw })).status).toBe(200);

    const off = await scim("PATCH", a.slug, `Users/${created.body.id}`, {
      token: a.token,
      body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", value: { active: false } }] },
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(await verifySession(session)).toBeNull();
    expect((await rest("GET", "/api/v1/me", { key: raw })).status).toBe(401);
    expect(await membershipRole(a.ws.id, user.id)).toBeNull();
    expect(await signInMethodRefusal({ id: user.id, email: address }, address, "password")).toMatch(/deactivated/);
    // a fresh sign-in's session is refused too while deactivated
    const fresh = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    const after = newSessionClaims({ id: user.id, sessionVersion: fresh.sessionVersion });
    expect(await verifySession({ userId: after.uid, sessionId: after.sid, version: after.sv, signedInAt: after.sat })).toBeNull();

    const on = await scim("PATCH", a.slug, `Users/${created.body.id}`, {
      token: a.token,
      body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", value: { active: true } }] },
    });
    expect(on.body.active).toBe(true);
    expect(await membershipRole(a.ws.id, user.id)).toBe("member");
    expect(await verifySession({ userId: after.uid, sessionId: after.sid, version: after.sv, signedInAt: after.sat })).not.toBeNull();
    expect(await signInMethodRefusal({ id: user.id, email: address }, address, "password")).toBeNull();
  });

  it("a deactivated person's password sign-in is refused", async () => {
    const address = email(a, "pw");
    const created = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(address) });
    await testDb().user.update({ where: { email: address }, data: { passwordHash: await hashPassword("correct horse battery") } });
    await expect(verifyCredentials(address, "correct horse battery")).resolves.toMatchObject({ email: address });
    await scim("PUT", a.slug, `Users/${created.body.id}`, { token: a.token, body: oktaUser(address, { active: false }) });
    await expect(verifyCredentials(address, "correct horse battery")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("creating users: accounts and domains", () => {
  it("links an existing account on a verified domain, refuses one outside (409) and a new address outside (400)", async () => {
    const inside = email(a, "existing");
    const existing = await testDb().user.create({ data: { id: newId("usr"), email: inside, name: "Existing" } });
    const linked = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(inside) });
    expect(linked.status).toBe(201);
    expect(await testDb().scimUser.findFirst({ where: { id: linked.body.id } })).toMatchObject({ userId: existing.id });
    // the same account again, under another userName: 409
    const twice = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(inside, { userName: `other-${uniq()}@${a.domain}` }) });
    expect(twice).toMatchObject({ status: 409, body: { scimType: "uniqueness" } });
    // the same userName: 409
    expect((await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(inside) })).status).toBe(409);

    const outsider = await makeUser("outsider"); // @example.test: not a domain of A
    const takeover = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(outsider.email) });
    expect(takeover).toMatchObject({ status: 409, body: { scimType: "uniqueness" } });
    expect(await testDb().scimUser.count({ where: { userId: outsider.id } })).toBe(0);

    const foreign = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(`new-${uniq()}@elsewhere.example`) });
    expect(foreign).toMatchObject({ status: 400, body: { scimType: "invalidValue" } });
    // B's verified domain is not A's
    expect((await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(email(b, "b-domain")) })).status).toBe(400);
  });
});

describe("filters and pagination", () => {
  it("answers the supported filters, pages with startIndex/count and refuses other filters with invalidFilter", async () => {
    const ids: string[] = [];
    const tag = uniq();
    for (let i = 0; i < 3; i++) {
      const address = email(a, `page${i}`);
      const r = await scim("POST", a.slug, "Users", {
        token: a.token,
        body: oktaUser(address, { externalId: `ext-${tag}-${i}`, displayName: `Page ${tag} ${i}` }),
      });
      ids.push(r.body.id);
    }
    const byExt = await scim("GET", a.slug, "Users", { token: a.token, query: { filter: `externalId eq "ext-${tag}-1"` } });
    expect(byExt.body.Resources.map((r: { id: string }) => r.id)).toEqual([ids[1]]);
    const byName = await scim("GET", a.slug, "Users", { token: a.token, query: { filter: `displayName eq "page ${tag} 2"` } });
    expect(byName.body.Resources.map((r: { id: string }) => r.id)).toEqual([ids[2]]);
    const r0 = await testDb().scimUser.findUniqueOrThrow({ where: { id: ids[0] }, include: { user: true } });
    const byEmail = await scim("GET", a.slug, "Users", { token: a.token, query: { filter: `emails[type eq "work"].value eq "${r0.user.email}"` } });
    expect(byEmail.body.Resources.map((r: { id: string }) => r.id)).toEqual([ids[0]]);

    const total = await testDb().scimUser.count({ where: { organizationId: a.id } });
    const page = await scim("GET", a.slug, "Users", { token: a.token, query: { startIndex: "2", count: "2" } });
    expect(page.body).toMatchObject({ totalResults: total, startIndex: 2, itemsPerPage: 2 });
    const all = await scim("GET", a.slug, "Users", { token: a.token, query: { count: "200" } });
    expect(page.body.Resources.map((r: { id: string }) => r.id)).toEqual(all.body.Resources.slice(1, 3).map((r: { id: string }) => r.id));
    expect((await scim("GET", a.slug, "Users", { token: a.token, query: { count: "0" } })).body).toMatchObject({ totalResults: total, Resources: [] });

    for (const filter of ['userName co "a"', 'title eq "x"', 'userName eq "a" and active eq true', "garbage"]) {
      const bad = await scim("GET", a.slug, "Users", { token: a.token, query: { filter } });
      expect({ filter, status: bad.status, scimType: bad.body.scimType }).toEqual({ filter, status: 400, scimType: "invalidFilter" });
    }
  });
});

describe("ETags", () => {
  it("If-Match with the current version passes, a stale one is a 412", async () => {
    const created = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(email(a, "etag")) });
    const id = created.body.id;
    const patch = (ifMatch: string) =>
      scim("PATCH", a.slug, `Users/${id}`, {
        token: a.token,
        ifMatch,
        body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: `N ${uniq()}` }] },
      });
    const ok = await patch('W/"1"');
    expect(ok.status).toBe(200);
    expect(ok.body.meta.version).toBe('W/"2"');
    const stale = await patch('W/"1"');
    expect(stale.status).toBe(412);
    expect(stale.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
    expect((await scim("DELETE", a.slug, `Users/${id}`, { token: a.token, ifMatch: 'W/"1"' })).status).toBe(412);
    expect((await scim("GET", a.slug, `Users/${id}`, { token: a.token })).headers.get("etag")).toBe('W/"2"');
  });
});

describe("Entra ID's shapes and groups", () => {
  it("path-less replace with dotted names and string booleans, groups with members add/remove, roles follow the group mapping", async () => {
    await setGroupRoles(a.ctx("admin"), { mappings: [{ group: "Engineers", workspace: a.ws.slug, role: "admin" }] });
    const address = email(a, "entra");
    const created = await scim("POST", a.slug, "Users", {
      token: a.token,
      body: {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName: address,
        externalId: "e1",
        active: true,
        emails: [{ type: "work", value: address }],
      },
    });
    const id = created.body.id as string;
    const userId = (await testDb().scimUser.findUniqueOrThrow({ where: { id } })).userId;
    const entraPatch = await scim("PATCH", a.slug, `Users/${id}`, {
      token: a.token,
      body: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [
          { op: "Replace", value: { "name.givenName": "Grace", "name.familyName": "Hopper", displayName: "Grace Hopper", title: "ignored" } },
          { op: "Add", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", value: "ignored" },
        ],
      },
    });
    expect(entraPatch.status).toBe(200);
    expect(entraPatch.body).toMatchObject({ displayName: "Grace Hopper", name: { givenName: "Grace", familyName: "Hopper" } });

    const group = await scim("POST", a.slug, "Groups", {
      token: a.token,
      body: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Engineers", members: [{ value: id }] },
    });
    expect(group.status).toBe(201);
    expect(group.body.members).toEqual([expect.objectContaining({ value: id })]);
    expect(await membershipRole(a.ws.id, userId)).toBe("admin");
    expect((await scim("GET", a.slug, "Groups", { token: a.token, query: { filter: 'displayName eq "engineers"' } })).body.totalResults).toBe(1);
    expect((await scim("GET", a.slug, `Users/${id}`, { token: a.token })).body.groups).toEqual([
      expect.objectContaining({ value: group.body.id, display: "Engineers" }),
    ]);

    // Entra: remove with a value list
    await scim("PATCH", a.slug, `Groups/${group.body.id}`, {
      token: a.token,
      body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Remove", path: "members", value: [{ value: id }] }] },
    });
    expect(await membershipRole(a.ws.id, userId)).toBeNull();
    // add back, then Okta's filtered remove
    await scim("PATCH", a.slug, `Groups/${group.body.id}`, {
      token: a.token,
      body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: [{ value: id }] }] },
    });
    expect(await membershipRole(a.ws.id, userId)).toBe("admin");

    // deactivation removes the mapped role, re-activation restores it from the groups
    await scim("PATCH", a.slug, `Users/${id}`, {
      token: a.token,
      body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Replace", path: "active", value: "False" }] },
    });
    expect(await membershipRole(a.ws.id, userId)).toBeNull();
    await scim("PATCH", a.slug, `Users/${id}`, {
      token: a.token,
      body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "Replace", path: "active", value: "True" }] },
    });
    expect(await membershipRole(a.ws.id, userId)).toBe("admin");

    const removed = await scim("PATCH", a.slug, `Groups/${group.body.id}`, {
      token: a.token,
      body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "remove", path: `members[value eq "${id}"]` }] },
    });
    expect(removed.body.members).toEqual([]);
    expect(await membershipRole(a.ws.id, userId)).toBeNull();
    expect(
      (
        await scim("PATCH", a.slug, `Groups/${group.body.id}`, {
          token: a.token,
          body: {
            schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            Operations: [{ op: "add", path: "members", value: [{ value: "scu_unknown123" }] }],
          },
        })
      ).status,
    ).toBe(400);

    await scim("PATCH", a.slug, `Groups/${group.body.id}`, {
      token: a.token,
      body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: [{ value: id }] }] },
    });
    expect(await membershipRole(a.ws.id, userId)).toBe("admin");
    expect((await scim("DELETE", a.slug, `Groups/${group.body.id}`, { token: a.token })).status).toBe(204);
    expect(await membershipRole(a.ws.id, userId)).toBeNull();
    expect((await scim("GET", a.slug, `Groups/${group.body.id}`, { token: a.token })).status).toBe(404);
    const groupAudit = await testDb().organizationAuditLog.findMany({ where: { organizationId: a.id, action: "org.scim_group", targetId: group.body.id } });
    expect(groupAudit.map((r) => (r.metadata as { operation: string }).operation)).toEqual(expect.arrayContaining(["create", "patch", "delete"]));
  });

  it("a group joined while deactivated grants nothing until re-activation, which applies the groups' roles", async () => {
    await setGroupRoles(a.ctx("admin"), { mappings: [{ group: "Operators", workspace: a.ws.slug, role: "admin" }] });
    const created = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(email(a, "late")) });
    const id = created.body.id as string;
    const userId = (await testDb().scimUser.findUniqueOrThrow({ where: { id } })).userId;
    await testDb().membership.create({ data: { id: newId("mem"), workspaceId: a.ws.id, userId, role: "viewer" } });
    const patchActive = (active: boolean) =>
      scim("PATCH", a.slug, `Users/${id}`, {
        token: a.token,
        body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: active }] },
      });
    await patchActive(false);
    const group = await scim("POST", a.slug, "Groups", { token: a.token, body: { displayName: "Operators", members: [{ value: id }] } });
    expect(group.status).toBe(201);
    expect(await membershipRole(a.ws.id, userId)).toBeNull();
    await patchActive(true);
    expect(await membershipRole(a.ws.id, userId)).toBe("admin");
  });

  it("DELETE of a user ends access and the SCIM user is gone; another org cannot see it", async () => {
    const address = email(a, "del");
    const created = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(address) });
    expect((await scim("GET", b.slug, `Users/${created.body.id}`, { token: b.token })).status).toBe(404);
    expect((await scim("DELETE", a.slug, `Users/${created.body.id}`, { token: a.token })).status).toBe(204);
    expect((await scim("GET", a.slug, `Users/${created.body.id}`, { token: a.token })).status).toBe(404);
    const user = await testDb().user.findUniqueOrThrow({ where: { email: address } });
    expect(user.deactivatedAt).not.toBeNull();
    expect(await testDb().organizationMember.count({ where: { organizationId: a.id, userId: user.id } })).toBe(0);
    // provisioned again: linked and active
    const again = await scim("POST", a.slug, "Users", { token: a.token, body: oktaUser(address) });
    expect(again.status).toBe(201);
    expect((await testDb().user.findUniqueOrThrow({ where: { email: address } })).deactivatedAt).toBeNull();
  });
});
