import { withFreshSession } from "@/test/helpers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testDb } from "@/test/db";
import { setEnv } from "@/server/env";
import { createCaller } from "@/server/api/root";
import { newId } from "@/lib/ids";
import { findRoute, makeApiKey, makeUser, makeWorkspace, rest, tick, uniq, type TestUser } from "@/test/helpers";
import { executeRoute } from "@/server/rest/define";
import { purgeExpiredAudit } from "@/server/audit/retention";
import { runRetentionPurge } from "@/server/retention/purge";
import { csvCell } from "@/server/audit/export";
import { auditEntries } from "@/server/audit/service";
import type { PrismaClient } from "@/server/db/generated/client";
import { runCadre } from "@/scripts/cadre";

/** A tRPC caller as the web app's route would build it, with the client's address and user agent. */
function webCaller(user: TestUser, slug: string, clientIp = "198.51.100.7", userAgent = "Mozilla/5.0 (Test) Browser/1") {
  return createCaller({ requestId: `req_${uniq()}`, user: withFreshSession(user), workspaceSlug: slug, origin: "http://localhost:3000", clientIp, userAgent });
}

async function restRaw(path: string, key: string, headers: Record<string, string> = {}, method = "GET", body?: unknown) {
  const route = findRoute(method, path.split("?")[0]!);
  return executeRoute(
    route,
    new Request(`http://localhost:3000${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    {},
  );
}

afterEach(() => vi.restoreAllMocks());

describe("audit entries record where a change came from", () => {
  it("tRPC: the client address and user agent of the request", async () => {
    const ws = await makeWorkspace("trail");
    await webCaller(ws.users.owner, ws.slug).workspaces.update({ name: "Renamed by web" });
    const [entry] = await testDb().auditLog.findMany({ where: { workspaceId: ws.id, action: "workspace.update" } });
    expect(entry).toMatchObject({ clientIp: "198.51.100.7", userAgent: "Mozilla/5.0 (Test) Browser/1", workspaceSlug: ws.slug });
  });

  it("tRPC outside a workspace (create a workspace, accept an invitation): the same", async () => {
    const owner = await makeUser("creator");
    const slug = `made-${uniq()}`;
    const outside = (user: TestUser) =>
      createCaller({
        requestId: "req_out",
        user: withFreshSession(user),
        workspaceSlug: null,
        origin: "http://localhost:3000",
        clientIp: "2001:db8::5",
        userAgent: "Safari/18",
      });
    const ws = await outside(owner).workspaces.create({ name: "Made", slug });
    const invitee = await makeUser("joiner");
    const { url } = await webCaller(owner, slug).invitations.create({ email: invitee.email, role: "member" });
    await outside(invitee).invitations.accept({ token: url.split("/invite/")[1]! });
    const rows = await testDb().auditLog.findMany({ where: { workspaceId: ws.id, action: { in: ["workspace.create", "invitation.accept"] } } });
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.clientIp === "2001:db8::5" && r.userAgent === "Safari/18")).toBe(true);
  });

  it("REST: the client address (behind a trusted proxy) and user agent, and the list returns them", async () => {
    const ws = await makeWorkspace("trail");
    const key = (await makeApiKey(ws, "owner")).raw;
    setEnv("CADRE_TRUSTED_PROXIES", "10.0.0.0/8");
    const res = await restRaw("/api/v1/workspace", key, { "x-forwarded-for": "203.0.113.9, 10.0.0.1", "user-agent": "cadre-cli/1.0" }, "PATCH", {
      name: "Renamed by key",
    }).finally(() => setEnv("CADRE_TRUSTED_PROXIES", ""));
    expect(res.status).toBe(200);
    const list = await rest("GET", "/api/v1/audit", { key, query: { action: "workspace.update" } });
    expect(list.body.data[0]).toMatchObject({ action: "workspace.update", clientIp: "203.0.113.9", userAgent: "cadre-cli/1.0" });
  });
});

describe("audit filters and keyset paging", () => {
  async function seeded() {
    const ws = await makeWorkspace("filter");
    const base = Date.UTC(2026, 0, 10, 12, 0, 0);
    const rows = [];
    for (let i = 0; i < 12; i++) {
      const byKey = i % 3 === 0;
      rows.push({
        id: newId("aud"),
        workspaceId: ws.id,
        workspaceSlug: ws.slug,
        actorType: byKey ? "api_key" : "user",
        actorId: byKey ? "key_robot000000000000" : ws.users.admin.id,
        actorLabel: byKey ? 'API key "robot"' : ws.users.admin.email,
        action: i % 2 === 0 ? "agent.update" : "member.role_change",
        targetType: "agent",
        metadata: {},
        // two entries per day, the pair at the same millisecond (the id breaks the tie)
        createdAt: new Date(base + Math.floor(i / 2) * 86_400_000),
      });
    }
    await testDb().auditLog.createMany({ data: rows });
    return { ws, key: (await makeApiKey(ws, "owner", ["audit:read"])).raw, base, rows };
  }

  it("filters by actor id, by part of the actor's label, by action and by date range", async () => {
    const { ws, key, base } = await seeded();
    const caller = webCaller(ws.users.owner, ws.slug);
    expect((await caller.audit.list({ actor: "key_robot000000000000" })).items).toHaveLength(4);
    expect((await caller.audit.list({ actor: "ROBOT" })).items).toHaveLength(4);
    expect((await caller.audit.list({ actor: ws.users.admin.email.slice(0, 12) })).items).toHaveLength(8);
    expect((await caller.audit.list({ action: "member." })).items.every((e) => e.action === "member.role_change")).toBe(true);
    const range = await caller.audit.list({ from: new Date(base + 86_400_000), to: new Date(base + 3 * 86_400_000) });
    expect(range.items).toHaveLength(4);
    expect(range.items.every((e) => e.createdAt.getTime() >= base + 86_400_000 && e.createdAt.getTime() < base + 3 * 86_400_000)).toBe(true);
    // REST takes the same filters as query strings
    const viaRest = await rest("GET", "/api/v1/audit", { key, query: { actor: "robot", action: "agent.", from: new Date(base).toISOString() } });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body.data.map((e: { action: string; actorLabel: string }) => [e.action, e.actorLabel])).toEqual([
      ["agent.update", 'API key "robot"'],
      ["agent.update", 'API key "robot"'],
    ]);
  });

  it("pages on (createdAt, id) without gaps or repeats across equal timestamps, with filters, and a purged cursor row still works", async () => {
    const { ws, rows } = await seeded();
    const caller = webCaller(ws.users.owner, ws.slug);
    const seen: string[] = [];
    let cursor: string | undefined;
    let first: string | undefined;
    do {
      const page = await caller.audit.list({ limit: 3, cursor, actor: ws.users.admin.id });
      seen.push(...page.items.map((e) => e.id));
      first ??= page.nextCursor ?? undefined;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const expected = rows
      .filter((r) => r.actorType === "user")
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    expect(seen).toEqual(expected);
    // the row a cursor points at is gone (purged): the cursor is a position, not a row
    await testDb().auditLog.delete({ where: { id: seen[2]! } });
    const after = await caller.audit.list({ limit: 3, cursor: first, actor: ws.users.admin.id });
    expect(after.items.map((e) => e.id)).toEqual(expected.slice(3, 6));
  });

  it("refuses an action filter that starts no known action (tRPC and REST)", async () => {
    const { ws, key } = await seeded();
    await expect(webCaller(ws.users.owner, ws.slug).audit.list({ action: "agnet." })).rejects.toMatchObject({ code: "UNPROCESSABLE_CONTENT" });
    const res = await rest("GET", "/api/v1/audit", { key, query: { action: "agent.creat" } });
    expect(res.status).toBe(200);
    expect((await rest("GET", "/api/v1/audit", { key, query: { action: "member.invite" } })).status).toBe(422);
  });

  it("refuses a malformed cursor with 400 INVALID_CURSOR", async () => {
    const { key } = await seeded();
    const res = await rest("GET", "/api/v1/audit", { key, query: { cursor: "not-a-cursor" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_CURSOR");
  });
});

describe("audit export", () => {
  it("streams JSON Lines and CSV over REST with the filters, read page by page from the database", async () => {
    const ws = await makeWorkspace("export");
    const data = Array.from({ length: 1203 }, (_, i) => ({
      id: newId("aud"),
      workspaceId: ws.id,
      actorType: "user",
      actorId: ws.users.owner.id,
      actorLabel: ws.users.owner.email,
      action: i === 0 ? "agent.create" : "agent.update",
      targetType: "agent",
      targetId: `agt_${i}`,
      metadata: { i, note: i === 1 ? '=HYPERLINK("http://evil")' : 'a, "quoted"\nline' },
      clientIp: "192.0.2.1",
      userAgent: "UA",
      createdAt: new Date(Date.UTC(2026, 1, 1) + i * 1000),
    }));
    await testDb().auditLog.createMany({ data });
    const key = (await makeApiKey(ws, "admin", ["audit:read"])).raw;

    const takes: number[] = [];
    const findMany = (args: { take: number }) => {
      takes.push(args.take);
      return testDb().auditLog.findMany(args as never);
    };
    const counting = { auditLog: { findMany } } as unknown as PrismaClient;
    let streamed = 0;
    for await (const _entry of auditEntries(ws.id, {}, counting)) streamed++;
    expect(streamed).toBe(1203);
    const jsonl = await restRaw("/api/v1/audit/export?format=jsonl", key);
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get("content-type")).toContain("application/x-ndjson");
    expect(jsonl.headers.get("content-disposition")).toContain(`audit-${ws.slug}.jsonl`);
    expect(jsonl.headers.get("x-request-id")).toBeTruthy();
    const lines = (await jsonl.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1203);
    expect(lines[0]).toMatchObject({ action: "agent.update", targetId: "agt_1202", clientIp: "192.0.2.1" });
    expect(lines[1202]).toMatchObject({ action: "agent.create" });
    // keyset pages of at most 500 (+1): never the whole log in one read
    expect(takes).toEqual([501, 501, 501]);

    const csv = await restRaw(`/api/v1/audit/export?format=csv&action=agent.create`, key);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const text = await csv.text();
    const rowsCsv = text.trim().split("\r\n");
    expect(rowsCsv[0]).toBe("id,createdAt,actorType,actorId,actorLabel,action,targetType,targetId,clientIp,userAgent,requestId,metadata");
    expect(rowsCsv).toHaveLength(2);
    expect(rowsCsv[1]).toContain(",agent.create,agent,agt_0,192.0.2.1,UA,,");

    const range = await restRaw(`/api/v1/audit/export?format=jsonl&from=${new Date(Date.UTC(2026, 1, 1) + 1000 * 1200).toISOString()}`, key);
    expect((await range.text()).trim().split("\n")).toHaveLength(3);
  });

  it("CSV cells are quoted, and formulas neutralised", () => {
    expect(csvCell('a, "b"\nc')).toBe('"a, ""b""\nc"');
    expect(csvCell("=SUM(A1)")).toBe("'=SUM(A1)");
    expect(csvCell("@cmd")).toBe("'@cmd");
    expect(csvCell({ x: "=1" })).toBe('"{""x"":""=1""}"');
    expect(csvCell(null)).toBe("");
  });

  it("needs audit:read (REST and tRPC), and the tRPC export streams the same lines", async () => {
    const ws = await makeWorkspace("export");
    const member = (await makeApiKey(ws, "member")).raw;
    const denied = await restRaw("/api/v1/audit/export", member);
    expect(denied.status).toBe(403);
    expect((await denied.json()).error.code).toBe("FORBIDDEN");
    await webCaller(ws.users.owner, ws.slug).workspaces.update({ name: "One change" });
    const chunks: string[] = [];
    for await (const chunk of await webCaller(ws.users.owner, ws.slug).audit.export({ format: "csv" })) chunks.push(chunk);
    expect(chunks[0]).toMatch(/^id,createdAt/);
    expect(chunks.slice(1).join("")).toContain("workspace.update");
    await expect(webCaller(ws.users.member, ws.slug).audit.export({ format: "jsonl" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("workspace deletion", () => {
  it("is audited, and the workspace's entries outlive it with its slug; the CLI exports them by id or former slug", async () => {
    const owner = await makeUser("deleter");
    const slug = `del-${uniq()}`;
    const ws = await createCaller({ requestId: "req_t", user: withFreshSession(owner), workspaceSlug: null, origin: "" }).workspaces.create({
      name: "Doomed",
      slug,
    });
    const caller = webCaller(owner, slug);
    await caller.workspaces.update({ name: "Doomed 2" });
    expect(await caller.workspaces.delete({ confirmSlug: slug.toUpperCase() })).toMatchObject({ deleted: true, recoverableUntil: expect.any(Date) });
    // a soft delete: the row waits out its recovery window (docs/data-retention.md), then the purge removes it
    expect((await testDb().workspace.findUniqueOrThrow({ where: { id: ws.id } })).deletedAt).not.toBeNull();
    await testDb().workspace.update({ where: { id: ws.id }, data: { purgeAfter: new Date(Date.now() - 1000) } });
    await runRetentionPurge();
    expect(await testDb().workspace.findUnique({ where: { id: ws.id } })).toBeNull();
    const kept = await testDb().auditLog.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "desc" } });
    expect(kept.map((e) => e.action)).toEqual(["workspace.purge", "workspace.delete", "workspace.update", "workspace.create"]);
    expect(kept[1]).toMatchObject({ actorId: owner.id, workspaceSlug: slug, clientIp: "198.51.100.7", metadata: { name: "Doomed 2", slug, members: 1 } });

    const io = {
      lines: [] as string[],
      errors: [] as string[],
      out(l: string) {
        this.lines.push(l);
      },
      err(l: string) {
        this.errors.push(l);
      },
    };
    expect(await runCadre(["audit", "export", "--workspace", slug], io)).toBe(0);
    expect(io.lines.map((l) => JSON.parse(l).action)).toEqual(["workspace.purge", "workspace.delete", "workspace.update", "workspace.create"]);
  });

  it("over REST: owners only, with the slug typed again; a wrong slug changes nothing", async () => {
    const ws = await makeWorkspace("delrest");
    const admin = (await makeApiKey(ws, "admin")).raw;
    const owner = (await makeApiKey(ws, "owner")).raw;
    expect((await rest("DELETE", "/api/v1/workspace", { key: admin, body: { confirmSlug: ws.slug } })).status).toBe(403);
    const wrong = await rest("DELETE", "/api/v1/workspace", { key: owner, body: { confirmSlug: "nope" } });
    expect(wrong.status).toBe(400);
    expect(await testDb().workspace.findUnique({ where: { id: ws.id } })).not.toBeNull();
    const done = await rest("DELETE", "/api/v1/workspace", { key: owner, body: { confirmSlug: ws.slug } });
    expect(done).toMatchObject({ status: 200, body: { deleted: true } });
    const [entry] = await testDb().auditLog.findMany({ where: { workspaceId: ws.id, action: "workspace.delete" } });
    expect(entry).toMatchObject({ actorType: "api_key", workspaceSlug: ws.slug });
    // the key died with its workspace
    expect((await rest("GET", "/api/v1/me", { key: owner })).status).toBe(401);
  });
});

describe("retention", () => {
  it("purges entries and auth events older than the retention period, of live and deleted workspaces alike, and nothing with 0 days", async () => {
    const ws = await makeWorkspace("retain");
    const old = new Date(Date.now() - 400 * 86_400_000);
    const gone = `ws_deleted${uniq()}`;
    await testDb().auditLog.createMany({
      data: [
        { id: newId("aud"), workspaceId: ws.id, actorType: "user", action: "agent.create", targetType: "agent", createdAt: old },
        { id: newId("aud"), workspaceId: gone, actorType: "user", action: "agent.update", targetType: "agent", createdAt: old },
        { id: newId("aud"), workspaceId: gone, actorType: "user", action: "agent.archive", targetType: "agent" },
      ],
    });
    await testDb().authEvent.create({ data: { id: newId("aev"), action: "auth.sign_in", email: `old-${uniq()}@example.test`, createdAt: old } });
    expect(await purgeExpiredAudit({ retentionDays: 0 })).toMatchObject({ auditEntries: 0, authEvents: 0 });
    expect(await testDb().auditLog.count({ where: { workspaceId: { in: [ws.id, gone] } } })).toBe(3);

    const result = await purgeExpiredAudit({ retentionDays: 365 });
    expect(result.auditEntries).toBeGreaterThanOrEqual(2);
    expect(result.authEvents).toBeGreaterThanOrEqual(1);
    expect((await testDb().auditLog.findMany({ where: { workspaceId: { in: [ws.id, gone] } } })).map((e) => e.action)).toEqual(["agent.archive"]);

    await tick();
    const io = {
      lines: [] as string[],
      out(l: string) {
        this.lines.push(l);
      },
      err() {},
    };
    expect(await runCadre(["audit", "purge"], io)).toBe(0);
    expect(io.lines.join("\n")).toMatch(/Purged \d+ audit entries and \d+ auth events older than/);
  });
});
