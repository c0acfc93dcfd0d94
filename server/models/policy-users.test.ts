/**
 * A catalog model (or a provider with its models) is not deleted while something pins it: an agent's current
 * version or a queued or running run (its override or its pinned agent versions). CONFLICT names them, over tRPC
 * and REST; once they let go, the delete goes through.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { callerFor, makeApiKey, makeWorkspace, outcome, rest, type TestWorkspace } from "@/test/helpers";
import { ensureDefaultCatalog } from "./catalog";
import { resolveUserTenant } from "@/server/workspaces/tenant";

const as = (ws: TestWorkspace) => callerFor(ws.users.owner, ws.slug);

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await makeWorkspace("pins");
  await ensureDefaultCatalog(await resolveUserTenant(ws.users.owner, ws.slug));
});

async function addModel(providerId: string, modelId: string) {
  return db().model.create({
    data: {
      id: newId("mdl"),
      workspaceId: ws.id,
      providerId,
      modelId,
      displayName: `Model ${modelId}`,
      inputPrice: 1,
      outputPrice: 2,
      contextWindow: 32_000,
      capabilities: [],
      quality: 0.5,
    },
  });
}

describe("deleting what agents and runs pin", () => {
  it("a pinned model is CONFLICT naming the agent, then the run that pinned it; free, it is deleted", async () => {
    const owner = as(ws);
    const provider = await db().provider.create({
      data: { id: newId("prv"), workspaceId: ws.id, name: "Local A", kind: "openai_compatible", baseUrl: "http://127.0.0.1:9/v1", isLocal: true },
    });
    const model = await addModel(provider.id, "pinned-a");
    await owner.agents.create({ slug: "pinner", name: "Pinner", modelPolicy: { type: "pinned", modelId: model.id } });
    const tryDelete = () => outcome(owner.models.delete({ id: model.id }));
    expect(await tryDelete()).toMatchObject({
      ok: false,
      code: "CONFLICT",
      message: 'Model "Model pinned-a" is pinned by agent pinner: give the agents another model policy first',
    });
    const key = (await makeApiKey(ws, "owner")).raw;
    const res = await rest("DELETE", "/api/v1/models/{modelId}", { key, params: { modelId: model.id } });
    expect(res.status).toBe(409);

    // a queued run pinned the agent's version; the agent then moves to a preset
    const run = await owner.runs.start({ agent: "pinner", input: "hold on" });
    await owner.agents.update({ agent: "pinner", modelPolicy: { type: "preset", preset: "fast" } });
    expect(await tryDelete()).toMatchObject({
      ok: false,
      code: "CONFLICT",
      message: `Model "Model pinned-a" is pinned by the queued or running run ${run.id}: let the runs finish or cancel them first`,
    });
    // the provider goes with its models: refused as well
    expect(await outcome(owner.providers.delete({ providerId: provider.id }))).toMatchObject({
      ok: false,
      code: "CONFLICT",
      message: expect.stringContaining(`Provider "Local A" has models pinned by the queued or running run ${run.id}`),
    });

    await db().run.update({ where: { id: run.id }, data: { status: "cancelled", finishedAt: new Date() } });
    expect(await tryDelete()).toEqual({ ok: true, value: { deleted: true } });
    expect(await db().model.findUnique({ where: { id: model.id } })).toBeNull();
  });

  it("a provider whose models nothing pins is deleted with them; archived agents do not count", async () => {
    const owner = as(ws);
    const provider = await db().provider.create({
      data: { id: newId("prv"), workspaceId: ws.id, name: "Local B", kind: "openai_compatible", baseUrl: "http://127.0.0.1:9/v1", isLocal: true },
    });
    const model = await addModel(provider.id, "pinned-b");
    await owner.agents.create({ slug: "retired", name: "Retired", modelPolicy: { type: "pinned", modelId: model.id } });
    expect(await outcome(owner.providers.delete({ providerId: provider.id }))).toMatchObject({
      ok: false,
      code: "CONFLICT",
      message: expect.stringContaining("agent retired"),
    });
    await owner.agents.archive({ agent: "retired" });
    expect(await outcome(owner.providers.delete({ providerId: provider.id }))).toEqual({ ok: true, value: { deleted: true } });
    expect(await db().model.count({ where: { providerId: provider.id } })).toBe(0);
  });
});
