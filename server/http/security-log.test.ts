import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { logger } from "@/server/logger";
import { createCaller } from "@/server/api/root";
import { flushSecuritySummaries, logSecurityEvent } from "@/server/http/security-log";
import { findRoute, makeApiKey, makeWorkspace, uniq, type TestUser } from "@/test/helpers";
import { executeRoute } from "@/server/rest/define";
import { env, setEnv } from "@/server/env";

type Line = Record<string, unknown>;
let lines: Line[];

beforeEach(() => {
  flushSecuritySummaries();
  lines = [];
  vi.spyOn(logger, "warn").mockImplementation(((obj: unknown) => {
    if (obj && typeof obj === "object" && "security" in obj) lines.push(obj as Line);
  }) as never);
});
afterEach(() => vi.restoreAllMocks());

// a session signed in just now, as the web app's callers have (step-up accepts it)
const caller = (user: TestUser, slug: string | null, requestId = `req_${uniq()}`) =>
  createCaller({
    requestId,
    user: { ...user, session: { userId: user.id, sessionId: `s-${uniq()}`, version: 0, signedInAt: Math.floor(Date.now() / 1000) } },
    workspaceSlug: slug,
    origin: "",
    clientIp: "192.0.2.50",
    userAgent: "probe/1",
  });

