/**
 * Every list pages with the one keyset cursor on (createdAt, id) (server/db/cursor.ts): no row is skipped or
 * repeated, rows with equal timestamps included; a cursor is a position, so a row leaving the filter between two
 * pages (a queued run cancelled) skips nothing; anything that is not a cursor is a 400 INVALID_CURSOR on every list,
 * over tRPC and REST. A run's steps page too, with their texts bounded.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { restRoutes } from "@/server/rest/routes";
import { decodeCursor, encodePosition } from "@/server/db/cursor";
import { STEP_TEXT_LIMIT } from "@/lib/schemas/runs";
import { callerFor, makeApiKey, makeWorkspace, outcome, procedureAt, rest, type TestWorkspace } from "@/test/helpers";

const RUBRIC = { criteria: [{ key: "accuracy", description: "Right", weight: 1 }] };

let ws: TestWorkspace;
let key: string;
const owner = () => callerFor(ws.users.owner, ws.slug);

beforeAll(async () => {
  ws = await makeWorkspace("pages");
  key = (await makeApiKey(ws, "owner")).raw;
});

/** Inserts queued runs of the workspace, one millisecond apart (oldest first), returned newest first. */
async function queuedRuns(n: number, base = Date.now() - 60_000): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = newId("run");
    const at = new Date(base + i);
    await db().run.create({
      data: {
        id,
        workspaceId: ws.id,
        targetType: "agent",
        input: `run ${i}`,
        status: "queued",
        createdByType: "user",
        createdById: ws.users.owner.id,
        queuedAt: at,
        createdAt: at,
      },
    });
    ids.push(id);
  }
  return ids.reverse();
}

/** Every page of a tRPC list, walked with its cursors. */
async function walk<T extends { id: string }>(
  page: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const p = await page(cursor);
    ids.push(...p.items.map((x) => x.id));
    cursor = p.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 100);
  return { ids, pages };
}

describe("the cursor", () => {
  it("is an opaque base64url position that round-trips; anything else is INVALID_CURSOR", () => {
    const at = new Date("2026-12-04T10:00:00.123Z");
    const cursor = encodePosition(at, "agt_abc123def456");
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ at, id: "agt_abc123def456" });
    for (const bad of [
      "",
      "not a cursor",
      "bm90LWEtY3Vyc29y",
      Buffer.from("12:").toString("base64url"),
      Buffer.from("x:agt_1").toString("base64url"),
      `${cursor}=`,
      `${cursor}A`,
    ]) {
      expect(() => decodeCursor(bad), bad).toThrowError(expect.objectContaining({ code: "INVALID_CURSOR" }));
    }
  });
});

describe("runs: a keyset cursor, not a row to look up", () => {
  it("a queued run cancelled between two pages of the queued runs skips nothing", async () => {
    const ids = await queuedRuns(5);
    const page1 = await owner().runs.list({ status: "queued", limit: 2 });
    expect(page1.items.map((r) => r.id)).toEqual(ids.slice(0, 2));
    // the last run of page 1 leaves the filter before page 2 is read
    await db().run.update({ where: { id: ids[1]! }, data: { status: "cancelled", finishedAt: new Date() } });
    const page2 = await owner().runs.list({ status: "queued", limit: 2, cursor: page1.nextCursor! });
    expect(page2.items.map((r) => r.id)).toEqual(ids.slice(2, 4));
    const page3 = await owner().runs.list({ status: "queued", limit: 2, cursor: page2.nextCursor! });
    expect(page3.items.map((r) => r.id)).toEqual(ids.slice(4));
    expect(page3.nextCursor).toBeNull();
    // the same over REST
    const rest1 = await rest("GET", "/api/v1/runs", { key, query: { status: "queued", limit: "2", cursor: page1.nextCursor! } });
    expect(rest1.status).toBe(200);
    expect(rest1.body.data.map((r: { id: string }) => r.id)).toEqual(ids.slice(2, 4));
    await db().run.deleteMany({ where: { id: { in: ids } } });
  });

  it("a cursor whose run was deleted still marks the position", async () => {
    const ids = await queuedRuns(4);
    const page1 = await owner().runs.list({ limit: 2 });
    await db().run.delete({ where: { id: ids[1]! } });
    const page2 = await owner().runs.list({ limit: 2, cursor: page1.nextCursor! });
    expect(page2.items.map((r) => r.id)).toEqual(ids.slice(2, 4));
    await db().run.deleteMany({ where: { id: { in: ids } } });
  });
});

