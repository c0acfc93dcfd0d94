/**
 * The routing API: presets (list, update, create, delete and what blocks a delete), explain (tRPC and POST /api/v1/models/route), try (a real call), and the
 * tenant line (another workspace's preset or pinned model is NOT_FOUND / 404).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, type TestWorkspace } from "@/test/helpers";

let a: TestWorkspace;
let b: TestWorkspace;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  a = await makeWorkspace("route-a");
  b = await makeWorkspace("route-b");
  keyA = (await makeApiKey(a, "viewer")).raw;
  keyB = (await makeApiKey(b, "owner")).raw;
});

const as = (ws: TestWorkspace, role: "owner" | "admin" | "member" | "viewer" = "owner") => callerFor(ws.users[role], ws.slug);
const NO_CONSTRAINTS = { requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false };

describe("routing.presets", () => {
  it("lists fast, balanced, capable (seeded lazily for an older workspace)", async () => {
    const presets = await as(a, "viewer").routing.presets.list();
    expect(presets.map((p) => p.name)).toEqual(["fast", "balanced", "capable"]);
    expect(presets[2]!.constraints.minQuality).toBe(0.8);
  });

  it("an admin edits a preset: validated, audited, and used by routing", async () => {
    const [fast] = await as(a).routing.presets.list();
    const bad = await outcome(as(a, "admin").routing.presets.update({ presetId: fast!.id, constraints: { ...NO_CONSTRAINTS, minQuality: 2 } }));
    expect(bad).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });

    const updated = await as(a, "admin").routing.presets.update({
      presetId: fast!.id,
      description: "Only the capable simulator",
      constraints: { ...NO_CONSTRAINTS, minQuality: 0.85, requiredCapabilities: ["vision"] },
    });
    expect(updated.constraints).toMatchObject({ minQuality: 0.85, requiredCapabilities: ["vision"] });
    expect(updated.description).toBe("Only the capable simulator");
    const audit = await auditRows(a.id, "routing_preset.update");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.metadata).toMatchObject({ name: "fast" });

    const decision = await as(a, "viewer").routing.explain({ policy: { type: "preset", preset: "fast" }, promptTokens: 100, maxOutputTokens: 100 });
    expect(decision.chosen.modelId).toBe("sim-capable");
    expect(decision.constraints.minQuality).toBe(0.85);
  });
});

describe("routing.explain", () => {
  it("returns the decision with every candidate and its estimated cost, calling no model", async () => {
    const decision = await as(a, "viewer").routing.explain({
      policy: { type: "constraints", constraints: { ...NO_CONSTRAINTS, minQuality: 0.6 } },
      promptTokens: 1000,
      maxOutputTokens: 500,
    });
    expect(decision.chosen.modelId).toBe("sim-balanced");
    expect(decision.fallbacks.map((m) => m.modelId)).toEqual(["sim-capable"]);
    expect(decision.candidates).toHaveLength(3);
    const fast = decision.candidates.find((c) => c.displayName === "Simulator Fast")!;
    expect(fast.feasible).toBe(false);
    expect(fast.rejectedBecause).toEqual(["quality 0.4 < minQuality 0.6"]);
    expect(decision.candidates[0]!.estimatedCostUsd).toBeCloseTo((1000 * 1 + 500 * 3) / 1e6, 12);
    expect(await db().usageRecord.count({ where: { workspaceId: a.id } })).toBe(0);
  });

  it("no feasible model: UNPROCESSABLE_CONTENT naming the binding constraint", async () => {
    const result = await outcome(
      as(a, "viewer").routing.explain({
        policy: { type: "constraints", constraints: { ...NO_CONSTRAINTS, minQuality: 0.95 } },
        promptTokens: 10,
        maxOutputTokens: 10,
      }),
    );
    expect(result).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
      message: "No model meets minQuality 0.95 (best enabled: 0.9, Simulator Capable)",
    });
  });

  it("POST /api/v1/models/route: same decision over REST; 422 for none feasible", async () => {
    const res = await rest("POST", "/api/v1/models/route", {
      key: keyA,
      body: { policy: { type: "preset", preset: "balanced" }, promptTokens: 200, maxOutputTokens: 200 },
    });
    expect(res.status).toBe(200);
    expect(res.body.chosen.modelId).toBe("sim-balanced");
    expect(res.body.explanation).toMatch(/Chose Simulator Balanced/);
    const none = await rest("POST", "/api/v1/models/route", { key: keyA, body: { policy: { type: "constraints", constraints: { minQuality: 0.99 } } } });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: "NO_FEASIBLE_MODEL", message: expect.stringMatching(/^No model meets minQuality 0\.99/) });
    const missing = await rest("POST", "/api/v1/models/route", { key: keyA, body: { policy: { type: "preset", preset: "nope" } } });
    expect(missing.status).toBe(404);
  });
});

describe("routing.try", () => {
  it("makes a real call (the simulator here) and records it", async () => {
    const result = await as(a, "admin").routing.try({ policy: { type: "preset", preset: "balanced" }, prompt: "Say something", maxOutputTokens: 64 });
    expect(result.model.modelId).toBe("sim-balanced");
    expect(result.text).toContain("[simulated]");
    expect(result.attempts).toEqual([expect.objectContaining({ outcome: "ok" })]);
    expect(result.costUsd).toBeGreaterThan(0);
    const rows = await db().usageRecord.findMany({ where: { workspaceId: a.id } });
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.costUsd)).toBeCloseTo(result.costUsd, 10);
  });

  it("is refused to members and viewers (models:manage)", async () => {
    for (const role of ["member", "viewer"] as const) {
      const res = await outcome(as(a, role).routing.try({ policy: { type: "preset", preset: "fast" }, prompt: "x" }));
      expect(res).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }
  });
});

describe("tenant line", () => {
  it("another workspace's preset is NOT_FOUND and stays unchanged", async () => {
    const [, balancedA] = await as(a).routing.presets.list();
    const result = await outcome(as(b).routing.presets.update({ presetId: balancedA!.id, constraints: { ...NO_CONSTRAINTS, minQuality: 0.1 } }));
    expect(result).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const after = await db().routingPreset.findUniqueOrThrow({ where: { id: balancedA!.id } });
    expect((after.policy as { minQuality?: number }).minQuality).toBe(0.6);
  });

  it("another workspace's model cannot be pinned (tRPC NOT_FOUND, REST 404)", async () => {
    const modelOfA = await db().model.findFirstOrThrow({ where: { workspaceId: a.id } });
    const policy = { type: "pinned" as const, modelId: modelOfA.id };
    expect(await outcome(as(b).routing.explain({ policy, promptTokens: 10, maxOutputTokens: 10 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(as(b).routing.try({ policy, prompt: "hello" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const res = await rest("POST", "/api/v1/models/route", { key: keyB, body: { policy } });
    expect(res.status).toBe(404);
    expect(await db().usageRecord.count({ where: { workspaceId: b.id } })).toBe(0);
  });

  it("a workspace's own pinned model routes", async () => {
    const modelOfA = await db().model.findFirstOrThrow({ where: { workspaceId: a.id, modelId: "sim-fast" } });
    const decision = await as(a, "viewer").routing.explain({ policy: { type: "pinned", modelId: modelOfA.id }, promptTokens: 10, maxOutputTokens: 10 });
    expect(decision.chosen.id).toBe(modelOfA.id);
    expect(decision.fallbacks).toEqual([]);
  });
});

describe("routing.presets.create / delete", () => {
  let c: TestWorkspace;
  let keyC: string;
  beforeAll(async () => {
    c = await makeWorkspace("route-c");
    keyC = (await makeApiKey(c, "admin")).raw;
  });
  const cheapJson = { ...NO_CONSTRAINTS, minQuality: 0.5, requiredCapabilities: ["json" as const] };
  const presetRow = (name: string) => db().routingPreset.findFirst({ where: { workspaceId: c.id, name } });

  it("an admin creates a preset: validated like update, audited, listed after the defaults and routable at once", async () => {
    // read the presets first: the catalog cache must not hide the new one
    expect(await outcome(as(c, "viewer").routing.explain({ policy: { type: "preset", preset: "cheap-json" } }))).toMatchObject({
      ok: false,
      code: "NOT_FOUND",
    });

    for (const input of [
      { name: "Cheap JSON", constraints: cheapJson },
      { name: "-cheap", constraints: cheapJson },
      { name: "x".repeat(41), constraints: cheapJson },
      { name: "cheap-json", constraints: { ...cheapJson, minQuality: 2 } },
      { name: "cheap-json", constraints: { ...cheapJson, requiredCapabilities: ["telepathy"] } },
      { name: "cheap-json", description: "d".repeat(301), constraints: cheapJson },
    ]) {
      expect(await outcome(as(c, "admin").routing.presets.create(input as never)), JSON.stringify(input).slice(0, 60)).toMatchObject({
        ok: false,
        code: "UNPROCESSABLE_CONTENT",
      });
    }
    expect(await db().routingPreset.count({ where: { workspaceId: c.id } })).toBe(3);

    const created = await as(c, "admin").routing.presets.create({ name: " cheap-json ", description: "JSON answers, mid quality", constraints: cheapJson });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^rp_/),
      name: "cheap-json",
      description: "JSON answers, mid quality",
      constraints: { minQuality: 0.5, requiredCapabilities: ["json"] },
    });
    expect((await as(c, "viewer").routing.presets.list()).map((p) => p.name)).toEqual(["fast", "balanced", "capable", "cheap-json"]);
    const audit = await auditRows(c.id, "routing_preset.create");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ targetId: created.id, actorId: c.users.admin.id, metadata: { name: "cheap-json", after: { minQuality: 0.5 } } });

    const decision = await as(c, "viewer").routing.explain({ policy: { type: "preset", preset: "cheap-json" }, promptTokens: 10, maxOutputTokens: 10 });
    expect(decision.chosen.modelId).toBe("sim-balanced");
    expect(decision.constraints).toMatchObject({ minQuality: 0.5, requiredCapabilities: ["json"] });
  });

  it("a taken name is CONFLICT (a default's too), over tRPC and REST", async () => {
    expect(await outcome(as(c).routing.presets.create({ name: "cheap-json", constraints: NO_CONSTRAINTS }))).toMatchObject({
      ok: false,
      code: "CONFLICT",
      message: 'A routing preset named "cheap-json" already exists',
    });
    expect(await outcome(as(c).routing.presets.create({ name: "fast", constraints: NO_CONSTRAINTS }))).toMatchObject({ ok: false, code: "CONFLICT" });
    const res = await rest("POST", "/api/v1/routing/presets", { key: keyC, body: { name: "capable", constraints: {} } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("CONFLICT");
    expect((await presetRow("fast"))!.description).toMatch(/^The fastest observed/);
    expect(await db().routingPreset.count({ where: { workspaceId: c.id } })).toBe(4);
  });

  it("REST: GET lists, POST creates (201; 422 on a bad body), DELETE by name removes (404 once gone)", async () => {
    const bad = await rest("POST", "/api/v1/routing/presets", { key: keyC, body: { name: "UPPER", constraints: {} } });
    expect(bad.status).toBe(422);
    const created = await rest("POST", "/api/v1/routing/presets", { key: keyC, body: { name: "local", constraints: { localOnly: true } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "local", description: "", constraints: { localOnly: true, requiredCapabilities: [] } });
    const list = await rest("GET", "/api/v1/routing/presets", { key: keyC });
    expect(list.status).toBe(200);
    expect(list.body.data.map((p: { name: string }) => p.name)).toEqual(["fast", "balanced", "capable", "cheap-json", "local"]);

    const del = await rest("DELETE", "/api/v1/routing/presets/{name}", { key: keyC, params: { name: "local" } });
    expect(del).toMatchObject({ status: 200, body: { deleted: true } });
    expect(await presetRow("local")).toBeNull();
    expect((await rest("DELETE", "/api/v1/routing/presets/{name}", { key: keyC, params: { name: "local" } })).status).toBe(404);
    const audit = await auditRows(c.id, "routing_preset.delete");
    expect(audit[0]).toMatchObject({ targetId: created.body.id, actorType: "api_key", metadata: { name: "local", before: { localOnly: true } } });
  });

  it("an unused default can be deleted (and stops routing at once); balanced, the default agent policy, cannot", async () => {
    const fast = (await presetRow("fast"))!;
    expect(await as(c, "viewer").routing.explain({ policy: { type: "preset", preset: "fast" } })).toMatchObject({ constraints: { minQuality: 0.3 } });
    expect(await as(c, "admin").routing.presets.delete({ presetId: fast.id })).toEqual({ deleted: true });
    expect(await presetRow("fast")).toBeNull();
    expect(await outcome(as(c, "viewer").routing.explain({ policy: { type: "preset", preset: "fast" } }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    // listing does not bring it back (the workspace is seeded already)
    expect((await as(c).routing.presets.list()).map((p) => p.name)).toEqual(["balanced", "capable", "cheap-json"]);

    const balanced = (await presetRow("balanced"))!;
    expect(await outcome(as(c).routing.presets.delete({ presetId: balanced.id }))).toMatchObject({
      ok: false,
      code: "CONFLICT",
      message: expect.stringContaining("the model policy of every agent created without one"),
    });
    expect(await presetRow("balanced")).not.toBeNull();
  });

  it("a preset in use is CONFLICT naming its users: an agent's current version, a queued/running run's override or pinned agent version", async () => {
    const owner = as(c);
    const { id: presetId } = await owner.routing.presets.create({ name: "json-only", constraints: cheapJson });
    const tryDelete = () => outcome(owner.routing.presets.delete({ presetId }));
    const usesIt = { type: "preset" as const, preset: "json-only" };

    await owner.agents.create({ slug: "parser", name: "Parser", modelPolicy: usesIt });
    await owner.agents.create({ slug: "old-parser", name: "Old parser", modelPolicy: usesIt });
    await owner.agents.archive({ agent: "old-parser" }); // archived: no longer counts
    expect(await tryDelete()).toMatchObject({
      ok: false,
      code: "CONFLICT",
      message: 'Routing preset "json-only" is in use by agent parser: give the agents another model policy first',
    });

    // a queued run pins parser v1; parser's current version then moves to another preset
    const agentRun = await owner.runs.start({ agent: "parser", input: "parse this" });
    await owner.teams.create({ slug: "parsers", name: "Parsers", spec: { topology: "sequential", agents: ["parser"] } });
    const teamRun = await owner.runs.start({ team: "parsers", input: "parse that" });
    await owner.agents.update({ agent: "parser", modelPolicy: { type: "preset", preset: "capable" } });
    const blocked = await tryDelete();
    expect(blocked).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(blocked.ok === false && blocked.message).toContain(`the queued or running runs ${[agentRun.id, teamRun.id].join(", ")}`);
    expect(blocked.ok === false && blocked.message).not.toContain("agent parser");

    // finished runs do not count; a run with an override of another kind does not use the agents' policies
    await db().run.update({ where: { id: agentRun.id }, data: { status: "succeeded", finishedAt: new Date() } });
    await db().run.update({ where: { id: teamRun.id }, data: { status: "running", modelPolicyOverride: { type: "preset", preset: "capable" } } });
    const overridden = await owner.runs.start({ agent: "parser", input: "uses the override", modelPolicy: usesIt });
    expect(await tryDelete()).toMatchObject({
      ok: false,
      code: "CONFLICT",
      message: `Routing preset "json-only" is in use by the queued or running run ${overridden.id}: let the runs finish or cancel them first`,
    });
    await db().run.update({ where: { id: overridden.id }, data: { status: "cancelled", finishedAt: new Date() } });

    expect(await tryDelete()).toEqual({ ok: true, value: { deleted: true } });
    expect(await db().routingPreset.findUnique({ where: { id: presetId } })).toBeNull();
  });

  it("members and viewers are FORBIDDEN (tRPC) / 403 (REST), and nothing changes", async () => {
    const capable = (await presetRow("capable"))!;
    for (const role of ["member", "viewer"] as const) {
      expect(await outcome(as(c, role).routing.presets.create({ name: `by-${role}`, constraints: NO_CONSTRAINTS }))).toMatchObject({
        ok: false,
        code: "FORBIDDEN",
      });
      expect(await outcome(as(c, role).routing.presets.delete({ presetId: capable.id }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
      const key = (await makeApiKey(c, role)).raw;
      expect((await rest("POST", "/api/v1/routing/presets", { key, body: { name: `by-${role}`, constraints: {} } })).status).toBe(403);
      expect((await rest("DELETE", "/api/v1/routing/presets/{name}", { key, params: { name: "capable" } })).status).toBe(403);
    }
    expect(await presetRow("capable")).not.toBeNull();
    expect(await db().routingPreset.count({ where: { workspaceId: c.id, name: { startsWith: "by-" } } })).toBe(0);
  });

  it("another workspace's preset is NOT_FOUND / 404 for its admin and its API key, and is left alone", async () => {
    const ownPreset = (await presetRow("cheap-json"))!;
    expect(await outcome(as(b, "admin").routing.presets.delete({ presetId: ownPreset.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const res = await rest("DELETE", "/api/v1/routing/presets/{name}", { key: keyB, params: { name: "cheap-json" } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
    expect(await presetRow("cheap-json")).not.toBeNull();

    // a name is looked up in the caller's workspace only: B deleting its "capable" leaves C's
    expect((await rest("DELETE", "/api/v1/routing/presets/{name}", { key: keyB, params: { name: "capable" } })).status).toBe(200);
    expect(await presetRow("capable")).not.toBeNull();
    expect(await db().routingPreset.findFirst({ where: { workspaceId: b.id, name: "capable" } })).toBeNull();
    // and B creating "cheap-json" is B's own, not a conflict with C's
    expect((await rest("POST", "/api/v1/routing/presets", { key: keyB, body: { name: "cheap-json", constraints: {} } })).status).toBe(201);
    expect((await as(c).routing.presets.list()).filter((p) => p.name === "cheap-json").map((p) => p.id)).toEqual([ownPreset.id]);
  });
});