async function call(method: string, path: string, key: string, params: Record<string, string> = {}, body?: unknown, requestId = `req_${uniq()}`) {
  let url = `http://localhost:3000${path}`;
  for (const [k, v] of Object.entries(params)) url = url.replace(`{${k}}`, v);
  return executeRoute(
    findRoute(method, path),
    new Request(url, {
      method,
      headers: { authorization: `Bearer ${key}`, "x-request-id": requestId, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    params,
  );
}

describe("security events", () => {
  it("tRPC: a permission denial is logged with request id, actor, route and workspace, without the input", async () => {
    const ws = await makeWorkspace("sec");
    await expect(caller(ws.users.member, ws.slug, "req_denied1").apiKeys.create({ name: "secret-name-xyz", scopes: ["audit:read"] })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(caller(ws.users.viewer, ws.slug, "req_denied2").audit.list({})).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(lines).toEqual([
      expect.objectContaining({
        security: "permission_denied",
        actor: `user:${ws.users.member.id}`,
        requestId: "req_denied1",
        route: "apiKeys.create",
        workspaceSlug: ws.slug,
        clientIp: "192.0.2.50",
      }),
      expect.objectContaining({
        security: "permission_denied",
        actor: `user:${ws.users.viewer.id}`,
        requestId: "req_denied2",
        route: "audit.list",
        workspaceId: ws.id,
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain("secret-name-xyz");
  });

  it("tRPC: another workspace's slug is a cross-workspace event; a slug that does not exist is not", async () => {
    const a = await makeWorkspace("seca");
    const b = await makeWorkspace("secb");
    await expect(caller(b.users.owner, a.slug, "req_cross").members.list()).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller(b.users.owner, `nope-${uniq()}`).members.list()).rejects.toMatchObject({ code: "NOT_FOUND" });
    // a 404 of a procedure outside the workspace (an unknown invitation token) is not about the workspace
    await expect(caller(b.users.owner, a.slug).invitations.preview({ token: "x".repeat(43) })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(lines).toEqual([
      expect.objectContaining({
        security: "cross_workspace",
        actor: `user:${b.users.owner.id}`,
        requestId: "req_cross",
        route: "members.list",
        workspaceSlug: a.slug,
      }),
    ]);
  });

  it("tRPC: another workspace's resource by id is a cross-workspace event; an unknown id is not", async () => {
    const a = await makeWorkspace("seca");
    const b = await makeWorkspace("secb");
    await expect(caller(b.users.owner, b.slug).members.remove({ memberId: a.memberIds.member })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller(b.users.owner, b.slug).members.remove({ memberId: "mem_doesnotexist00000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(lines).toEqual([
      expect.objectContaining({ security: "cross_workspace", route: "members.remove", workspaceId: b.id, reason: expect.stringContaining(a.memberIds.member) }),
    ]);
  });

  it("REST: scope denials and another workspace's resources are logged with the route pattern; never the key", async () => {
    const a = await makeWorkspace("seca");
    const b = await makeWorkspace("secb");
    const keyB = await makeApiKey(b, "owner", ["members:read"]);
    const denied = await call("GET", "/api/v1/audit", keyB.raw, {}, undefined, "req_rest1");
    expect(denied.status).toBe(403);
    const foreign = await call("DELETE", "/api/v1/members/{memberId}", keyB.raw, { memberId: a.memberIds.viewer }, undefined, "req_rest2");
    expect(foreign.status).toBe(403); // members:remove is not in the key's scopes: refused before the lookup
    const full = await makeApiKey(b, "owner");
    const foreign2 = await call("DELETE", "/api/v1/members/{memberId}", full.raw, { memberId: a.memberIds.viewer }, undefined, "req_rest3");
    expect(foreign2.status).toBe(404);
    expect(lines).toEqual([
      expect.objectContaining({
        security: "permission_denied",
        actor: `api_key:${keyB.id}`,
        requestId: "req_rest1",
        route: "GET /api/v1/audit",
        workspaceId: b.id,
      }),
      expect.objectContaining({ security: "permission_denied", requestId: "req_rest2", route: "DELETE /api/v1/members/{memberId}" }),
      expect.objectContaining({ security: "cross_workspace", actor: `api_key:${full.id}`, requestId: "req_rest3", route: "DELETE /api/v1/members/{memberId}" }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(keyB.raw);
    expect(JSON.stringify(lines)).not.toContain(full.raw);
  });

  it("REST: an invalid key is logged per client address (behind a trusted proxy)", async () => {
    setEnv("CADRE_TRUSTED_PROXIES", "10.0.0.0/8");
    const res = await executeRoute(
      findRoute("GET", "/api/v1/me"),
      new Request("http://localhost:3000/api/v1/me", {
        headers: { authorization: "Bearer cadre_forged_key_0000000000000000000000000", "x-forwarded-for": "198.51.100.66, 10.1.2.3" },
      }),
      {},
    ).finally(() => setEnv("CADRE_TRUSTED_PROXIES", ""));
    expect(res.status).toBe(401);
    expect(lines).toEqual([expect.objectContaining({ security: "invalid_credentials", actor: "ip:198.51.100.66", route: "GET /api/v1/me" })]);
    expect(JSON.stringify(lines)).not.toContain("cadre_forged_key");
  });

  it("a probe cannot flood the log: at most N lines per actor a minute, then one summary with the count", async () => {
    const max = env().CADRE_SECURITY_LOG_PER_MINUTE;
    const t0 = Date.now();
    for (let i = 0; i < max + 500; i++) logSecurityEvent({ kind: "cross_workspace", actor: "user:usr_probe", route: "agents.get" }, t0 + i);
    logSecurityEvent({ kind: "permission_denied", actor: "user:usr_other", route: "audit.list" }, t0);
    expect(lines.filter((l) => l.actor === "user:usr_probe")).toHaveLength(max);
    expect(lines.filter((l) => l.actor === "user:usr_other")).toHaveLength(1);
    // the next minute: the summary of what was suppressed, then full lines again
    logSecurityEvent({ kind: "cross_workspace", actor: "user:usr_probe", route: "agents.get" }, t0 + 61_000);
    const summary = lines.find((l) => l.security === "suppressed");
    expect(summary).toMatchObject({ actor: "user:usr_probe", suppressed: 500, kinds: ["cross_workspace"] });
    expect(lines.at(-1)).toMatchObject({ security: "cross_workspace", actor: "user:usr_probe" });
  });
});