describe("agents, teams, versions, secrets, models and members page alike", () => {
  it("pages every list without gaps or repeats, equal timestamps included, newest first (members: in the order they joined)", async () => {
    const o = owner();
    for (let i = 0; i < 5; i++) await o.agents.create({ slug: `pager-${i}`, name: `Pager ${i}` });
    for (let i = 0; i < 5; i++)
      await o.teams.create({ slug: `crew-${i}`, name: `Crew ${i}`, spec: { topology: "sequential", agents: ["pager-0", "pager-1"] } });
    for (let i = 0; i < 5; i++) await o.secrets.create({ name: `SECRET_${i}`, value: `value-${i}-xxxx` });
    for (let i = 1; i < 5; i++) await o.agents.update({ agent: "pager-0", instructions: `v${i + 1}` });
    for (let i = 1; i < 5; i++) await o.teams.update({ team: "crew-0", description: `v${i + 1}` });
    const provider = await o.providers.create({ name: "Local", kind: "openai_compatible", baseUrl: "http://localhost:11434/v1" });
    for (let i = 0; i < 3; i++) await o.models.create({ providerId: provider.id, modelId: `local-${i}`, inputPrice: 0, outputPrice: 0 });
    // three agents, three secrets and two members share one timestamp: the id orders them
    const same = new Date(Date.now() - 5_000);
    await db().agent.updateMany({ where: { workspaceId: ws.id, slug: { in: ["pager-1", "pager-2", "pager-3"] } }, data: { createdAt: same } });
    await db().secret.updateMany({ where: { workspaceId: ws.id, name: { in: ["SECRET_1", "SECRET_2", "SECRET_3"] } }, data: { createdAt: same } });
    await db().membership.updateMany({ where: { workspaceId: ws.id, role: { in: ["member", "viewer"] } }, data: { createdAt: same } });

    const expectOrder = async (rows: { id: string; createdAt: Date }[], ids: string[], order: "asc" | "desc") => {
      const sorted = [...rows].sort(
        (a, b) => (a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) * (order === "asc" ? 1 : -1),
      );
      expect(ids).toEqual(sorted.map((r) => r.id));
    };

    const agents = await walk((cursor) => o.agents.list({ limit: 2, cursor }));
    expect(agents.pages).toBe(3);
    await expectOrder(await db().agent.findMany({ where: { workspaceId: ws.id, archivedAt: null } }), agents.ids, "desc");

    const teams = await walk((cursor) => o.teams.list({ limit: 2, cursor }));
    await expectOrder(await db().team.findMany({ where: { workspaceId: ws.id, archivedAt: null } }), teams.ids, "desc");

    const agent = await o.agents.get({ agent: "pager-0" });
    const versions = await walk(async (cursor) => {
      const p = await o.agents.versions({ agent: agent.id, limit: 2, cursor });
      return { items: p.items.map((v) => ({ id: String(v.version) })), nextCursor: p.nextCursor };
    });
    expect(versions.ids).toEqual(["5", "4", "3", "2", "1"]);
    const team = await o.teams.get({ team: "crew-0" });
    const teamVersions = await walk(async (cursor) => {
      const p = await o.teams.versions({ team: team.id, limit: 3, cursor });
      return { items: p.items.map((v) => ({ id: String(v.version) })), nextCursor: p.nextCursor };
    });
    expect(teamVersions.ids).toEqual(["5", "4", "3", "2", "1"]);

    const secrets = await walk((cursor) => o.secrets.list({ limit: 2, cursor }));
    await expectOrder(await db().secret.findMany({ where: { workspaceId: ws.id } }), secrets.ids, "desc");

    const models = await walk((cursor) => o.models.list({ limit: 2, cursor }));
    await expectOrder(await db().model.findMany({ where: { workspaceId: ws.id } }), models.ids, "desc");
    const localModels = await walk((cursor) => o.models.list({ provider: provider.id, limit: 2, cursor }));
    expect(localModels.ids).toHaveLength(3);

    const members = await walk((cursor) => o.members.list({ limit: 1, cursor }));
    expect(members.pages).toBe(4);
    await expectOrder(await db().membership.findMany({ where: { workspaceId: ws.id } }), members.ids, "asc");
  });

  it("REST answers { data, nextCursor } and walks the same pages", async () => {
    const agent = await owner().agents.get({ agent: "pager-0" });
    const team = await owner().teams.get({ team: "crew-0" });
    for (let i = 0; i < 3; i++) await owner().memories.create({ content: `page memory ${i}` });
    for (let i = 0; i < 3; i++) await owner().memoryDocuments.create({ text: `page document ${i}` });
    for (let i = 0; i < 3; i++) await owner().memoryModels.set({ scopeType: "subject", scopeId: `page:${i}`, policy: { type: "preset", preset: "fast" } });
    for (let i = 0; i < 3; i++) await owner().webhooks.create({ url: `https://hooks.example.com/page-${i}`, eventTypes: ["run.failed"] });
    const hook = (await owner().webhooks.list({ limit: 1 })).items[0]!;
    for (let i = 0; i < 3; i++) await owner().webhooks.test({ webhookId: hook.id });
    for (let i = 0; i < 3; i++) await owner().triggers.create({ name: `page trigger ${i}`, agent: "pager-0" });
    for (let i = 0; i < 3; i++) await owner().schedules.create({ name: `page schedule ${i}`, agent: "pager-0", cron: "0 9 * * *", input: "x", paused: true });
    for (let i = 0; i < 3; i++) await owner().judges.create({ slug: `page-judge-${i}`, name: `Page judge ${i}`, rubric: RUBRIC });
    for (let i = 1; i < 4; i++) await owner().judges.update({ judge: "page-judge-0", instructions: `Version ${i + 1}.` });
    for (let i = 0; i < 3; i++) {
      const runId = newId("run");
      await db().run.create({
        data: {
          id: runId,
          workspaceId: ws.id,
          targetType: "agent",
          input: "x",
          status: "succeeded",
          output: { text: `page ${i}` },
          createdByType: "user",
          createdById: ws.users.owner.id,
        },
      });
      await owner().labels.save({ runId, verdict: "pass" });
    }
    const lists: [string, Record<string, string>, () => Promise<{ id?: string; version?: number }[]>][] = [
      ["/api/v1/agents", {}, async () => (await owner().agents.list({ limit: 200 })).items],
      ["/api/v1/teams", {}, async () => (await owner().teams.list({ limit: 200 })).items],
      ["/api/v1/secrets", {}, async () => (await owner().secrets.list({ limit: 200 })).items],
      ["/api/v1/models", {}, async () => (await owner().models.list({ limit: 200 })).items],
      ["/api/v1/members", {}, async () => (await owner().members.list({ limit: 200 })).items],
      ["/api/v1/memories", {}, async () => (await owner().memories.list({ limit: 200 })).items],
      ["/api/v1/memory-documents", {}, async () => (await owner().memoryDocuments.list({ limit: 200 })).items],
      ["/api/v1/memory-models", {}, async () => (await owner().memoryModels.list({ limit: 200 })).items],
      ["/api/v1/memory-reembeds", {}, async () => (await owner().memoryModels.reembeds({ limit: 200 })).items],
      ["/api/v1/webhook-triggers", {}, async () => (await owner().triggers.list({ limit: 200 })).items],
      ["/api/v1/schedules", {}, async () => (await owner().schedules.list({ limit: 200 })).items],
      ["/api/v1/agents/{agentId}/versions", { agentId: agent.id }, async () => (await owner().agents.versions({ agent: agent.id, limit: 200 })).items],
      ["/api/v1/teams/{teamId}/versions", { teamId: team.id }, async () => (await owner().teams.versions({ team: team.id, limit: 200 })).items],
      ["/api/v1/webhooks", {}, async () => (await owner().webhooks.list({ limit: 200 })).items],
      ["/api/v1/judges", {}, async () => (await owner().judges.list({ limit: 200 })).items],
      ["/api/v1/labels", {}, async () => (await owner().labels.list({ limit: 200 })).items],
      [
        "/api/v1/judges/{judgeId}/versions",
        { judgeId: "page-judge-0" },
        async () => (await owner().judges.versions({ judge: "page-judge-0", limit: 200 })).items,
      ],
      [
        "/api/v1/webhooks/{webhookId}/deliveries",
        { webhookId: hook.id },
        async () => (await owner().webhooks.deliveries({ webhookId: hook.id, limit: 200 })).items,
      ],
    ];
    for (const [path, params, all] of lists) {
      const seen: unknown[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await rest("GET", path, { key, params, query: { limit: "2", ...(cursor ? { cursor } : {}) } });
        expect(res.status, path).toBe(200);
        expect(Object.keys(res.body).sort(), path).toEqual(["data", "nextCursor"]);
        expect(res.body.data.length, path).toBeLessThanOrEqual(2);
        seen.push(...res.body.data.map((x: { id?: string; version?: number }) => x.id ?? x.version));
        cursor = res.body.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 50);
      expect(seen, path).toEqual((await all()).map((x) => x.id ?? x.version));
      expect(pages, path).toBeGreaterThan(1);
    }
  });
});

