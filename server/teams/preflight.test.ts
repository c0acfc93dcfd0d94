/**
 * Preflight against the real database and catalog: a structured role needs a model that answers JSON (at save, over
 * tRPC and REST, nested teams included, and again at run start), the estimate's figures through the API (saved team
 * and unsaved draft), a run refused with nothing written when its task fits no window, and the tenant line.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { invalidateCatalogCache } from "@/server/models/catalog-cache";
import { startRun } from "@/server/runs/service";
import { addAgent, makeRunWorkspace, type RunWorkspace, useStubProvider } from "@/test/fixtures/runs";
import { appErrorOf, callerFor, makeApiKey, outcome, rest } from "@/test/helpers";
import { ITEM_OVERHEAD_TOKENS as ITEM, STEP_OVERHEAD_TOKENS as STEP } from "@/server/topologies/estimate";
import { SYSTEM_FRAME_CHARS } from "./preflight";

/** A provider of the workspace with one model of these capabilities (the catalog cache told). */
async function addModel(workspaceId: string, modelId: string, capabilities: string[], extra: { contextWindow?: number } = {}): Promise<string> {
  const provider = await db().provider.create({
    data: { id: newId("prv"), workspaceId, name: `P ${modelId}`, kind: "openai_compatible", baseUrl: "http://127.0.0.1:9", isLocal: false },
  });
  const model = await db().model.create({
    data: {
      id: newId("mdl"),
      workspaceId,
      providerId: provider.id,
      modelId,
      displayName: modelId,
      inputPrice: 0,
      outputPrice: 0,
      contextWindow: extra.contextWindow ?? 100_000,
      capabilities,
      quality: 0.9,
    },
  });
  invalidateCatalogCache(workspaceId);
  return model.id;
}

async function setModelEnabled(workspaceId: string, id: string, enabled: boolean) {
  await db().model.update({ where: { id }, data: { enabled } });
  invalidateCatalogCache(workspaceId);
}

describe("structured roles need a model that answers JSON", () => {
  let rw: RunWorkspace;
  let key: string;
  const owner = () => callerFor(rw.ws.users.owner, rw.ws.slug);
  const makerChecker = { topology: "maker_checker", maker: "maker", checkers: ["critic"], maxIterations: 2 };
  const refusal = "agent `critic` (policy preset fast) can reach no model that answers JSON";

  beforeAll(async () => {
    rw = await makeRunWorkspace("preflight-json");
    key = (await makeApiKey(rw.ws, "owner")).raw;
    await db().provider.updateMany({ where: { workspaceId: rw.ws.id, kind: "simulator" }, data: { enabled: false } });
    await addModel(rw.ws.id, "plain-1", []);
    await addAgent(rw.ctx, "maker");
    await addAgent(rw.ctx, "critic");
  });

  it("refuses the save (create and new version, tRPC and REST) naming the node, the agent and its policy; accepts it once a JSON model exists", async () => {
    const created = await outcome(owner().teams.create({ slug: "review", name: "Review", spec: makerChecker }));
    expect(created).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect((created as { message: string }).message).toContain(`spec.checkers.0: ${refusal}`);

    const viaRest = await rest("POST", "/api/v1/teams", { key, body: { slug: "review", name: "Review", spec: makerChecker } });
    expect(viaRest.status).toBe(422);
    expect(viaRest.body.error.code).toBe("VALIDATION_FAILED");
    expect(viaRest.body.error.issues).toEqual([{ path: "spec.checkers.0", message: expect.stringContaining(refusal) }]);

    // a team that saves (nothing structured), then a new version that makes critic a checker
    await owner().teams.create({ slug: "plain", name: "Plain", spec: { topology: "sequential", agents: ["maker", "critic"] } });
    const patched = await rest("PATCH", "/api/v1/teams/{teamId}", { key, params: { teamId: "plain" }, body: { spec: makerChecker } });
    expect(patched.status).toBe(422);
    expect(patched.body.error.issues[0].path).toBe("spec.checkers.0");
    expect((await owner().teams.get({ team: "plain" })).currentVersion).toBe(1);
    // the editor's live validation says the same
    expect((await owner().teams.validate({ spec: makerChecker })).issues).toEqual([{ path: "spec.checkers.0", message: expect.stringContaining(refusal) }]);

    const jsonModel = await addModel(rw.ws.id, "json-1", ["json"]);
    const saved = await owner().teams.create({ slug: "review", name: "Review", spec: makerChecker });
    expect(saved.estimate).toMatchObject({ steps: 4, modelCalls: 4, unrouted: [] });
    expect((await rest("PATCH", "/api/v1/teams/{teamId}", { key, params: { teamId: "plain" }, body: { spec: makerChecker } })).status).toBe(200);

    // nested: the JSON model goes away; a team that includes "review" is refused for review's own checker
    await setModelEnabled(rw.ws.id, jsonModel, false);
    const outer = await rest("POST", "/api/v1/teams", {
      key,
      body: { slug: "outer", name: "Outer", spec: { topology: "hybrid", arrangement: { topology: "sequential", agents: ["maker", { team: "review" }] } } },
    });
    expect(outer.status).toBe(422);
    expect(outer.body.error.issues).toEqual([
      { path: "spec.arrangement.agents.1", message: expect.stringContaining(`in team "review", checkers.0: ${refusal}`) },
    ]);

    // and a run of the saved team is refused before anything is written (the catalog changed since the save)
    const error = await appErrorOf(startRun(rw.ctx, { team: "review", input: "Write a haiku" }));
    expect(error.code).toBe("RUN_INFEASIBLE");
    expect(error.message).toContain(`spec.checkers.0: ${refusal}`);
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(0);
    await setModelEnabled(rw.ws.id, jsonModel, true);
  });
});

