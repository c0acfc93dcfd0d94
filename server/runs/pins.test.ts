/**
 * A run's start: the run, its run.queued event and its audit row written together with the pins in the Run's
 * `pins` column; the run_pins migration's backfill; reading pins of older runs from their event; the in-process
 * version cache (never another workspace's version, and really used at pickup).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db, testPool as pgPool } from "@/test/db";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { agentVersionsBySlug, getAgentVersion, type AgentVersionOut } from "@/server/agents/service";
import { pinnedTeamFromVersions, pinTeam } from "@/server/teams/pinning";
import { runPins } from "@/server/jobs/run-function";
import { addAgent, addTeam, eventRows, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { makeApiKey } from "@/test/helpers";
import { getRun, startRun } from "./service";
import { cacheAgentVersion, cachedAgentVersion, cachedTeamVersion, cacheTeamVersion, clearVersionCache } from "@/server/agents/version-cache";

let rw: RunWorkspace;
beforeAll(async () => {
  // no executor runs in this file: runs stay queued
  rw = await makeRunWorkspace("pins");
  await addAgent(rw.ctx, "alpha");
  await addAgent(rw.ctx, "beta");
  await addTeam(rw.ctx, "duo", { topology: "sequential", agents: ["alpha", "beta"] });
});

describe("starting a run writes the run, its first event and its audit row at once", () => {
  it("stores the pins in the column and in the run.queued event; the returned run is the stored one", async () => {
    const run = await startRun(rw.ctx, { team: "duo", input: "go", budgetUsd: 0.123456, modelPolicy: { type: "preset", preset: "fast" } });
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    const events = await eventRows(run.id);
    expect(events.map((e) => [e.seq, e.type])).toEqual([[1, "run.queued"]]);
    // with the step limit in force when it started (the server's default here)
    const pins = { team: { id: row.teamId, slug: "duo", version: 1 }, agent: null, agents: { alpha: 1, beta: 1 }, teams: {}, limits: { steps: 500 } };
    expect(row.pins).toEqual(pins);
    expect(events[0]!.data).toEqual({ pins });
    expect(row).toMatchObject({
      status: "queued",
      lastEventSeq: 1,
      targetType: "team",
      teamVersion: 1,
      input: "go",
      createdByType: "user",
      createdById: rw.ws.users.owner.id,
    });
    expect(row.modelPolicyOverride).toEqual({ type: "preset", preset: "fast" });
    expect(Number(row.budgetUsd)).toBe(0.1235);
    expect(row.queuedAt.getTime()).toBe(row.createdAt.getTime());
    expect(events[0]!.createdAt.getTime()).toBe(row.createdAt.getTime());
    // what startRun returned is what getRun reads
    const detail = await getRun(rw.ctx, run.id);
    const { durationMs: _a, ...returned } = run;
    const { durationMs: _b, attributed: _c, failedStepId: _d, steps: _e, stepsNextCursor: _f, subRuns: _g, pins: readPins, ...stored } = detail;
    expect(returned).toEqual(stored);
    expect(run.team).toEqual({ id: row.teamId, slug: "duo", name: "duo", version: 1 });
    expect(run.budgetUsd).toBe(0.1235);
    expect(readPins).toEqual(pins);
  });

  it("the audit row is the one auditLogData describes (a user, then an API key)", async () => {
    const run = await startRun(rw.ctx, { agent: "alpha", input: "audit" });
    const audit = await db().auditLog.findFirstOrThrow({ where: { workspaceId: rw.ws.id, action: "run.start", targetId: run.id } });
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(audit).toMatchObject({
      actorType: "user",
      actorId: rw.ws.users.owner.id,
      actorLabel: rw.ws.users.owner.email,
      targetType: "run",
      requestId: rw.ctx.requestId,
      metadata: { team: null, teamVersion: null, agent: "alpha", agentVersion: 1, budgetUsd: null },
    });
    expect(audit.id).toMatch(/^aud_/);
    expect(audit.createdAt.getTime()).toBe(row.createdAt.getTime());
    expect(row.pins).toEqual({ team: null, agent: { id: row.agentId, slug: "alpha", version: 1 }, agents: { alpha: 1 }, teams: {} });

    const key = await makeApiKey(rw.ws, "member");
    const keyCtx = await authenticateApiKey(key.raw, "req_pins_key");
    const byKey = await startRun(keyCtx, { team: "duo", input: "by key", budgetUsd: 2 });
    const keyAudit = await db().auditLog.findFirstOrThrow({ where: { workspaceId: rw.ws.id, action: "run.start", targetId: byKey.id } });
    expect(keyAudit).toMatchObject({
      actorType: "api_key",
      actorId: key.id,
      actorLabel: 'API key "member key"',
      requestId: "req_pins_key",
      metadata: { team: "duo", teamVersion: 1, agent: null, agentVersion: null, budgetUsd: 2 },
    });
    expect(byKey.createdBy).toEqual({ type: "api_key", id: key.id });
  });

  it("nothing is written when the statement fails (one statement: all or nothing)", async () => {
    const before = await db().auditLog.count({ where: { workspaceId: rw.ws.id, action: "run.start" } });
    const runsBefore = await db().run.count({ where: { workspaceId: rw.ws.id } });
    // a check (added for this test) that only the audit row fails: its insert is the statement's last part
    const bad = { ...rw.ctx, requestId: "r".repeat(10) };
    await db().$executeRawUnsafe(`ALTER TABLE "AuditLog" ADD CONSTRAINT pins_test_short_request CHECK (length("requestId") < 5) NOT VALID`);
    try {
      await expect(startRun(bad, { agent: "alpha", input: "fails" })).rejects.toThrow();
    } finally {
      await db().$executeRawUnsafe(`ALTER TABLE "AuditLog" DROP CONSTRAINT pins_test_short_request`);
    }
    expect(await db().auditLog.count({ where: { workspaceId: rw.ws.id, action: "run.start" } })).toBe(before);
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(runsBefore);
  });
});

describe("runs written before the pins column", () => {
  const backfill = () => {
    const dir = path.resolve(import.meta.dirname, "../../prisma/migrations");
    const name = readdirSync(dir).find((d) => d.endsWith("_run_pins"));
    const sql = readFileSync(path.join(dir, name!, "migration.sql"), "utf8");
    const update = sql.split("\n").find((l) => l.startsWith(`UPDATE "Run"`));
    expect(update).toBeDefined();
    return pgPool().query(update!);
  };

  it("the migration's backfill copies the pins from the run.queued event, and only into runs without them", async () => {
    const old = await startRun(rw.ctx, { team: "duo", input: "old" });
    const noPins = await startRun(rw.ctx, { agent: "beta", input: "no pins in the event" });
    const kept = await startRun(rw.ctx, { agent: "alpha", input: "kept" });
    const eventPins = (await eventRows(old.id))[0]!.data as { pins: unknown };
    await db().$executeRawUnsafe(`UPDATE "Run" SET pins = NULL WHERE id IN ('${old.id}', '${noPins.id}')`);
    await db().$executeRawUnsafe(`UPDATE "RunEvent" SET data = '{}'::jsonb WHERE "runId" = '${noPins.id}'`);
    await db().$executeRawUnsafe(`UPDATE "Run" SET pins = '{"marker": true}'::jsonb WHERE id = '${kept.id}'`);

    // before the backfill: the pins are read from the event
    expect(await runPins({ runId: old.id, workspaceId: rw.ws.id })).toEqual(eventPins.pins);
    expect((await getRun(rw.ctx, old.id)).pins).toEqual(eventPins.pins);
    expect(await runPins({ runId: noPins.id, workspaceId: rw.ws.id })).toBeNull();

    await backfill();
    const rows = await db().run.findMany({ where: { id: { in: [old.id, noPins.id, kept.id] } }, select: { id: true, pins: true } });
    const pinsOf = new Map(rows.map((r) => [r.id, r.pins]));
    expect(pinsOf.get(old.id)).toEqual(eventPins.pins);
    expect(pinsOf.get(noPins.id)).toBeNull();
    expect(pinsOf.get(kept.id)).toEqual({ marker: true });
    expect(await runPins({ runId: old.id, workspaceId: rw.ws.id })).toEqual(eventPins.pins);
  });
});

describe("the version cache", () => {
  const version = (over: Partial<AgentVersionOut> = {}): AgentVersionOut => ({
    agentId: "agt_x",
    slug: "x",
    version: 1,
    callTimeoutSeconds: null,
    name: "X",
    roleDescription: "",
    instructions: "a",
    modelPolicy: { type: "preset", preset: "fast" },
    maxOutputTokens: 10,
    temperature: 0.5,
    outageWaitSeconds: 120,
    allowedTools: [],
    toolApprovals: {},
    memoryPolicy: null,
    contextBudget: null,
    qualityGate: null,
    createdAt: new Date(0),
    releasedAt: new Date(0),
    ...over,
  });

  it("is keyed by workspace, hands out copies, and forgets the least recently used entries", () => {
    clearVersionCache();
    cacheAgentVersion("ws_a", version());
    expect(cachedAgentVersion("ws_b", { id: "agt_x" }, 1)).toBeUndefined();
    expect(cachedAgentVersion("ws_b", { slug: "x" }, 1)).toBeUndefined();
    expect(cachedAgentVersion("ws_a", { id: "agt_x" }, 2)).toBeUndefined();
    const hit = cachedAgentVersion("ws_a", { slug: "x" }, 1)!;
    expect(hit).toEqual(version());
    hit.instructions = "changed";
    hit.allowedTools.push("tool");
    expect(cachedAgentVersion("ws_a", { id: "agt_x" }, 1)).toEqual(version());

    cacheTeamVersion("ws_a", { teamId: "team_t", slug: "t", version: 3, spec: { topology: "sequential", agents: ["x"], context: "all" } });
    expect(cachedTeamVersion("ws_b", { id: "team_t" }, 3)).toBeUndefined();
    expect(cachedTeamVersion("ws_a", { slug: "t" }, 3)).toMatchObject({ teamId: "team_t", version: 3 });

    for (let i = 0; i < 5_000; i++) cacheAgentVersion("ws_fill", version({ agentId: `agt_${i}`, slug: `s${i}` }));
    expect(cachedAgentVersion("ws_a", { id: "agt_x" }, 1)).toBeUndefined();
    expect(cachedAgentVersion("ws_fill", { id: "agt_4999" }, 1)).toBeDefined();
    clearVersionCache();
  });

  it("never returns another workspace's version of the same slugs and numbers", async () => {
    const a = await makeRunWorkspace("cache-a");
    const b = await makeRunWorkspace("cache-b");
    await addAgent(a.ctx, "twin", { instructions: "I am A" });
    await addAgent(b.ctx, "twin", { instructions: "I am B" });
    const teamA = await addTeam(a.ctx, "pair", { topology: "sequential", agents: ["twin"] });
    const teamB = await addTeam(b.ctx, "pair", { topology: "parallel", agents: ["twin"] });
    const pinnedA = await pinTeam(a.ctx, "pair"); // fills the cache for A
    expect(pinnedA.agents.twin!.instructions).toBe("I am A");

    expect((await getAgentVersion(b.ctx, "twin", 1)).instructions).toBe("I am B");
    expect((await agentVersionsBySlug(b.ctx, { twin: 1 })).twin!.instructions).toBe("I am B");
    await expect(getAgentVersion(b.ctx, pinnedA.agents.twin!.agentId, 1)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(pinnedTeamFromVersions(b.ctx, teamA.id, 1, { agents: { twin: 1 }, teams: {} })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const fromB = await pinnedTeamFromVersions(b.ctx, teamB.id, 1, { agents: { twin: 1 }, teams: {} });
    expect(fromB.spec.topology).toBe("parallel");
    expect(fromB.agents.twin!.instructions).toBe("I am B");
    // and A still gets A's
    expect((await pinnedTeamFromVersions(a.ctx, teamA.id, 1, { agents: { twin: 1 }, teams: {} })).agents.twin!.instructions).toBe("I am A");
  });

  it("a run pinned in this process is re-loaded from the cache (no version read), else from the database", async () => {
    const c = await makeRunWorkspace("cache-c");
    await addAgent(c.ctx, "solo", { instructions: "pinned" });
    const team = await addTeam(c.ctx, "one", { topology: "sequential", agents: ["solo"] });
    const run = await startRun(c.ctx, { team: "one", input: "x" });
    const pins = (await runPins({ runId: run.id, workspaceId: c.ws.id }))!;
    // a version row never changes; changing one behind the service's back shows where the pickup reads from
    await db().$executeRawUnsafe(`UPDATE "AgentVersion" SET instructions = 'changed in the database' WHERE "workspaceId" = '${c.ws.id}'`);
    await db().$executeRawUnsafe(`UPDATE "TeamVersion" SET spec = '{"topology": "parallel", "agents": ["solo"]}'::jsonb WHERE "workspaceId" = '${c.ws.id}'`);
    const cached = await pinnedTeamFromVersions(c.ctx, team.id, 1, pins);
    expect(cached.agents.solo!.instructions).toBe("pinned");
    expect(cached.spec.topology).toBe("sequential");
    clearVersionCache(); // another process (or a restart): read from the database, then cached
    const read = await pinnedTeamFromVersions(c.ctx, team.id, 1, pins);
    expect(read.agents.solo!.instructions).toBe("changed in the database");
    expect(read.spec.topology).toBe("parallel");
    expect(cachedAgentVersion(c.ws.id, { slug: "solo" }, 1)!.instructions).toBe("changed in the database");
    expect(cachedTeamVersion(c.ws.id, { id: team.id }, 1)!.spec.topology).toBe("parallel");
  });
});
