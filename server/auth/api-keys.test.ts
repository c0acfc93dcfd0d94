import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { permissionsOf, type Permission } from "@/lib/permissions";
import { executeRoute } from "@/server/rest/define";
import { auditRows, callerFor, findRoute, makeApiKey, makeWorkspace, outcome, rest, type TestWorkspace } from "@/test/helpers";

const as = (ws: TestWorkspace, role: "owner" | "admin" | "member" | "viewer") => callerFor(ws.users[role], ws.slug);

async function rawRequest(headers: Record<string, string>) {
  const res = await executeRoute(findRoute("GET", "/api/v1/me"), new Request("http://localhost:3000/api/v1/me", { headers }), {});
  return { status: res.status, body: await res.json() };
}

describe("API keys: creation and storage", () => {
  it("a created key works on GET /api/v1/me and shows its workspace and scopes", async () => {
    const ws = await makeWorkspace("key");
    const created = await as(ws, "member").apiKeys.create({ name: "ci", scopes: ["agents:read", "runs:create"] });
    expect(created.key).toMatch(/^cadre_[A-Za-z0-9_-]{40,}$/);
    const me = await rest("GET", "/api/v1/me", { key: created.key });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      workspace: { id: ws.id, slug: ws.slug, name: `Workspace ${ws.slug}` },
      key: { id: created.id, name: "ci" },
      scopes: ["agents:read", "runs:create"],
      role: "member",
    });
    expect(me.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("is stored as a keyed hash: no raw key in the row, prefix and last 4 match", async () => {
    const ws = await makeWorkspace("key");
    const created = await as(ws, "admin").apiKeys.create({ name: "stored", scopes: ["members:read"] });
    const row = await db().apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(JSON.stringify(row)).not.toContain(created.key.slice(12, -4));
    expect(row.keyHash).not.toBe(created.key);
    expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);
    // keyed: not a plain hash of the key that anybody with the table could check guesses against
    expect(row.keyHash).not.toBe(createHash("sha256").update(created.key).digest("hex"));
    expect(row.prefix).toBe(created.key.slice(0, 12));
    expect(row.last4).toBe(created.key.slice(-4));
    expect(created).toMatchObject({ prefix: row.prefix, last4: row.last4, createdBy: ws.users.admin.email, scopes: ["members:read"] });
    expect(await auditRows(ws.id, "api_key.create")).toEqual([expect.objectContaining({ targetId: created.id, actorId: ws.users.admin.id })]);
  });

  it("the list never includes the raw key (tRPC and REST)", async () => {
    const ws = await makeWorkspace("key");
    const created = await as(ws, "owner").apiKeys.create({ name: "secret", scopes: ["api_keys:read"] });
    const list = await as(ws, "member").apiKeys.list();
    const entry = list.find((k) => k.id === created.id);
    expect(entry).toMatchObject({ name: "secret", prefix: created.prefix, last4: created.last4 });
    expect(entry).not.toHaveProperty("key");
    expect(JSON.stringify(list)).not.toContain(created.key);
    const viaRest = await rest("GET", "/api/v1/api-keys", { key: created.key });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body.data.map((k: { id: string }) => k.id)).toContain(created.id);
    expect(JSON.stringify(viaRest.body)).not.toContain(created.key);
  });

  it("refuses scopes beyond the creator's role (FORBIDDEN), a past expiry, and an empty scope list", async () => {
    const ws = await makeWorkspace("key");
    const member = as(ws, "member");
    expect(await outcome(member.apiKeys.create({ name: "x", scopes: ["members:remove"] }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(member.apiKeys.create({ name: "x", scopes: ["agents:read", "audit:read"] }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(as(ws, "admin").apiKeys.create({ name: "x", scopes: ["settings:delete"] }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(as(ws, "viewer").apiKeys.create({ name: "x", scopes: ["agents:read"] }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(member.apiKeys.create({ name: "x", scopes: ["agents:read"], expiresAt: new Date(Date.now() - 60_000) }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
    expect(await outcome(member.apiKeys.create({ name: "x", scopes: [] }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await db().apiKey.count({ where: { workspaceId: ws.id } })).toBe(0);
  });

  it("a key cannot mint a key with more power than itself (REST POST /api/v1/api-keys)", async () => {
    const ws = await makeWorkspace("key");
    // an owner's key that may only create keys
    const narrow = await makeApiKey(ws, "owner", ["api_keys:create"]);
    const res = await rest("POST", "/api/v1/api-keys", { key: narrow.raw, body: { name: "escalated", scopes: ["members:remove", "settings:delete"] } });
    expect(res.status, `minted ${JSON.stringify(res.body)}`).toBe(403);
    expect(await db().apiKey.count({ where: { workspaceId: ws.id, name: "escalated" } })).toBe(0);
  });

  it("a key with api_keys:create can create a key within its own scopes, shown once", async () => {
    const ws = await makeWorkspace("key");
    const parent = await makeApiKey(ws, "member", ["api_keys:create", "agents:read"]);
    const res = await rest("POST", "/api/v1/api-keys", { key: parent.raw, body: { name: "child", scopes: ["agents:read"] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "child", scopes: ["agents:read"], createdBy: ws.users.member.email });
    expect((await rest("GET", "/api/v1/me", { key: res.body.key })).body.scopes).toEqual(["agents:read"]);
  });
});

describe("API keys: authentication", () => {
  it("missing, malformed or unknown credentials are a 401 with the error body", async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: "" },
      { authorization: "Basic dXNlcjpwYXNz" },
      { authorization: "Bearer" },
      { authorization: "Bearer short" },
      { authorization: `Bearer cadre_${"A".repeat(43)}` },
      { authorization: `Bearer ${"x".repeat(300)}` },
    ];
    for (const headers of cases) {
      const res = await rawRequest(headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.body).toEqual({ error: { code: "UNAUTHORIZED", message: expect.any(String), requestId: expect.stringMatching(/^req_/) } });
    }
  });

  it("a revoked key is a 401", async () => {
    const ws = await makeWorkspace("key");
    const key = await makeApiKey(ws, "member");
    expect((await rest("GET", "/api/v1/me", { key: key.raw })).status).toBe(200);
    await as(ws, "member").apiKeys.revoke({ keyId: key.id });
    const res = await rest("GET", "/api/v1/me", { key: key.raw });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("UNAUTHORIZED");
  });

  it("an expired key is a 401; one expiring later works", async () => {
    const ws = await makeWorkspace("key");
    const expired = await makeApiKey(ws, "owner", undefined, { expiresAt: new Date(Date.now() - 1000) });
    expect((await rest("GET", "/api/v1/me", { key: expired.raw })).status).toBe(401);
    const later = await makeApiKey(ws, "owner", undefined, { expiresAt: new Date(Date.now() + 60_000) });
    expect((await rest("GET", "/api/v1/me", { key: later.raw })).status).toBe(200);
  });

  it("lastUsedAt is set when the key is used", async () => {
    const ws = await makeWorkspace("key");
    const key = await makeApiKey(ws, "viewer");
    expect((await db().apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt).toBeNull();
    const before = Date.now();
    await rest("GET", "/api/v1/members", { key: key.raw });
    const used = (await db().apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt;
    expect(used).not.toBeNull();
    expect(used!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect((await as(ws, "admin").apiKeys.list()).find((k) => k.id === key.id)?.lastUsedAt).toEqual(used);
  });

  it("a key follows its creator's current role: demoted to viewer, it loses write scopes at once", async () => {
    const ws = await makeWorkspace("key");
    const key = await makeApiKey(ws, "admin");
    const before = await rest("GET", "/api/v1/me", { key: key.raw });
    expect(before.body.scopes).toContain("members:update");

    await as(ws, "owner").members.changeRole({ memberId: ws.memberIds.admin, role: "viewer" });
    const after = await rest("GET", "/api/v1/me", { key: key.raw });
    expect(after.status).toBe(200);
    expect(after.body.role).toBe("viewer");
    expect(after.body.scopes).toEqual([...permissionsOf("viewer")].sort());
    const patch = await rest("PATCH", "/api/v1/members/{memberId}", { key: key.raw, params: { memberId: ws.memberIds.member }, body: { role: "viewer" } });
    expect(patch.status).toBe(403);
    expect((await rest("GET", "/api/v1/members", { key: key.raw })).status).toBe(200);

    // and it is computed, not stored: promoted back, the key's own scopes return
    await as(ws, "owner").members.changeRole({ memberId: ws.memberIds.admin, role: "admin" });
    expect((await rest("GET", "/api/v1/me", { key: key.raw })).body.scopes).toEqual([...permissionsOf("admin")].sort());
  });

  it("a key whose creator was removed from the workspace is a 401", async () => {
    const ws = await makeWorkspace("key");
    const key = await makeApiKey(ws, "member");
    await as(ws, "admin").members.remove({ memberId: ws.memberIds.member });
    const res = await rest("GET", "/api/v1/me", { key: key.raw });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("UNAUTHORIZED");
  });

  it("a key of a removed creator stays dead when they are invited back", async () => {
    const ws = await makeWorkspace("key");
    const key = await makeApiKey(ws, "member");
    await as(ws, "admin").members.remove({ memberId: ws.memberIds.member });
    expect((await rest("GET", "/api/v1/me", { key: key.raw })).status).toBe(401);

    const { url } = await as(ws, "owner").invitations.create({ email: ws.users.member.email, role: "member" });
    await callerFor(ws.users.member).invitations.accept({ token: url.split("/invite/")[1]! });
    // the old key (perhaps the reason for the removal) must not come back to life with the new membership
    const res = await rest("GET", "/api/v1/me", { key: key.raw });
    expect(res.status, "an API key came back to life after its creator re-joined").toBe(401);
  });

  it("a key whose creator's account is deactivated (an organisation's SCIM) is a 401 in any workspace, until reactivation", async () => {
    const ws = await makeWorkspace("key");
    const key = await makeApiKey(ws, "member");
    expect((await rest("GET", "/api/v1/me", { key: key.raw })).status).toBe(200);
    await db().user.update({ where: { id: ws.users.member.id }, data: { deactivatedAt: new Date() } });
    const res = await rest("GET", "/api/v1/me", { key: key.raw });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("UNAUTHORIZED");
    await db().user.update({ where: { id: ws.users.member.id }, data: { deactivatedAt: null } });
    expect((await rest("GET", "/api/v1/me", { key: key.raw })).status).toBe(200);
  });
});

describe("API keys: revocation", () => {
  it("a member revokes their own key but not another's; an admin revokes anyone's", async () => {
    const ws = await makeWorkspace("key");
    const own = await makeApiKey(ws, "member", ["agents:read"]);
    const admins = await makeApiKey(ws, "admin", ["agents:read"]);
    const members2 = await makeApiKey(ws, "member", ["agents:read"]);
    const member = as(ws, "member");

    expect(await outcome(member.apiKeys.revoke({ keyId: admins.id }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect((await rest("GET", "/api/v1/me", { key: admins.raw })).status).toBe(200);
    expect(await member.apiKeys.revoke({ keyId: own.id })).toEqual({ revoked: true });
    expect((await rest("GET", "/api/v1/me", { key: own.raw })).status).toBe(401);

    expect(await as(ws, "admin").apiKeys.revoke({ keyId: members2.id })).toEqual({ revoked: true });
    expect((await rest("GET", "/api/v1/me", { key: members2.raw })).status).toBe(401);
    expect((await auditRows(ws.id, "api_key.revoke")).map((e) => e.targetId).sort()).toEqual([own.id, members2.id].sort());
    expect(await outcome(as(ws, "viewer").apiKeys.revoke({ keyId: admins.id }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("over REST: a member's key gets 403 revoking another's key, and can revoke itself", async () => {
    const ws = await makeWorkspace("key");
    const mine = await makeApiKey(ws, "member");
    const theirs = await makeApiKey(ws, "owner", ["agents:read"]);
    const denied = await rest("DELETE", "/api/v1/api-keys/{keyId}", { key: mine.raw, params: { keyId: theirs.id } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("FORBIDDEN");
    const self = await rest("DELETE", "/api/v1/api-keys/{keyId}", { key: mine.raw, params: { keyId: mine.id } });
    expect(self.status).toBe(200);
    expect((await rest("GET", "/api/v1/me", { key: mine.raw })).status).toBe(401);
    expect((await auditRows(ws.id, "api_key.revoke"))[0]).toMatchObject({ actorType: "api_key", actorId: mine.id, targetId: mine.id });
  });

  it("an admin's key without api_keys:manage cannot revoke another's key", async () => {
    const ws = await makeWorkspace("key");
    const scopes: Permission[] = ["api_keys:revoke"];
    const adminKey = await makeApiKey(ws, "admin", scopes);
    const other = await makeApiKey(ws, "member", ["agents:read"]);
    const res = await rest("DELETE", "/api/v1/api-keys/{keyId}", { key: adminKey.raw, params: { keyId: other.id } });
    expect(res.status).toBe(403);
    expect((await rest("GET", "/api/v1/me", { key: other.raw })).status).toBe(200);
  });
});