describe("an invalid cursor is a 400 INVALID_CURSOR on every list", () => {
  const BAD = ["not-a-cursor!", Buffer.from("hello").toString("base64url"), "bm90LWEtY3Vyc29y"];

  it("over REST: every route that takes a cursor", async () => {
    const agent = await owner().agents.get({ agent: "pager-0" });
    const team = await owner().teams.get({ team: "crew-0" });
    const [runId] = await queuedRuns(1);
    const session = await owner().sessions.create({ agent: "pager-0" });
    const webhook = await owner().webhooks.create({ url: "https://hooks.example.com/cursor", eventTypes: ["run.failed"] });
    const listing = await owner().marketplace.publish({
      source: { kind: "agent", ref: "pager-0" },
      slug: `cursor-${webhook.id.slice(4, 14)}`,
      name: "Cursor check",
      summary: "A listing whose reviews page",
      category: "other",
    });
    const params: Record<string, string> = {
      agentId: agent.id,
      teamId: team.id,
      runId: runId!,
      sessionId: session.id,
      webhookId: webhook.id,
      listing: listing.id,
      judgeId: (await owner().judges.create({ slug: `cursor-${webhook.id.slice(4, 14)}`, name: "Cursor", rubric: RUBRIC })).id,
    };
    const dataset = await owner().datasets.create({ slug: `cursor-${webhook.id.slice(4, 14)}`, name: "Cursor" });
    await owner().datasets.addItem({ dataset: dataset.id, input: "One" });
    params.datasetId = dataset.id;
    params.evaluationId = (await owner().evaluations.create({ dataset: dataset.id, agent: "pager-0", judges: [params.judgeId!] })).id;
    const paged = restRoutes.filter((r) => r.method === "GET" && r.query && "cursor" in ((r.query as { shape?: object }).shape ?? {}));
    expect(paged.map((r) => r.path).sort()).toEqual(
      [
        "/api/v1/agents",
        "/api/v1/agents/{agentId}/versions",
        "/api/v1/approvals",
        "/api/v1/audit",
        "/api/v1/datasets",
        "/api/v1/datasets/{datasetId}/items",
        "/api/v1/evaluations",
        "/api/v1/evaluations/{evaluationId}/items",
        "/api/v1/judges",
        "/api/v1/judges/{judgeId}/versions",
        "/api/v1/labels",
        "/api/v1/marketplace/listings",
        "/api/v1/marketplace/listings/{listing}/reviews",
        "/api/v1/members",
        "/api/v1/memories",
        "/api/v1/memory-documents",
        "/api/v1/memory-models",
        "/api/v1/memory-reembeds",
        "/api/v1/models",
        "/api/v1/runs",
        "/api/v1/runs/{runId}/steps",
        "/api/v1/schedules",
        "/api/v1/secrets",
        "/api/v1/sessions",
        "/api/v1/sessions/{sessionId}/messages",
        "/api/v1/teams",
        "/api/v1/teams/{teamId}/versions",
        "/api/v1/usage",
        "/api/v1/webhooks",
        "/api/v1/webhooks/{webhookId}/deliveries",
        "/api/v1/webhook-triggers",
      ].sort(),
    );
    for (const route of paged) {
      const routeParams = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, params[m[1]!]!]));
      for (const cursor of BAD) {
        const res = await rest("GET", route.path, { key, params: routeParams, query: { cursor } });
        expect({ path: route.path, cursor, status: res.status, code: res.body?.error?.code }).toEqual({
          path: route.path,
          cursor,
          status: 400,
          code: "INVALID_CURSOR",
        });
      }
    }
    // a filter that matches nothing still refuses the cursor first (runs used to start from page 1)
    const res = await rest("GET", "/api/v1/runs", { key, query: { team: "no-such-team", cursor: BAD[1]! } });
    expect(res.status).toBe(400);
  });

  it("over tRPC: every list procedure (BAD_REQUEST, INVALID_CURSOR underneath)", async () => {
    const agent = await owner().agents.get({ agent: "pager-0" });
    const team = await owner().teams.get({ team: "crew-0" });
    const [runId] = await queuedRuns(1);
    const calls: [string, object][] = [
      ["agents.list", {}],
      ["agents.versions", { agent: agent.id }],
      ["teams.list", {}],
      ["teams.versions", { team: team.id }],
      ["secrets.list", {}],
      ["models.list", {}],
      ["members.list", {}],
      ["runs.list", {}],
      ["runs.steps", { runId }],
      ["usage.list", {}],
      ["audit.list", {}],
      ["memoryModels.list", {}],
      ["memoryModels.reembeds", {}],
      ["webhooks.list", {}],
      ["webhooks.deliveries", { webhookId: (await owner().webhooks.create({ url: "https://hooks.example.com/trpc-cursor", eventTypes: ["run.failed"] })).id }],
      ["marketplace.search", {}],
      ["datasets.list", {}],
      ["evaluations.list", {}],
      ["datasets.items", { dataset: (await owner().datasets.create({ slug: `trpc-cursor-${Date.now().toString(36)}`, name: "Cursor" })).id }],
      [
        "marketplace.reviews",
        {
          listing: (
            await owner().marketplace.publish({
              source: { kind: "agent", ref: "pager-0" },
              slug: `trpc-cursor-${Date.now().toString(36)}`,
              name: "tRPC cursor check",
              summary: "A listing whose reviews page",
              category: "other",
            })
          ).id,
        },
      ],
    ];
    for (const [path, input] of calls) {
      expect(await outcome(procedureAt(owner(), path)({ ...input, cursor: BAD[1] })), path).toMatchObject({
        ok: false,
        code: "BAD_REQUEST",
        appCode: "INVALID_CURSOR",
      });
    }
  });
});

