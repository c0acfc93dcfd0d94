/**
 * Routing objectives through the API: a preset's objective and diversity round-trip through tRPC and REST (the shared
 * zod schemas), the explanation names the objective, the seeded presets carry theirs, and the migration gives the
 * objective to preset rows stored before it existed (leaving edited ones alone).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { callerFor, makeApiKey, makeWorkspace, rest, type TestWorkspace } from "@/test/helpers";
import { invalidateCatalogCache } from "@/server/models/catalog-cache";

let ws: TestWorkspace;
let adminKey: string;
const owner = () => callerFor(ws.users.owner, ws.slug);
const BLEND = { cost: 0.2, quality: 0.7, latency: 0.1 };

beforeAll(async () => {
  ws = await makeWorkspace("objectives");
  adminKey = (await makeApiKey(ws, "admin")).raw;
});

describe("objective in the API", () => {
  it("the seeded presets carry the objective their name promises; capable routes to the strongest simulator model", async () => {
    const presets = await owner().routing.presets.list();
    expect(Object.fromEntries(presets.map((p) => [p.name, p.constraints.objective]))).toEqual({
      fast: "latency",
      balanced: { cost: 0.5, quality: 0.3, latency: 0.2 },
      capable: "quality",
    });
    const decision = await owner().routing.explain({
      policy: { type: "constraints", constraints: { minQuality: 0.5, objective: "quality" } },
      promptTokens: 100,
      maxOutputTokens: 100,
    });
    expect(decision.chosen.modelId).toBe("sim-capable");
    expect(decision.explanation).toContain("objective quality");
    expect(decision.constraints.objective).toBe("quality");
  });

  it("a blend and diversity round-trip through tRPC create and REST GET / PATCH, and explain uses them", async () => {
    const created = await owner().routing.presets.create({ name: "weighted", constraints: { minQuality: 0.5, objective: BLEND, diversity: true } });
    expect(created.constraints).toMatchObject({ objective: BLEND, diversity: true });

    const listed = await rest("GET", "/api/v1/routing/presets", { key: adminKey });
    expect(listed.status).toBe(200);
    const body = listed.body as { data?: unknown[] } | unknown[];
    const items = (Array.isArray(body) ? body : (body.data ?? [])) as { name: string; constraints: unknown }[];
    expect(items.find((p) => p.name === "weighted")!.constraints).toMatchObject({ objective: BLEND, diversity: true });

    const explain = await rest("POST", "/api/v1/models/route", {
      key: adminKey,
      body: { policy: { type: "preset", preset: "weighted" }, promptTokens: 100, maxOutputTokens: 100 },
    });
    expect(explain.status).toBe(200);
    expect(explain.body.explanation).toContain("objective blend (cost 0.2, quality 0.7, latency 0.1)");
    expect(explain.body.chosen.modelId).toBe("sim-capable");

    const patched = await rest("PATCH", "/api/v1/routing/presets/{name}", {
      key: adminKey,
      params: { name: "weighted" },
      body: { constraints: { minQuality: 0.5, objective: "latency" } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.constraints.objective).toBe("latency");
    expect(patched.body.constraints.diversity).toBeUndefined();

    const bad = await rest("PATCH", "/api/v1/routing/presets/{name}", {
      key: adminKey,
      params: { name: "weighted" },
      body: { constraints: { objective: { cost: 0, quality: 0, latency: 0 } } },
    });
    expect(bad.status).toBe(422);
  });
});

describe("migration 20261208_200_preset_objectives", () => {
  it("adds the objective to default presets stored without one; an edited objective and custom presets stay", async () => {
    const other = await makeWorkspace("objectives-old");
    await callerFor(other.users.owner, other.slug).routing.presets.list(); // seeds
    const set = (name: string, policy: object, description?: string) =>
      db().routingPreset.updateMany({ where: { workspaceId: other.id, name }, data: { policy, ...(description ? { description } : {}) } });
    await set("capable", { minQuality: 0.8, requiredCapabilities: [] }, "The strongest models: minimum quality 0.8");
    await set("fast", { minQuality: 0.3, maxP95LatencyMs: 2000 }, "Mine");
    await set("balanced", { minQuality: 0.6, objective: "cost" });

    const sql = readFileSync(join(process.cwd(), "prisma/migrations/20261208_200_preset_objectives/migration.sql"), "utf8");
    const statements = sql
      .split(/;\s*\n/)
      .map((s) => s.replace(/^--.*$/gm, "").trim())
      .filter(Boolean);
    for (const statement of statements) await db().$executeRawUnsafe(statement);
    invalidateCatalogCache(other.id);

    const rows = await db().routingPreset.findMany({ where: { workspaceId: other.id } });
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.capable!.policy).toEqual({ minQuality: 0.8, requiredCapabilities: [], objective: "quality" });
    expect(byName.capable!.description).toBe("The strongest models: the highest quality score, minimum 0.8");
    expect(byName.fast!.policy).toEqual({ minQuality: 0.3, maxP95LatencyMs: 2000, objective: "latency" });
    expect(byName.fast!.description).toBe("Mine");
    expect(byName.balanced!.policy).toEqual({ minQuality: 0.6, objective: "cost" });
  });
});
