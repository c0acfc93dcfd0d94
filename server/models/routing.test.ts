/**
 * The routing API: presets (list, update), explain (tRPC and POST /api/v1/models/route), try (a real call), and the
 * tenant line (another workspace's preset or pinned model is NOT_FOUND / 404).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/server/db/client";
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
    expect(bad).toMatchObject({ ok: false, code: "BAD_REQUEST" });

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
    const decision = await as(a, "viewer").routing.explain({ policy: { type: "constraints", constraints: { ...NO_CONSTRAINTS, minQuality: 0.6 } }, promptTokens: 1000, maxOutputTokens: 500 });
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
    const result = await outcome(as(a, "viewer").routing.explain({ policy: { type: "constraints", constraints: { ...NO_CONSTRAINTS, minQuality: 0.95 } }, promptTokens: 10, maxOutputTokens: 10 }));
    expect(result).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT", message: "No model meets minQuality 0.95 (best enabled: 0.9, Simulator Capable)" });
  });

  it("POST /api/v1/models/route: same decision over REST; 422 for none feasible", async () => {
    const res = await rest("POST", "/api/v1/models/route", { key: keyA, body: { policy: { type: "preset", preset: "balanced" }, promptTokens: 200, maxOutputTokens: 200 } });
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