describe("the estimate", () => {
  let rw: RunWorkspace;
  let other: RunWorkspace;
  let teamId: string;
  const owner = () => callerFor(rw.ws.users.owner, rw.ws.slug);
  // addAgent: name = slug, role "The <slug>.", instructions "Do your part as <slug>.", 256 output tokens
  const system = Math.ceil(("s1".length + "The s1.".length + "Do your part as s1.".length) / 4) + SYSTEM_FRAME_CHARS / 4; // 7 + 80
  const out = 256;

  beforeAll(async () => {
    rw = await makeRunWorkspace("preflight-est");
    other = await makeRunWorkspace("preflight-other");
    await useStubProvider(rw.ws.id, "http://127.0.0.1:9", { inputPrice: 1, outputPrice: 2 });
    for (const slug of ["s1", "s2", "mk", "ck"]) await addAgent(rw.ctx, slug);
    teamId = (await owner().teams.create({ slug: "seq", name: "Seq", spec: { topology: "sequential", agents: ["s1", "s2"] } })).id;
  });

  it("sequential: figures from the formula, at save, for the saved team (tRPC and REST) and for a draft", async () => {
    expect(system).toBe(87);
    const first = system + 1000 + STEP; // 1343
    const second = system + 1000 + STEP + out + ITEM; // 1615
    const expected = {
      steps: 2,
      modelCalls: 2,
      peakParallel: 1,
      inputTokens: first + second,
      outputTokens: 2 * out,
      costUsd: expect.closeTo((first + second + 2 * out * 2) / 1e6, 12),
      taskTokens: 1000,
      unrouted: [],
    };
    expect(first + second).toBe(2958);
    expect((await owner().teams.update({ team: "seq", name: "Seq!" })).estimate).toEqual(expected);
    expect(await owner().teams.estimate({ team: "seq" })).toEqual({ teamId, version: 2, estimate: expected, problems: [] });
    const key = (await makeApiKey(rw.ws, "viewer")).raw;
    const viaRest = await rest("GET", "/api/v1/teams/{teamId}/estimate", { key, params: { teamId }, query: { taskTokens: "10" } });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body.estimate).toMatchObject({ taskTokens: 10, inputTokens: 2958 - 2 * 990 });
    const draft = await owner().teams.estimateDraft({ spec: { topology: "sequential", agents: ["s1", "s2"] } });
    expect(draft).toEqual({ teamId: null, version: null, estimate: expected, problems: [] });
  });

  it("maker-checker: every step may see every node's answers of every iteration", async () => {
    const saved = await owner().teams.create({ slug: "mc", name: "MC", spec: { topology: "maker_checker", maker: "mk", checkers: ["ck"], maxIterations: 2 } });
    const seen = 2 * (out + ITEM) * 2; // 1088
    const step = system + 1000 + STEP + seen; // 2431
    expect(step).toBe(2431);
    expect(saved.estimate).toMatchObject({ steps: 4, modelCalls: 4, peakParallel: 1, inputTokens: 4 * step, outputTokens: 4 * out });
    expect(saved.estimate.costUsd).toBeCloseTo((4 * step + 4 * out * 2) / 1e6, 12);
  });

  it("another workspace's team is not found (REST 404, tRPC NOT_FOUND)", async () => {
    const keyB = (await makeApiKey(other.ws, "owner")).raw;
    expect((await rest("GET", "/api/v1/teams/{teamId}/estimate", { key: keyB, params: { teamId } })).status).toBe(404);
    expect((await rest("GET", "/api/v1/teams/{teamId}/estimate", { key: keyB, params: { teamId: "seq" } })).status).toBe(404);
    expect(await outcome(callerFor(other.ws.users.owner, other.ws.slug).teams.estimate({ team: teamId }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});

describe("a run whose task fits no window", () => {
  it("is refused with RUN_INFEASIBLE naming the node, with nothing written (no run, no event, no ledger row)", async () => {
    const rw = await makeRunWorkspace("preflight-big");
    const modelId = await useStubProvider(rw.ws.id, "http://127.0.0.1:9");
    await db().model.update({ where: { id: modelId }, data: { contextWindow: 4096 } });
    invalidateCatalogCache(rw.ws.id);
    await addAgent(rw.ctx, "s1");
    await addAgent(rw.ctx, "s2");
    await callerFor(rw.ws.users.owner, rw.ws.slug).teams.create({ slug: "seq", name: "Seq", spec: { topology: "sequential", agents: ["s1", "s2"] } });
    const audits = await db().auditLog.count({ where: { workspaceId: rw.ws.id } });

    const big = "x".repeat(16_000); // 4,000 tokens + the system prompt + 256 output > 4,096
    const error = await appErrorOf(startRun(rw.ctx, { team: "seq", input: big }));
    expect(error.code).toBe("RUN_INFEASIBLE");
    expect(error.message).toContain("spec.agents.0: agent `s1` (policy preset fast) can reach no model for a task of 4000 tokens");
    expect(error.message).toContain("context window");
    expect((error.details!.issues as { path: string }[]).map((i) => i.path)).toEqual(["spec.agents.0", "spec.agents.1"]);
    const key = (await makeApiKey(rw.ws, "owner")).raw;
    const viaRest = await rest("POST", "/api/v1/runs", { key, body: { agent: "s1", input: big } });
    expect(viaRest.status).toBe(422);
    expect(viaRest.body.error.code).toBe("RUN_INFEASIBLE");
    expect(viaRest.body.error.issues[0].path).toBe("agent");

    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(0);
    expect(await db().runEvent.count({ where: { workspaceId: rw.ws.id } })).toBe(0);
    expect(await db().usageRecord.count({ where: { workspaceId: rw.ws.id } })).toBe(0);
    expect(await db().auditLog.count({ where: { workspaceId: rw.ws.id, action: "run.start" } })).toBe(0);
    expect(await db().auditLog.count({ where: { workspaceId: rw.ws.id } })).toBeGreaterThanOrEqual(audits);

    // a task that fits runs
    const run = await startRun(rw.ctx, { team: "seq", input: "x".repeat(4_000) });
    expect(run.status).toBe("queued");
  });
});
