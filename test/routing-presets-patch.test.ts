/**
 * PATCH /api/v1/routing/presets/{name}: the REST twin of tRPC routing.presets.update (same body but the preset named
 * in the path, models:manage, audited, routing sees the change at once, 422 on bad constraints, 404 on an unknown name).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { auditRows, callerFor, makeApiKey, makeWorkspace, rest, type TestWorkspace } from "@/test/helpers";

let ws: TestWorkspace;
let adminKey: string;
let memberKey: string;
const NO_CONSTRAINTS = { requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false };
const patch = (name: string, body: unknown, key = adminKey) => rest("PATCH", "/api/v1/routing/presets/{name}", { key, params: { name }, body });

beforeAll(async () => {
  ws = await makeWorkspace("preset-patch");
  adminKey = (await makeApiKey(ws, "admin")).raw;
  memberKey = (await makeApiKey(ws, "member")).raw;
});

describe("PATCH /api/v1/routing/presets/{name}", () => {
  it("replaces the constraints (description optional), is audited, and routing uses the new constraints at once", async () => {
    const before = (await callerFor(ws.users.owner, ws.slug).routing.presets.list()).find((p) => p.name === "fast")!;
    const explain = () =>
      rest("POST", "/api/v1/models/route", { key: adminKey, body: { policy: { type: "preset", preset: "fast" }, promptTokens: 100, maxOutputTokens: 100 } });
    expect((await explain()).body.chosen.modelId).toBe("sim-fast");

    const res = await patch("fast", { description: "Vision only", constraints: { minQuality: 0.85, requiredCapabilities: ["vision"] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: before.id,
      name: "fast",
      description: "Vision only",
      constraints: { ...NO_CONSTRAINTS, minQuality: 0.85, requiredCapabilities: ["vision"] },
    });
    expect((await explain()).body.chosen.modelId).toBe("sim-capable");

    const audit = await auditRows(ws.id, "routing_preset.update");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ targetId: before.id, actorType: "api_key", metadata: { name: "fast", after: { minQuality: 0.85 } } });

    // without a description, the description stays
    const again = await patch("fast", { constraints: { minQuality: 0.3 } });
    expect(again.body).toMatchObject({ description: "Vision only", constraints: { minQuality: 0.3, requiredCapabilities: [] } });
    expect((await explain()).body.chosen.modelId).toBe("sim-fast");
  });

  it("422 on invalid constraints or a missing body, 404 on an unknown or malformed name; nothing changes", async () => {
    const bad = await patch("balanced", { constraints: { minQuality: 2 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: "VALIDATION_FAILED", issues: [expect.objectContaining({ path: "constraints.minQuality" })] });
    expect((await patch("balanced", {})).status).toBe(422);
    expect((await patch("balanced", { description: "x".repeat(301), constraints: {} })).status).toBe(422);
    expect((await patch("no-such-preset", { constraints: {} })).status).toBe(404);
    expect((await patch("Not A Name", { constraints: {} })).status).toBe(422);
    const balanced = (await callerFor(ws.users.owner, ws.slug).routing.presets.list()).find((p) => p.name === "balanced")!;
    expect(balanced.constraints.minQuality).toBe(0.6);
    expect((await auditRows(ws.id, "routing_preset.update")).filter((r) => r.targetId === balanced.id)).toHaveLength(0);
  });

  it("a member's key is 403 (models:manage) and changes nothing", async () => {
    const res = await patch("capable", { constraints: { minQuality: 0.1 } }, memberKey);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("FORBIDDEN");
    const capable = (await callerFor(ws.users.owner, ws.slug).routing.presets.list()).find((p) => p.name === "capable")!;
    expect(capable.constraints.minQuality).toBe(0.8);
  });
});
