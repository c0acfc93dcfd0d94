/**
 * MCP servers with OAuth 2.1 end to end, against an OAuth-protected MCP server built from the SDK's server pieces
 * (test/mcp-oauth-server.ts): authorize (discovery from the 401, DCR, PKCE S256, resource, state), the authorization
 * server's redirect followed, the callback in the browser session, tokens in the vault (encrypted, never returned),
 * sync and calls with the token, refresh when the token expires or is refused (once for calls at once, and under
 * another process's refresh lease), a refused refresh, the state's
 * checks (reuse, another member, expiry, another workspace), the tenant line and the egress guard.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newId } from "@/lib/ids";
import { permissionsOf, type Role } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { testDb as db } from "@/test/db";
import { startOAuthMcpServer } from "@/test/mcp-oauth-server";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestUser, type TestWorkspace } from "@/test/helpers";
import { mcpExecutor } from "./mcp-executor";
import { hashState } from "./mcp-oauth";
import { claimRefreshLease, REFRESH_POLL_MS, releaseRefreshLease } from "./mcp-oauth-refresh-lease";
import { resolveTools } from "./registry";
import type { ToolCallContext } from "./types";
import { GET as callbackRoute } from "@/app/api/mcp-oauth/callback/route";
import { signInRequest } from "@/test/signed-in";

let a: TestWorkspace;
let b: TestWorkspace;
let keyB: string;
let as: Awaited<ReturnType<typeof startOAuthMcpServer>>;

beforeAll(async () => {
  [a, b, as] = await Promise.all([makeWorkspace("oauth-a"), makeWorkspace("oauth-b"), startOAuthMcpServer()]);
  keyB = (await makeApiKey(b, "owner")).raw;
});
afterAll(async () => {
  await as?.stop();
});
beforeEach(async () => {
  await signInRequest(null);
});

const caller = (ws: TestWorkspace, role: Role = "owner") => callerFor(ws.users[role], ws.slug);

function tenantOf(ws: TestWorkspace, role: Role = "owner"): TenantContext {
  const user = ws.users[role];
  return {
    workspaceId: ws.id,
    workspaceSlug: ws.slug,
    actor: { type: "user", userId: user.id, email: user.email },
    role,
    permissions: new Set(permissionsOf(role)),
  };
}

async function call(ws: TestWorkspace, name: string, args: Record<string, unknown>) {
  const tool = (await resolveTools(tenantOf(ws), [name])).get(name);
  if (!tool) throw new Error(`no tool ${name}`);
  const runId = newId("run");
  const stepId = newId("stp");
  const context: ToolCallContext = {
    ctx: tenantOf(ws),
    runId,
    stepId,
    idempotencyKey: `${runId}:${stepId}`,
    agentId: newId("agt"),
    abortSignal: new AbortController().signal,
    egressLists: null,
    tool,
  };
  return mcpExecutor(args, context);
}

/** The authorization server's answer to the authorization URL (it approves at once): the callback URL it redirects to. */
async function approve(authorizationUrl: string): Promise<URL> {
  const res = await fetch(authorizationUrl, { redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location") ?? "");
}

/** The browser arriving at the callback, signed in as `user`: where it is sent next. */
async function callback(url: URL, user: TestUser): Promise<URL> {
  await signInRequest(user);
  const res = await callbackRoute!(new Request(url.href), { params: Promise.resolve({}) });
  expect(res.status).toBe(303);
  return new URL(res.headers.get("location") ?? "");
}

const accessTokens = () => [...as.provider.access.keys()];

describe("OAuth 2.1 MCP servers", () => {
  let serverId = "";
  let firstCallback: URL;

  it("connect: saved as needs_auth, nothing synced; authorize returns the AS's URL with PKCE S256, resource, state", async () => {
    const server = await caller(a).mcpServers.create({ name: "orders", url: as.url, authType: "oauth" });
    serverId = server.id;
    expect(server).toMatchObject({ authType: "oauth", status: "needs_auth", tools: [], oauth: { authorizationServer: null, authorizedAt: null } });
    expect(server.lastError).toContain("authorize");
    expect(await outcome(caller(a).mcpServers.sync({ serverId }))).toMatchObject({ ok: false, code: "CONFLICT" });

    const { authorizationUrl, expiresAt } = await caller(a).mcpServers.authorize({ serverId });
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(as.base);
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("resource")).toBe(as.url);
    expect(url.searchParams.get("state")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("redirect_uri")).toBe(`http://localhost:3000/api/mcp-oauth/callback?workspace=${a.slug}`);
    // dynamic client registration: one client, with Cadre's redirect URI; its id is stored, its secret is in the vault
    expect(as.provider.clients.size).toBe(1);
    const client = [...as.provider.clients.values()][0]!;
    expect(url.searchParams.get("client_id")).toBe(client.client_id);
    const row = await db().mcpServer.findUniqueOrThrow({ where: { id: serverId } });
    expect(JSON.stringify(row.oauth)).not.toContain(client.client_secret ?? "no secret");
    expect(row.oauthSecretId).not.toBeNull();
    // the state is stored hashed, the verifier encrypted
    const state = await db().mcpOAuthState.findFirstOrThrow({ where: { mcpServerId: serverId } });
    expect(state.stateHash).toBe(hashState(url.searchParams.get("state")!));
    expect(state.userId).toBe(a.users.owner.id);

    firstCallback = await approve(authorizationUrl);
    expect(firstCallback.pathname).toBe("/api/mcp-oauth/callback");
    expect(firstCallback.searchParams.get("workspace")).toBe(a.slug);
    expect(firstCallback.searchParams.get("code")).toBeTruthy();
  });

  it("the callback exchanges the code: tokens in the vault (encrypted, in no response), the server connected and synced", async () => {
    const landing = await callback(firstCallback, a.users.owner);
    expect(landing.pathname).toBe(`/w/${a.slug}/tools`);
    expect(landing.searchParams.get("mcpAuthorized")).toBe("orders");
    expect(landing.searchParams.get("mcpAuthError")).toBeNull();

    const server = await caller(a).mcpServers.get({ serverId });
    expect(server).toMatchObject({ status: "ok", lastError: null, oauth: { authorizationServer: `${as.base}/` } });
    expect(server.oauth?.authorizedAt).toBeInstanceOf(Date);
    expect(server.tools.map((t) => t.name)).toEqual(["orders_lookup"]);
    const tokens = accessTokens();
    expect(tokens).toHaveLength(1);
    const refresh = [...as.provider.refresh.keys()];
    // no API gives a token back; the vault row is ciphertext, and not listed among the workspace's secrets
    const restServer = await rest("GET", "/api/v1/mcp-servers/{serverId}", { key: (await makeApiKey(a, "owner")).raw, params: { serverId } });
    for (const body of [JSON.stringify(server), JSON.stringify(restServer.body), JSON.stringify(await caller(a).mcpServers.list())]) {
      for (const secret of [...tokens, ...refresh]) expect(body).not.toContain(secret);
    }
    const row = await db().mcpServer.findUniqueOrThrow({ where: { id: serverId } });
    const vault = await db().secret.findUniqueOrThrow({ where: { id: row.oauthSecretId! } });
    expect(vault.kind).toBe("mcp_oauth");
    expect(Buffer.from(vault.ciphertext).toString("latin1")).not.toContain(tokens[0]!);
    expect(vault.last4).toBe("");
    const listed = await caller(a).secrets.list({});
    expect(listed.items.map((s) => s.id)).not.toContain(vault.id);
    expect(await outcome(caller(a).secrets.delete({ secretId: vault.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    // a system secret is not selectable as a bearer token
    expect(await outcome(caller(a).mcpServers.create({ name: `steal_${uniq()}`, url: as.url, authType: "bearer", secretId: vault.id }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
      message: expect.stringContaining("No such secret"),
    });
    expect((await auditRows(a.id, "mcp_server.authorize"))[0]?.metadata).toMatchObject({ name: "orders" });
  });

  it("a call sends the token to the server; an expired token is refreshed (on the 401, and before use) and the call works", async () => {
    const out = await call(a, "orders_lookup", { id: "7" });
    expect(out.isError).toBeUndefined();
    expect(String(out.output)).toContain("order 7: shipped");
    expect(as.calls.at(-1)?.authorization).toBe(`Bearer ${accessTokens().at(-1)}`);

    // the server stops accepting the token (the client still thinks it valid): 401, refresh, the session again
    as.expireAll();
    // 20 s: inside the client's 30 s refresh margin (so the next call refreshes before use), yet long enough that the
    // resource server never sees it expire mid-call on a loaded machine (1 s did: a third refresh, on the 401)
    as.provider.tokenTtlSeconds = 20;
    try {
      await expiringCalls();
    } finally {
      as.provider.tokenTtlSeconds = 3600;
    }
  });

  async function expiringCalls() {
    const refreshed = as.provider.refreshes;
    const again = await call(a, "orders_lookup", { id: "8" });
    expect(String(again.output)).toContain("order 8: shipped");
    expect(as.provider.refreshes).toBe(refreshed + 1);
    // that token is about to expire: the next call refreshes before it sends anything
    const before = as.calls.length;
    const third = await call(a, "orders_lookup", { id: "9" });
    expect(String(third.output)).toContain("order 9: shipped");
    expect(as.provider.refreshes).toBe(refreshed + 2);
    expect(as.calls.slice(before).every((c) => c.authorization === `Bearer ${accessTokens().at(-1)}`)).toBe(true);
  }

  it("calls at once with a refused token refresh it once (rotation with reuse detection): every call works", async () => {
    as.provider.reuseDetection = true;
    try {
      as.expireAll();
      const refreshed = as.provider.refreshes;
      const ids = ["21", "22", "23", "24"];
      const outs = await Promise.all(ids.map((id) => call(a, "orders_lookup", { id })));
      outs.forEach((out, i) => expect(String(out.output)).toContain(`order ${ids[i]}: shipped`));
      // one refresh token spent, once: a second refresh with it would have revoked the grant
      expect(as.provider.refreshes).toBe(refreshed + 1);
      expect(as.provider.reuses).toBe(0);
      expect((await caller(a).mcpServers.get({ serverId })).status).toBe("ok");
    } finally {
      as.provider.reuseDetection = false;
    }
  });

  it("a refresh lease held by another process is waited for, then taken once it is released", async () => {
    as.expireAll();
    const refreshed = as.provider.refreshes;
    // another process is refreshing
    expect(await claimRefreshLease(tenantOf(a), serverId)).toBe(true);
    const pending = call(a, "orders_lookup", { id: "31" });
    await sleep(3 * REFRESH_POLL_MS);
    expect(as.provider.refreshes).toBe(refreshed);
    // it ended without storing tokens (it failed): the waiting call refreshes itself
    await releaseRefreshLease(tenantOf(a), serverId);
    expect(String((await pending).output)).toContain("order 31: shipped");
    expect(as.provider.refreshes).toBe(refreshed + 1);
    const row = await db().mcpServer.findUniqueOrThrow({ where: { id: serverId }, select: { oauthRefreshUntil: true } });
    expect(row.oauthRefreshUntil).toBeNull();
    // a lease whose holder died lapses
    await db().mcpServer.update({ where: { id: serverId }, data: { oauthRefreshUntil: new Date(Date.now() - 1) } });
    expect(await claimRefreshLease(tenantOf(a), serverId)).toBe(true);
    await releaseRefreshLease(tenantOf(a), serverId);
  });

  it("a refresh the authorization server refuses: the call fails clearly, the server needs authorizing again", async () => {
    as.provider.refresh.clear();
    as.expireAll();
    const out = await call(a, "orders_lookup", { id: "1" });
    expect(out.isError).toBe(true);
    expect(String(out.output)).toMatch(/invalid_grant.*re-authorize/);
    const server = await caller(a).mcpServers.get({ serverId });
    expect(server.status).toBe("needs_auth");
    expect(server.lastError).toMatch(/re-authorize/);
  });

  it("re-authorize reuses the registration; the state is single-use, this member's, 10 minutes, this workspace's", async () => {
    // a used state
    const reused = await callback(firstCallback, a.users.owner);
    expect(reused.searchParams.get("mcpAuthError")).toMatch(/already used/);

    // another member's state (the admin started it; the owner arrives with it)
    const admin = await caller(a, "admin").mcpServers.authorize({ serverId });
    const adminCallback = await approve(admin.authorizationUrl);
    expect((await callback(adminCallback, a.users.owner)).searchParams.get("mcpAuthError")).toMatch(/Another member/);

    // an expired state
    const late = await caller(a).mcpServers.authorize({ serverId });
    const lateCallback = await approve(late.authorizationUrl);
    await db().mcpOAuthState.update({
      where: { stateHash: hashState(lateCallback.searchParams.get("state")!) },
      data: { expiresAt: new Date(Date.now() - 1_000) },
    });
    expect((await callback(lateCallback, a.users.owner)).searchParams.get("mcpAuthError")).toMatch(/expired/);

    // a state of workspace a brought to workspace b's callback (its owner is a member of b only)
    const cross = await caller(a).mcpServers.authorize({ serverId });
    const crossCallback = await approve(cross.authorizationUrl);
    const inB = new URL(crossCallback);
    inB.searchParams.set("workspace", b.slug);
    expect((await callback(inB, b.users.owner)).searchParams.get("mcpAuthError")).toMatch(/unknown in this workspace/);
    // signed out: refused before anything
    await signInRequest(null);
    expect((await callbackRoute!(new Request(crossCallback.href), { params: Promise.resolve({}) })).status).toBe(401);

    // the authorization server's error is shown as it is
    const denied = await caller(a).mcpServers.authorize({ serverId });
    const deniedState = new URL(denied.authorizationUrl).searchParams.get("state")!;
    const deniedUrl = new URL(`http://localhost:3000/api/mcp-oauth/callback?workspace=${a.slug}`);
    deniedUrl.searchParams.set("state", deniedState);
    deniedUrl.searchParams.set("error", "access_denied");
    deniedUrl.searchParams.set("error_description", "The user said no");
    expect((await callback(deniedUrl, a.users.owner)).searchParams.get("mcpAuthError")).toBe(
      "The authorization server refused: access_denied (The user said no)",
    );

    // the owner's own fresh state works, with the client registered once
    expect((await callback(crossCallback, a.users.owner)).searchParams.get("mcpAuthorized")).toBe("orders");
    expect(as.provider.clients.size).toBe(1);
    expect((await caller(a).mcpServers.get({ serverId })).status).toBe("ok");
    expect(String((await call(a, "orders_lookup", { id: "2" })).output)).toContain("order 2: shipped");
  });

  it("another workspace gets 404 for authorize and disconnect (tRPC and REST)", async () => {
    expect(await outcome(caller(b).mcpServers.authorize({ serverId }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(caller(b).mcpServers.disconnect({ serverId }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await rest("POST", "/api/v1/mcp-servers/{serverId}/authorize", { key: keyB, params: { serverId } })).status).toBe(404);
    expect((await rest("POST", "/api/v1/mcp-servers/{serverId}/disconnect", { key: keyB, params: { serverId } })).status).toBe(404);
    // a viewer may not start one
    expect(await outcome(caller(a, "viewer").mcpServers.authorize({ serverId }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("disconnect forgets the tokens (vault secret deleted); delete deletes them too", async () => {
    const secretId = (await db().mcpServer.findUniqueOrThrow({ where: { id: serverId } })).oauthSecretId!;
    const server = await caller(a).mcpServers.disconnect({ serverId });
    expect(server).toMatchObject({ status: "needs_auth", oauth: { authorizationServer: null, authorizedAt: null } });
    expect(await db().secret.findUnique({ where: { id: secretId } })).toBeNull();
    const out = await call(a, "orders_lookup", { id: "3" });
    expect(out).toMatchObject({ isError: true, output: expect.stringMatching(/not authorized yet/) });

    const { authorizationUrl } = await caller(a).mcpServers.authorize({ serverId });
    await callback(await approve(authorizationUrl), a.users.owner);
    const again = (await db().mcpServer.findUniqueOrThrow({ where: { id: serverId } })).oauthSecretId!;
    await caller(a).mcpServers.delete({ serverId });
    expect(await db().secret.findUnique({ where: { id: again } })).toBeNull();
    expect(await db().mcpOAuthState.count({ where: { mcpServerId: serverId } })).toBe(0);
  });

  it("discovery through a refused address is refused by the egress guard", async () => {
    const server = await caller(a).mcpServers.create({ name: `meta_${uniq()}`, url: "http://169.254.169.254/mcp", authType: "oauth" });
    const refused = await outcome(caller(a).mcpServers.authorize({ serverId: server.id }));
    expect(refused).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const after = await caller(a).mcpServers.get({ serverId: server.id });
    expect(after.lastError).toMatch(/^egress refused: 169\.254\.169\.254 is .*metadata/i);
  });
});
