/**
 * The retention purge reclaims the MCP rows that can no longer be used (tokens, connections, sessions, call records,
 * pending authorizations of remote servers) and old incoming webhook deliveries, of every workspace, and keeps the
 * live ones; an idle MCP session is refused before the purge removes it.
 */
import { describe, expect, it } from "vitest";
import { newId } from "@/lib/ids";
import { MCP_SESSION_IDLE_DAYS } from "@/lib/schemas/mcp-endpoint";
import { findMcpSession, openMcpSession } from "@/server/mcp-endpoint/sessions";
import { createTrigger } from "@/server/triggers/service";
import { testDb as db } from "@/test/db";
import { addAgent, addTeam, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { makeWorkspace, uniq, type TestWorkspace } from "@/test/helpers";
import { purgeExpiredMcpRows, purgeWebhookTriggerDeliveries, runRetentionPurge } from "./purge";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

async function connection(ws: TestWorkspace, codeExpiresAt: Date, tokens: { kind: "access" | "refresh"; expiresAt: Date }[]) {
  const client = await db().oAuthClient.create({ data: { id: newId("ocl"), name: "purge client", redirectUris: ["https://client.example/cb"] } });
  const id = newId("mcpc");
  await db().mcpConnection.create({
    data: {
      id,
      workspaceId: ws.id,
      clientId: client.id,
      userId: ws.users.owner.id,
      resource: `http://localhost:3000/api/mcp/${ws.slug}`,
      scopes: ["agents:read"],
      redirectUri: "https://client.example/cb",
      codeHash: `h-${uniq()}${uniq()}`,
      codeChallenge: "c",
      codeExpiresAt,
      ...(tokens.length ? { codeUsedAt: codeExpiresAt } : {}),
    },
  });
  const tokenIds: string[] = [];
  for (const t of tokens) {
    const row = await db().mcpToken.create({
      data: { id: newId("mtok"), workspaceId: ws.id, connectionId: id, kind: t.kind, tokenHash: `t-${uniq()}${uniq()}`, expiresAt: t.expiresAt },
    });
    tokenIds.push(row.id);
  }
  return { id, tokenIds };
}

async function oauthState(ws: TestWorkspace, serverId: string, expiresAt: Date) {
  const stateHash = `s-${uniq()}${uniq()}`;
  await db().mcpOAuthState.create({
    data: {
      stateHash,
      workspaceId: ws.id,
      mcpServerId: serverId,
      userId: ws.users.owner.id,
      ciphertext: Buffer.from("c"),
      iv: Buffer.from("i"),
      authTag: Buffer.from("t"),
      wrappedKey: Buffer.from("w"),
      keyVersion: "v",
      expiresAt,
    },
  });
  return stateHash;
}

const ids = async <T extends { id: string }>(rows: Promise<T[]>) => (await rows).map((r) => r.id).sort();

describe("purging MCP rows that can no longer be used", () => {
  it("deletes tokens expired for an hour, then connections left with no token whose code is dead; keeps the rest", async () => {
    const [a, b] = await Promise.all([makeWorkspace("mcp-purge-a"), makeWorkspace("mcp-purge-b")]);
    // every token expired long ago: the tokens, then the connection
    const dead = await connection(a, ago(40 * DAY), [
      { kind: "access", expiresAt: ago(39 * DAY) },
      { kind: "refresh", expiresAt: ago(2 * HOUR) },
    ]);
    // another workspace's, the same
    const deadB = await connection(b, ago(40 * DAY), [{ kind: "refresh", expiresAt: ago(3 * HOUR) }]);
    // a code never exchanged, long expired
    const abandoned = await connection(a, ago(2 * HOUR), []);
    // live: a refresh token still valid (its expired access token goes)
    const live = await connection(a, ago(10 * DAY), [
      { kind: "access", expiresAt: ago(5 * HOUR) },
      { kind: "refresh", expiresAt: ahead(20 * DAY) },
    ]);
    // just expired (within the hour): kept for now; a pending code still exchangeable: kept
    const recent = await connection(b, ago(10 * DAY), [{ kind: "access", expiresAt: ago(60_000) }]);
    const pending = await connection(b, ahead(5 * 60_000), []);

    const result = await purgeExpiredMcpRows(new Date(), 2);
    expect(result.mcpTokens).toBeGreaterThanOrEqual(4);
    expect(result.mcpConnections).toBeGreaterThanOrEqual(3);
    const mine = [dead, deadB, abandoned, live, recent, pending];
    expect(await ids(db().mcpConnection.findMany({ where: { id: { in: mine.map((c) => c.id) } }, select: { id: true } }))).toEqual(
      [live.id, recent.id, pending.id].sort(),
    );
    expect(await ids(db().mcpToken.findMany({ where: { connectionId: { in: mine.map((c) => c.id) } }, select: { id: true } }))).toEqual(
      [live.tokenIds[1]!, recent.tokenIds[0]!].sort(),
    );
  });

  it("refuses a session idle longer than the limit, and the purge deletes it (with its call records); keeps the rest", async () => {
    const rw = await makeRunWorkspace("mcp-purge-sessions");
    const [a, ctx] = [rw.ws, rw.ctx];
    const client = { name: "purge client", version: "1", protocolVersion: "2025-06-18" };
    const [idle, active] = [await openMcpSession(ctx, "api_key:k", client), await openMcpSession(ctx, "api_key:k", client)];
    await db().mcpSession.update({ where: { id: idle.id }, data: { lastSeenAt: ago((MCP_SESSION_IDLE_DAYS + 1) * DAY) } });
    await db().mcpSession.update({ where: { id: active.id }, data: { lastSeenAt: ago((MCP_SESSION_IDLE_DAYS - 1) * DAY) } });
    expect(await findMcpSession(ctx, "api_key:k", idle.id)).toBeNull();
    expect((await findMcpSession(ctx, "api_key:k", active.id))?.id).toBe(active.id);

    const call = (sessionId: string, expiresAt: Date) =>
      db().mcpCallRun.create({ data: { id: newId("mcr"), workspaceId: a.id, principal: "api_key:k", sessionId, requestKey: `number:${uniq()}`, expiresAt } });
    const [ofIdle, stale, current] = [await call(idle.id, ahead(HOUR)), await call(active.id, ago(2 * HOUR)), await call(active.id, ahead(HOUR))];

    const result = await purgeExpiredMcpRows(new Date(), 1000);
    expect(result.mcpSessions).toBeGreaterThanOrEqual(1);
    expect(result.mcpCallRuns).toBeGreaterThanOrEqual(1);
    expect(await ids(db().mcpSession.findMany({ where: { workspaceId: a.id }, select: { id: true } }))).toEqual([active.id]);
    expect(await ids(db().mcpCallRun.findMany({ where: { id: { in: [ofIdle.id, stale.id, current.id] } }, select: { id: true } }))).toEqual([current.id]);
  });

  it("deletes pending authorizations of MCP servers expired for an hour, through the scheduled purge; keeps the others", async () => {
    const a = await makeWorkspace("mcp-purge-states");
    const server = await db().mcpServer.create({ data: { id: newId("mcp"), workspaceId: a.id, name: "remote", url: "https://mcp.example.com/mcp" } });
    await oauthState(a, server.id, ago(2 * HOUR));
    const justExpired = await oauthState(a, server.id, ago(60_000));
    const live = await oauthState(a, server.id, ahead(5 * 60_000));
    const result = await runRetentionPurge();
    expect(result.mcpOAuthStates).toBeGreaterThanOrEqual(1);
    const left = (await db().mcpOAuthState.findMany({ where: { mcpServerId: server.id }, select: { stateHash: true } })).map((r) => r.stateHash);
    expect(left.sort()).toEqual([justExpired, live].sort());
  });
});

describe("purging incoming webhook deliveries", () => {
  it("deletes the deliveries older than the workspace's run-events window (else the default); keeps the newer ones", async () => {
    const [short, normal] = await Promise.all([makeRunWorkspace("hook-purge-short"), makeRunWorkspace("hook-purge-normal")]);
    await db().workspace.update({ where: { id: short.ws.id }, data: { retentionRunEventsDays: 5 } });
    for (const rw of [short, normal]) {
      await addAgent(rw.ctx, "one");
      await addTeam(rw.ctx, "hooked", { topology: "sequential", agents: ["one"] });
    }
    const delivery = async (rw: RunWorkspace, createdAt: Date) => {
      const trigger = await createTrigger(rw.ctx, { name: `hook ${uniq()}`, team: "hooked" });
      const row = await db().webhookTriggerDelivery.create({
        data: { id: newId("whtd"), workspaceId: rw.ws.id, triggerId: trigger.trigger.id, webhookId: `msg_${uniq()}`, runId: newId("run"), createdAt },
      });
      return row.id;
    };
    const shortOld = await delivery(short, ago(6 * DAY));
    const shortNew = await delivery(short, ago(4 * DAY));
    const normalOld = await delivery(normal, ago(31 * DAY));
    const normalNew = await delivery(normal, ago(6 * DAY));
    const purged = await purgeWebhookTriggerDeliveries(new Date(), 1, 30);
    expect(purged).toBeGreaterThanOrEqual(2);
    const left = await ids(db().webhookTriggerDelivery.findMany({ where: { id: { in: [shortOld, shortNew, normalOld, normalNew] } }, select: { id: true } }));
    expect(left).toEqual([shortNew, normalNew].sort());
  });
});
