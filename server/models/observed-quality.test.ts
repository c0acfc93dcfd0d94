import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { addModelRow, addProviderRow } from "@/test/fixtures/catalog-rows";
import { invalidateCatalogCache } from "./catalog-cache";
import { loadCatalog } from "./routing";
import { getModel, listModels } from "./catalog";
import { modelConstraintsSchema } from "@/lib/schemas/model-policy";
import { observedQuality, QUALITY_PRIOR_WEIGHT, qualityForTags, withTagQuality } from "./observed-quality";
import { routeFor } from "./routing";

const DAY = 86_400_000;

describe("observed quality: the catalog's figure shrunk towards the judges' scores", () => {
  it("is the static quality without evidence, and the prior-weighted mean with it", () => {
    expect(observedQuality(0.6, undefined)).toBe(0.6);
    expect(observedQuality(0.6, { weight: 0, weightedScore: 0, outputs: 0 })).toBe(0.6);
    // 10 outputs scored 1.0 against a prior worth 10 at 0.5: halfway
    expect(QUALITY_PRIOR_WEIGHT).toBe(10);
    expect(observedQuality(0.5, { weight: 10, weightedScore: 10, outputs: 10 })).toBe(0.75);
    // much evidence wins over the prior
    expect(observedQuality(0.9, { weight: 1000, weightedScore: 200, outputs: 1000 })).toBeCloseTo((9 + 200) / 1010, 3);
  });
});

describe("per task tag: the workspace's figure shrunk towards the scores of runs with the tag", () => {
  it("leaves the figure without tags or evidence; averages the run's tags", () => {
    const byTag = new Map([["legal", { weight: 10, weightedScore: 10, outputs: 10 }]]);
    expect(qualityForTags(0.5, byTag, [])).toBe(0.5);
    expect(qualityForTags(0.5, undefined, ["legal"])).toBe(0.5);
    expect(qualityForTags(0.5, byTag, ["legal"])).toBe(0.75);
    // a tag never judged for the model keeps the overall figure: the mean of 0.75 and 0.5
    expect(qualityForTags(0.5, byTag, ["legal", "code"])).toBe(0.625);
  });
});

describe("routing reads it per workspace from the consensus of the outputs each model produced", () => {
  let ws: TestWorkspace;
  let other: TestWorkspace;
  let ctx: TenantContext;
  let judged: string;
  let untouched: string;

  /** A judged output of `modelId` (the producer's step of that iteration) with the consensus score, `ageDays` old. */
  async function judgedOutput(w: TestWorkspace, modelId: string, score: number, ageDays: number, iteration = 1, tags: string[] = []) {
    const runId = newId("run");
    const at = new Date(Date.now() - ageDays * DAY);
    await db().run.create({
      data: { id: runId, workspaceId: w.id, targetType: "agent", input: "x", status: "succeeded", createdByType: "user", createdById: w.users.owner.id, tags },
    });
    await db().runStep.create({
      data: {
        id: newId("stp"),
        workspaceId: w.id,
        runId,
        stepId: iteration === 1 ? "agent" : `agent.r${iteration}`,
        kind: "agent",
        status: "succeeded",
        modelRef: modelId,
      },
    });
    await db().judgeConsensus.create({
      data: { id: newId("jcs"), workspaceId: w.id, runId, iteration, score, verdict: "pass", spread: 0, agreement: 1, judges: 1, createdAt: at },
    });
  }

  beforeAll(async () => {
    ws = await makeWorkspace("oq");
    other = await makeWorkspace("oq-other");
    ctx = await resolveUserTenant(ws.users.owner, ws.slug);
    const provider = await addProviderRow(ws.id);
    judged = (await addModelRow(ws.id, provider.id, { quality: 0.5 })).id;
    untouched = (await addModelRow(ws.id, provider.id, { quality: 0.5 })).id;
  });

  it("moves a judged model's quality, decays old scores, leaves others (and other workspaces) alone", async () => {
    for (let i = 0; i < 10; i++) await judgedOutput(ws, judged, 1, 0);
    // another workspace's judges say the opposite about a model of the same name: not read here
    const otherProvider = await addProviderRow(other.id);
    const otherModel = (await addModelRow(other.id, otherProvider.id, { quality: 0.5 })).id;
    for (let i = 0; i < 10; i++) await judgedOutput(other, otherModel, 0, 0);
    invalidateCatalogCache(ws.id);
    const quality = (id: string, entries: { id: string; quality: number }[]) => entries.find((e) => e.id === id)?.quality;
    const { entries } = await loadCatalog(ctx);
    expect(quality(judged, entries)).toBeCloseTo(0.75, 2);
    expect(quality(untouched, entries)).toBe(0.5);
    // the Models page shows both figures
    expect(await getModel(ctx, judged)).toMatchObject({ quality: 0.5, qualityObserved: 0.75 });
    const listed = (await listModels(ctx, { limit: 200 })).items;
    expect(listed.find((m) => m.id === untouched)).toMatchObject({ quality: 0.5, qualityObserved: null });

    // a revision's output counts for the model that wrote it; a 30-day-old score counts half
    await judgedOutput(ws, untouched, 0, 30, 2);
    invalidateCatalogCache(ws.id);
    const later = (await loadCatalog(ctx)).entries;
    expect(quality(untouched, later)).toBeCloseTo((10 * 0.5) / (10 + 0.5), 2);
  });

  it("per tag: a run with a tag routes on the models' quality for that tag; the Models page lists it", async () => {
    const provider = await addProviderRow(ws.id);
    // two equal models (same price); judges found "writer-a" good and "writer-b" poor on legal tasks, the reverse on code
    const a = (await addModelRow(ws.id, provider.id, { quality: 0.5, displayName: "writer-a" })).id;
    const b = (await addModelRow(ws.id, provider.id, { quality: 0.5, displayName: "writer-b" })).id;
    for (let i = 0; i < 20; i++) {
      await judgedOutput(ws, a, 1, 0, 1, ["legal"]);
      await judgedOutput(ws, b, 0, 0, 1, ["legal"]);
      await judgedOutput(ws, a, 0, 0, 1, ["code"]);
      await judgedOutput(ws, b, 1, 0, 1, ["code"]);
    }
    invalidateCatalogCache(ws.id);
    const model = await getModel(ctx, a);
    // overall even (20 of 1, 20 of 0 against the 0.5 prior); per tag far apart
    expect(model.qualityObserved).toBe(0.5);
    expect(model.qualityObservedByTag).toEqual([
      { tag: "code", quality: observedQuality(0.5, { weight: 20, weightedScore: 0, outputs: 20 }), outputs: 20 },
      { tag: "legal", quality: observedQuality(0.5, { weight: 20, weightedScore: 20, outputs: 20 }), outputs: 20 },
    ]);
    // what the gateway routes on (server/models/gateway.ts): the catalog with the run's tags' figures
    const catalog = await loadCatalog(ctx);
    const pair = catalog.entries.filter((e) => e.id === a || e.id === b);
    const route = (tags: string[]) =>
      routeFor(withTagQuality(pair, catalog.qualityByTag, tags), {
        resolved: { constraints: modelConstraintsSchema.parse({ objective: "quality" }) },
        promptTokens: 10,
        maxOutputTokens: 16,
      }).chosen.displayName;
    expect([route(["legal"]), route(["code"])]).toEqual(["writer-a", "writer-b"]);
    expect(withTagQuality(pair, catalog.qualityByTag, []).map((e) => e.quality)).toEqual([0.5, 0.5]);
  });
});
