/** The usage reports name agents (slug and name) instead of showing their ids; a deleted agent is null, not an error. */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { permissionsOf } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { makeApiKey, makeWorkspace, rest, type TestWorkspace } from "@/test/helpers";
import { listUsage, usageTotals } from "./reports";

let ws: TestWorkspace;
let ctx: TenantContext;
let agentId: string;
const goneId = newId("agt");
beforeAll(async () => {
  ws = await makeWorkspace("usage-names");
  ctx = {
    workspaceId: ws.id,
    workspaceSlug: ws.slug,
    actor: { type: "user", userId: ws.users.owner.id, email: ws.users.owner.email },
    role: "owner",
    permissions: new Set(permissionsOf("owner")),
  };
  agentId = (await db().agent.create({ data: { id: newId("agt"), workspaceId: ws.id, slug: "writer", name: "The Writer" } })).id;
  for (const [agent, cost] of [
    [agentId, "0.2"],
    [goneId, "0.1"],
    [null, "0.05"],
  ] as const) {
    await db().usageRecord.create({
      data: { id: newId("use"), workspaceId: ws.id, agentId: agent, modelName: "m", providerKind: "openai", outcome: "ok", costUsd: cost },
    });
  }
});

describe("a step's model calls", () => {
  it("are the ledger rows of that step of that run, failed attempts included (tRPC and REST filters)", async () => {
    const runId = newId("run");
    await db().run.create({ data: { id: runId, workspaceId: ws.id, targetType: "agent", input: "x", status: "succeeded", createdByType: "user" } });
    for (const [stepId, outcome] of [
      ["s0", "error"],
      ["s0", "ok"],
      ["s1", "ok"],
    ] as const) {
      await db().usageRecord.create({ data: { id: newId("use"), workspaceId: ws.id, runId, stepId, modelName: "m", providerKind: "openai", outcome } });
    }
    const { items } = await listUsage(ctx, { limit: 10, runId, stepId: "s0" });
    expect(items.map((i) => i.outcome).sort()).toEqual(["error", "ok"]);
    const key = await makeApiKey(ws, "viewer");
    const res = await rest("GET", "/api/v1/usage", { key: key.raw, query: { run: runId, step: "s1" } });
    expect((res.body as { data: { stepId: string }[] }).data.map((d) => d.stepId)).toEqual(["s1"]);
  });
});

describe("usage by agent, by name", () => {
  it("the totals name each agent; a deleted one and calls of no agent have no name", async () => {
    const totals = await usageTotals(ctx, {});
    expect(totals.byAgent.map((a) => [a.agentId, a.agentSlug, a.agentName])).toEqual([
      [agentId, "writer", "The Writer"],
      [goneId, null, null],
      [null, null, null],
    ]);
  });

  it("each recorded call names its agent", async () => {
    const { items } = await listUsage(ctx, { limit: 10 });
    const byAgent = Object.fromEntries(items.map((i) => [i.agentId ?? "none", i.agent]));
    expect(byAgent).toEqual({ [agentId]: { slug: "writer", name: "The Writer" }, [goneId]: null, none: null });
  });
});
