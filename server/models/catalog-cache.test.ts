/**
 * The per-process catalog cache: a change made through this process's services takes effect on the next call; a
 * change made elsewhere (another process, a row edited by hand: written here straight with db()) takes effect when
 * the entry expires; observations patch the cached figures at once; a load that overlapped a change is not kept.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, outcome, tick } from "@/test/helpers";
import type { ModelConstraints } from "@/lib/schemas/model-policy";
import { createModel, deleteModel, ensureDefaultCatalog, updateModel } from "./catalog";
import { cachedCatalog, configureCatalogCache, invalidateCatalogCache, patchObservedStats, type CachedCatalog } from "./catalog-cache";
import { STALE_RELOAD_DELAY_MS } from "@/server/reload-soon";
import { createProvider, deleteProvider, updateProvider } from "./providers";
import { explainRoute, listRoutingPresets, loadCatalog, updateRoutingPreset } from "./routing";
import { recordModelObservation } from "./stats";
import { MIN_LATENCY_SAMPLES } from "./router";
import { catalogEntry } from "@/test/fixtures/catalog";

const NONE = { requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false };
const constraints = (extra: Partial<ModelConstraints> = {}) => ({ type: "constraints" as const, constraints: { ...NONE, ...extra } });

let ctx: TenantContext;
let workspaceId: string;

async function freshWorkspace() {
  const ws = await makeWorkspace("cache");
  workspaceId = ws.id;
  ctx = await resolveUserTenant(ws.users.owner, ws.slug);
  await ensureDefaultCatalog(ctx);
}

async function chosen(policy: Parameters<typeof explainRoute>[1]["policy"] = constraints({ minQuality: 0.6 })): Promise<string> {
  return (await explainRoute(ctx, { policy, promptTokens: 100, maxOutputTokens: 100 })).chosen.modelId;
}

const simModel = (modelId: string) => db().model.findFirstOrThrow({ where: { workspaceId, modelId } });

afterEach(() => configureCatalogCache());

describe("changes through the services of this process: at once, whatever the TTL", () => {
  beforeEach(async () => {
    configureCatalogCache({ ttlMs: 60_000 });
    await freshWorkspace();
  });

  it("model edits, enable flags, new and deleted models and providers", async () => {
    expect(await chosen()).toBe("sim-balanced");
    const balanced = await simModel("sim-balanced");

    await updateModel(ctx, balanced.id, { enabled: false });
    expect(await chosen()).toBe("sim-capable");
    await updateModel(ctx, balanced.id, { enabled: true });
    expect(await chosen()).toBe("sim-balanced");
    await updateModel(ctx, balanced.id, { quality: 0.5 });
    expect(await chosen()).toBe("sim-capable");

    const simulator = await db().provider.findFirstOrThrow({ where: { workspaceId, kind: "simulator" } });
    await updateProvider(ctx, simulator.id, { enabled: false });
    expect(await outcome(chosen())).toMatchObject({ ok: false, code: "NO_FEASIBLE_MODEL" });

    const local = await createProvider(ctx, { name: "Local", kind: "openai_compatible", baseUrl: "http://127.0.0.1:9/v1" });
    const added = await createModel(ctx, { providerId: local.id, modelId: "local-one", inputPrice: 0, outputPrice: 0, quality: 0.7 });
    expect(await chosen()).toBe("local-one");
    expect((await loadCatalog(ctx)).providers.get(local.id)).toMatchObject({ name: "Local", baseUrl: "http://127.0.0.1:9/v1" });
    await updateProvider(ctx, local.id, { baseUrl: "http://127.0.0.1:10/v1" });
    expect((await loadCatalog(ctx)).providers.get(local.id)!.baseUrl).toBe("http://127.0.0.1:10/v1");

    await deleteModel(ctx, added.id);
    expect(await outcome(chosen())).toMatchObject({ ok: false, code: "NO_FEASIBLE_MODEL" });
    await createModel(ctx, { providerId: local.id, modelId: "local-two", inputPrice: 0, outputPrice: 0, quality: 0.7 });
    expect(await chosen()).toBe("local-two");
    await deleteProvider(ctx, local.id);
    await updateProvider(ctx, simulator.id, { enabled: true });
    expect(await chosen()).toBe("sim-capable");
    expect((await loadCatalog(ctx)).providers.has(local.id)).toBe(false);
  });

  it("preset edits", async () => {
    const preset = { type: "preset" as const, preset: "balanced" };
    expect(await chosen(preset)).toBe("sim-balanced");
    const balanced = (await listRoutingPresets(ctx)).find((p) => p.name === "balanced")!;
    await updateRoutingPreset(ctx, { presetId: balanced.id, constraints: { ...NONE, minQuality: 0.85 } });
    expect(await chosen(preset)).toBe("sim-capable");
  });

  it("the gateway's view (enabledOnly) follows too", async () => {
    const balanced = await simModel("sim-balanced");
    expect((await loadCatalog(ctx, { enabledOnly: true })).entries.map((e) => e.modelId)).toContain("sim-balanced");
    await updateModel(ctx, balanced.id, { enabled: false });
    const enabled = await loadCatalog(ctx, { enabledOnly: true });
    expect(enabled.entries.map((e) => e.modelId).sort()).toEqual(["sim-capable", "sim-fast"]);
    expect((await loadCatalog(ctx)).entries).toHaveLength(3);
  });
});

describe("changes made elsewhere: within the TTL", () => {
  const TTL = 500;
  beforeEach(async () => {
    configureCatalogCache({ ttlMs: TTL });
    await freshWorkspace();
  });

  it("a model disabled by another process (written straight to the table) is used until the entry expires", async () => {
    expect(await chosen()).toBe("sim-balanced");
    const balanced = await simModel("sim-balanced");
    await db().model.update({ where: { id: balanced.id }, data: { enabled: false } });
    expect(await chosen()).toBe("sim-balanced"); // this process's copy, by design
    await tick(TTL + 50);
    expect(await chosen()).toBe("sim-capable");
  });

  it("a preset edited elsewhere, and a new preset", async () => {
    const preset = { type: "preset" as const, preset: "balanced" };
    expect(await chosen(preset)).toBe("sim-balanced");
    await db().routingPreset.updateMany({ where: { workspaceId, name: "balanced" }, data: { policy: { ...NONE, minQuality: 0.85 } } });
    await db().routingPreset.create({ data: { id: newId("rp"), workspaceId, name: "custom", policy: { ...NONE, minQuality: 0.3 } } });
    expect(await chosen(preset)).toBe("sim-balanced");
    expect(await outcome(chosen({ type: "preset", preset: "custom" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    await tick(TTL + 50);
    expect(await chosen(preset)).toBe("sim-capable");
    expect(await chosen({ type: "preset", preset: "custom" })).toBe("sim-fast");
  });
});

describe("stale while revalidating: an expired entry is served while one reload runs", () => {
  const TTL = 100;
  const STALE = 5_000;
  beforeEach(async () => {
    configureCatalogCache({ ttlMs: TTL, staleMs: STALE });
    await freshWorkspace();
  });

  it("a change made elsewhere is seen one reload after the TTL, without the caller waiting for it", async () => {
    expect(await chosen()).toBe("sim-balanced");
    const balanced = await simModel("sim-balanced");
    await db().model.update({ where: { id: balanced.id }, data: { enabled: false } });
    await tick(TTL + 20);
    // expired: the old entry answers at once and a reload starts in the background
    expect(await chosen()).toBe("sim-balanced");
    await vi.waitFor(async () => expect(await chosen()).toBe("sim-capable"));
  });

  it("concurrent stale reads share one reload; beyond the stale window the caller waits for the reload", async () => {
    let loads = 0;
    const value = (n: number) => ({ catalog: { entries: [], providers: new Map() }, presets: new Map([[`v${n}`, NONE]]) }) as unknown as CachedCatalog;
    let release!: () => void;
    const load = () => {
      loads++;
      const n = loads;
      return n === 1 ? Promise.resolve(value(n)) : new Promise<CachedCatalog>((resolve) => (release = () => resolve(value(n))));
    };
    const key = `ws_swr_${Math.random()}`;
    expect([...(await cachedCatalog(key, load)).presets.keys()]).toEqual(["v1"]);
    await tick(TTL + 20);
    const stale = await Promise.all([cachedCatalog(key, load), cachedCatalog(key, load), cachedCatalog(key, load)]);
    expect(stale.map((v) => [...v.presets.keys()][0])).toEqual(["v1", "v1", "v1"]);
    expect(loads).toBe(1); // the reload starts a moment later
    await tick(STALE_RELOAD_DELAY_MS + 20);
    expect(loads).toBe(2);
    release();
    await tick(10);
    expect([...(await cachedCatalog(key, load)).presets.keys()]).toEqual(["v2"]);

    // past ttl + stale: no stale answer, the caller waits (a short stale window for the test)
    configureCatalogCache({ ttlMs: 20, staleMs: 30 });
    let next = 0;
    const counted = () => Promise.resolve(value(100 + ++next));
    await cachedCatalog(key, counted);
    await tick(80);
    expect([...(await cachedCatalog(key, counted)).presets.keys()]).toEqual(["v102"]);
  });

  it("an invalidated entry is never served stale", async () => {
    expect(await chosen()).toBe("sim-balanced");
    const balanced = await simModel("sim-balanced");
    await updateModel(ctx, balanced.id, { enabled: false });
    expect(await chosen()).toBe("sim-capable");
  });
});

describe("observed statistics", () => {
  beforeEach(async () => {
    configureCatalogCache({ ttlMs: 60_000 });
    await freshWorkspace();
  });

  it("an observation is routed on at once; decisions already made keep their entry", async () => {
    const policy = constraints({ minQuality: 0.6, maxP95LatencyMs: 100 });
    const before = await explainRoute(ctx, { policy, promptTokens: 10, maxOutputTokens: 10 });
    expect(before.chosen.modelId).toBe("sim-balanced");
    const balanced = await simModel("sim-balanced");
    for (let i = 0; i < MIN_LATENCY_SAMPLES; i++) await recordModelObservation(ctx, balanced.id, { latencyMs: 500, outcome: "ok" });
    const after = await explainRoute(ctx, { policy, promptTokens: 10, maxOutputTokens: 10 });
    expect(after.chosen.modelId).toBe("sim-capable");
    expect(after.candidates.find((c) => c.id === balanced.id)!.rejectedBecause[0]).toMatch(/observed p95 500 ms/);
    expect(before.chosen.latencyP95Ms).toBeNull();
  });
});

describe("the cache itself", () => {
  const value = (tag: string): CachedCatalog => ({
    catalog: {
      entries: [
        catalogEntry("mdl_a", {
          providerId: "prv_a",
          providerName: tag,
          modelId: "a",
          displayName: "A",
          outputPrice: 1,
          contextWindow: 1000,
          capabilities: [],
          quality: 0.5,
          latencyP95Ms: null,
        }),
      ],
      providers: new Map(),
    },
    presets: new Map(),
    memoryModels: [],
  });
  function deferred() {
    let resolve!: (v: CachedCatalog) => void;
    const promise = new Promise<CachedCatalog>((r) => (resolve = r));
    return { promise, resolve };
  }

  it("concurrent misses share one load; a hit reads nothing", async () => {
    configureCatalogCache({ ttlMs: 60_000 });
    let loads = 0;
    const load = async () => {
      loads++;
      await tick(5);
      return value("one");
    };
    const [a, b] = await Promise.all([cachedCatalog("ws_unit1", load), cachedCatalog("ws_unit1", load)]);
    expect(a).toBe(b);
    expect(await cachedCatalog("ws_unit1", load)).toBe(a);
    expect(loads).toBe(1);
  });

  it("a load that overlapped an invalidation serves its caller but is not kept", async () => {
    configureCatalogCache({ ttlMs: 60_000 });
    const slow = deferred();
    const first = cachedCatalog("ws_unit2", () => slow.promise);
    invalidateCatalogCache("ws_unit2"); // a change committed while the read was on its way
    // a caller after the change does not join the old load
    const second = cachedCatalog("ws_unit2", async () => value("new"));
    slow.resolve(value("old"));
    expect((await first).catalog.entries[0]!.providerName).toBe("old");
    expect((await second).catalog.entries[0]!.providerName).toBe("new");
    expect((await cachedCatalog("ws_unit2", async () => value("third"))).catalog.entries[0]!.providerName).toBe("new");
  });

  it("an observation written during a load is applied to it", async () => {
    configureCatalogCache({ ttlMs: 60_000 });
    const slow = deferred();
    const pending = cachedCatalog("ws_unit3", () => slow.promise);
    patchObservedStats("ws_unit3", "mdl_a", { latencyP95Ms: 321, errorRate: 0.25 });
    slow.resolve(value("x"));
    expect((await pending).catalog.entries[0]).toMatchObject({ latencyP95Ms: 321, errorRate: 0.25 });
  });

  it("a TTL of 0 keeps nothing", async () => {
    configureCatalogCache({ ttlMs: 0 });
    let loads = 0;
    const load = async () => {
      loads++;
      return value("z");
    };
    await cachedCatalog("ws_unit4", load);
    await cachedCatalog("ws_unit4", load);
    expect(loads).toBe(2);
  });
});