describe("a run's steps", () => {
  it("GET /api/v1/runs/{id} carries the first page of steps and a cursor; /steps pages the rest; long texts are cut and flagged, whole from the single step", async () => {
    const [runId] = await queuedRuns(1);
    const base = Date.now() - 30_000;
    const long = "x".repeat(STEP_TEXT_LIMIT + 1_000);
    const stepIds: string[] = [];
    // steps 2 and 3 start in the same millisecond: their step ids order them (node-2 first), whatever their row ids;
    // step 2 ends the first page, its long nested step id travels in the cursor
    const [high, low] = [newId("stp"), newId("stp")].sort().reverse();
    for (let i = 0; i < 7; i++) {
      const id = i === 2 ? high! : i === 3 ? low! : newId("stp");
      stepIds.push(id);
      const startedAt = new Date(base + (i === 3 ? 2 : i) * 10);
      await db().runStep.create({
        data: {
          id,
          workspaceId: ws.id,
          runId: runId!,
          stepId: i === 2 ? `node-2/${"inner-team/".repeat(30)}turn:1` : `node-${i}/turn:1`,
          kind: "agent",
          nodeId: `node-${i}`,
          status: "succeeded",
          attempts: 1,
          inputSeen: i === 4 ? long : `input ${i}`,
          output: i === 4 ? `${long}!` : `output ${i}`,
          result: { text: "memoised ".repeat(1000) },
          startedAt,
        },
      });
    }
    const expected = stepIds;

    const detail = await rest("GET", "/api/v1/runs/{runId}", { key, params: { runId: runId! }, query: { stepsLimit: "3" } });
    expect(detail.status).toBe(200);
    expect(detail.body.steps.map((s: { id: string }) => s.id)).toEqual(expected.slice(0, 3));
    expect(detail.body.stepsNextCursor).toEqual(expect.any(String));
    expect(detail.body.steps[0]).not.toHaveProperty("result");

    const rest2 = await rest("GET", "/api/v1/runs/{runId}/steps", {
      key,
      params: { runId: runId! },
      query: { limit: "3", cursor: detail.body.stepsNextCursor },
    });
    expect(rest2.status, JSON.stringify(rest2.body)).toBe(200);
    const rest3 = await rest("GET", "/api/v1/runs/{runId}/steps", { key, params: { runId: runId! }, query: { limit: "3", cursor: rest2.body.nextCursor } });
    expect(rest3.body.nextCursor).toBeNull();
    expect([...detail.body.steps, ...rest2.body.data, ...rest3.body.data].map((s: { id: string }) => s.id)).toEqual(expected);

    const cut = [...rest2.body.data, ...rest3.body.data].find((s: { nodeId: string }) => s.nodeId === "node-4");
    expect(cut.inputSeen).toHaveLength(STEP_TEXT_LIMIT);
    expect(cut.output).toHaveLength(STEP_TEXT_LIMIT);
    expect(cut).toMatchObject({ inputSeenTruncated: true, outputTruncated: true });
    expect(detail.body.steps[0]).toMatchObject({ inputSeen: "input 0", inputSeenTruncated: false, outputTruncated: false });

    // the one step, whole: by its id, or by its stepId
    const whole = await rest("GET", "/api/v1/runs/{runId}/steps/{stepId}", { key, params: { runId: runId!, stepId: cut.id } });
    expect(whole.status).toBe(200);
    expect(whole.body).toMatchObject({ id: cut.id, inputSeen: long, output: `${long}!`, inputSeenTruncated: false, outputTruncated: false });
    const byStepId = await rest("GET", "/api/v1/runs/{runId}/steps/{stepId}", { key, params: { runId: runId!, stepId: "node-4/turn:1" } });
    expect(byStepId.body.id).toBe(cut.id);
    expect((await rest("GET", "/api/v1/runs/{runId}/steps/{stepId}", { key, params: { runId: runId!, stepId: "stp_nosuchstep000" } })).status).toBe(404);

    // the web app's runs.get has every step (bounded texts); runs.step has one whole
    const all = await owner().runs.get({ runId: runId! });
    expect(all.steps.map((s) => s.id)).toEqual(expected);
    expect(all.stepsNextCursor).toBeNull();
    expect(all.steps.find((s) => s.id === cut.id)!.inputSeenTruncated).toBe(true);
    expect((await owner().runs.step({ runId: runId!, stepId: cut.id })).inputSeen).toBe(long);
  });
});
