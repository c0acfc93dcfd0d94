/**
 * The periodic MCP sync (./mcp-sync.ts): a due server is synced again in its own workspace as the person who connected
 * it (new tools registered, changed ones held for review), claimed once per interval, a failing one tried again an
 * interval later, never a disabled one or one whose creator may no longer manage tools; off with CADRE_MCP_SYNC_HOURS=0.
 * The clock is driven (a fake Date): the pass's time and the sync's own stamps agree.
 */
import { createServer, type Socket, type AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { newId } from "@/lib/ids";
import { addAgent, makeRunWorkspace } from "@/test/fixtures/runs";
import { setEnv } from "@/server/env";
import { testDb as db } from "@/test/db";
import { freePort, startBearerServer } from "@/test/fixtures/mcp-servers";
import { auditRows, callerFor, makeWorkspace, uniq, type TestWorkspace } from "@/test/helpers";
import { syncDueMcpServers } from "./mcp-sync";
import { startScheduler } from "./scheduler";
import { createSchedule } from "./service";

const HOUR = 3_600_000;
const TOKEN = `tok-${uniq()}-${uniq()}-secret`;
let a: TestWorkspace;
let b: TestWorkspace;
let remote: Awaited<ReturnType<typeof startBearerServer>>;

beforeAll(async () => {
  [a, b, remote] = await Promise.all([makeWorkspace("mcp-sync-a"), makeWorkspace("mcp-sync-b"), startBearerServer(TOKEN)]);
});

afterEach(() => {
  vi.useRealTimers();
  setEnv("CADRE_MCP_SYNC_HOURS", "6");
});

afterAll(async () => {
  await remote?.stop();
});

const as = (ws: TestWorkspace, role: "owner" | "admin" = "owner") => callerFor(ws.users[role], ws.slug);
const only = (...ws: TestWorkspace[]) => ({ workspaceIds: ws.map((w) => w.id) });

/** Connects the bearer server in `ws` (as `role`) at `at`. */
async function connect(ws: TestWorkspace, at: Date, role: "owner" | "admin" = "owner") {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(at);
  const secretId = (await as(ws, role).secrets.create({ name: `mcp-sync-${uniq()}`, value: TOKEN })).id;
  return as(ws, role).mcpServers.create({ name: `orders${uniq().slice(0, 6)}`, url: remote.url, authType: "bearer", secretId });
}

const pass = async (at: Date, ...ws: TestWorkspace[]) => {
  vi.setSystemTime(at);
  return syncDueMcpServers({ now: at, ...only(...ws) });
};

describe("the in-process scheduler", () => {
  it("syncs a due server beside the schedules: a server that does not answer never holds up a schedule's fire", async () => {
    const rw = await makeRunWorkspace("mcp-sync-sched");
    await addAgent(rw.ctx, "reporter");
    // a server that accepts connections and never answers (its sync waits for the client's timeout)
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`;
    const now = new Date("2031-06-01T08:00:00Z");
    await db().mcpServer.create({
      data: { id: newId("mcp"), workspaceId: rw.ws.id, name: "silent", url, status: "ok", nextSyncAt: now, createdById: rw.ws.users.owner.id },
    });
    const schedule = await createSchedule(rw.ctx, { name: "while syncing", agent: "reporter", cron: "*/5 * * * *", input: "while syncing" }, now);
    await db().schedule.update({ where: { id: schedule.id }, data: { nextRunAt: now } });
    const scheduler = startScheduler({ pollMs: 20, clock: () => now, workspaceIds: [rw.ws.id] });
    try {
      // the server was claimed (its sync is waiting for an answer) ...
      await expect.poll(async () => sockets.size, { timeout: 10_000 }).toBeGreaterThan(0);
      // ... and the schedule fires all the same
      await expect.poll(async () => db().run.count({ where: { workspaceId: rw.ws.id, input: "while syncing" } }), { timeout: 10_000 }).toBe(1);
    } finally {
      // the silent server goes away: its sync ends (unreachable), then the scheduler stops
      for (const socket of sockets) socket.destroy();
      silent.close();
      await scheduler.stop();
    }
    expect(await db().mcpServer.findFirstOrThrow({ where: { workspaceId: rw.ws.id, name: "silent" } })).toMatchObject({ status: "error" });
  });
});

describe("the periodic MCP sync", () => {
  it("syncs a due server in its workspace as its creator: a new tool registered, a changed one held for review; once per interval", async () => {
    const t0 = new Date("2031-03-01T08:00:00Z");
    const server = await connect(a, t0);
    expect(server.nextSyncAt).toEqual(new Date(t0.getTime() + 6 * HOUR));
    const prefix = server.name;

    // not due yet: nothing happens
    expect(await pass(new Date(t0.getTime() + 5 * HOUR), a)).toEqual({ synced: [], unreachable: [], skipped: [] });

    // the remote server changes: a new tool, a changed description
    remote.tools.set("refund", { description: "Refunds an order", args: ["id"] });
    remote.tools.set("lookup", { description: "Looks up an order (now with notes)", args: ["id"] });
    try {
      const due = new Date(t0.getTime() + 6 * HOUR + 60_000);
      expect(await pass(due, a)).toEqual({ synced: [server.id], unreachable: [], skipped: [] });
      const after = await as(a).mcpServers.get({ serverId: server.id });
      expect(after.lastSyncedAt).toEqual(due);
      expect(after.nextSyncAt).toEqual(new Date(due.getTime() + 6 * HOUR));
      expect(after.tools.find((t) => t.name === `${prefix}_refund`)).toMatchObject({ enabled: true, changed: false });
      expect(after.tools.find((t) => t.name === `${prefix}_lookup`)).toMatchObject({ enabled: false, changed: true });
      // granted to no agent: a new tool is registered, not handed out
      const refund = await db().tool.findFirstOrThrow({ where: { workspaceId: a.id, name: `${prefix}_refund` } });
      expect(refund).toMatchObject({ approval: { mode: "always" }, createdById: a.users.owner.id });

      // audited in its workspace, as the person who connected it
      const [audit] = await auditRows(a.id, "mcp_server.sync");
      expect(audit).toMatchObject({ actorType: "user", actorId: a.users.owner.id, targetId: server.id, requestId: `mcp-sync:${server.id}` });
      expect(audit!.metadata).toMatchObject({ status: "ok", added: [`${prefix}_refund`], changed: [`${prefix}_lookup`] });

      // claimed: a second pass at the same time finds nothing due
      expect((await pass(due, a)).synced).toEqual([]);
      expect((await auditRows(a.id, "mcp_server.sync")).length).toBe(2); // the connect's and the pass's
    } finally {
      remote.tools.delete("refund");
      remote.tools.set("lookup", { description: "Looks up an order by id", args: ["id"] });
    }
  });

  it("tries an unreachable server again an interval later, not at every pass; never a disabled one", async () => {
    const t0 = new Date("2031-04-01T08:00:00Z");
    const down = await connect(b, t0);
    const disabled = await connect(b, t0);
    await as(b).mcpServers.update({ serverId: disabled.id, enabled: false });
    expect((await as(b).mcpServers.get({ serverId: disabled.id })).nextSyncAt).toBeNull();
    // the server moves away (a closed port on 127.0.0.1)
    await db().mcpServer.update({ where: { id: down.id }, data: { url: `http://127.0.0.1:${await freePort()}/mcp` } });

    const due = new Date(t0.getTime() + 7 * HOUR);
    expect(await pass(due, b)).toEqual({ synced: [], unreachable: [down.id], skipped: [] });
    const after = await as(b).mcpServers.get({ serverId: down.id });
    expect(after).toMatchObject({ status: "error", lastError: expect.any(String) });
    // its tools are kept as they were
    expect(after.tools.map((t) => t.enabled)).toEqual(down.tools.map((t) => t.enabled));
    expect(after.nextSyncAt).toEqual(new Date(due.getTime() + 6 * HOUR));
    expect((await pass(new Date(due.getTime() + 60_000), b)).unreachable).toEqual([]);
    // the disabled server was never claimed
    expect((await db().mcpServer.findUniqueOrThrow({ where: { id: disabled.id } })).lastSyncedAt).toEqual(t0);
  });

  it("skips a server whose creator may no longer manage tools (tried again an interval later); off with CADRE_MCP_SYNC_HOURS=0", async () => {
    const ws = await makeWorkspace("mcp-sync-c");
    const t0 = new Date("2031-05-01T08:00:00Z");
    const server = await connect(ws, t0, "admin");
    await db().membership.update({ where: { workspaceId_userId: { workspaceId: ws.id, userId: ws.users.admin.id } }, data: { role: "viewer" } });
    const due = new Date(t0.getTime() + 6 * HOUR);
    expect(await pass(due, ws)).toEqual({ synced: [], unreachable: [], skipped: [server.id] });
    expect((await db().mcpServer.findUniqueOrThrow({ where: { id: server.id } })).nextSyncAt).toEqual(new Date(due.getTime() + 6 * HOUR));
    expect((await auditRows(ws.id, "mcp_server.sync")).length).toBe(1); // the connect's only

    setEnv("CADRE_MCP_SYNC_HOURS", "0");
    expect(await pass(new Date(due.getTime() + 100 * HOUR), ws)).toEqual({ synced: [], unreachable: [], skipped: [] });
    expect((await as(ws).mcpServers.get({ serverId: server.id })).nextSyncAt).toBeNull();
  });
});
