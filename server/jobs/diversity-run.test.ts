/**
 * Diversity through the real engine: with a policy whose `diversity` is on, the debaters of a debate round and the
 * proposers of a mixture-of-agents layer are spread over different models (the gateway against the LLM stub, three
 * stub models); without it every participant gets the policy's first choice. After a crash, a resumed run still
 * spreads: the models of the participants replayed from their records count.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { invalidateCatalogCache } from "@/server/models/catalog-cache";
import { generate } from "@/server/models/gateway";
import { stepRows } from "@/test/fixtures/runs";
import { useTopologyEngine, type StepRow } from "@/test/fixtures/topology-engine";
import { executeRun, type ExecuteDeps } from "./run-function";
import { createPostgresStep } from "./step";

const e = useTopologyEngine("diversity", ["ann", "bob", "cat", "dan"]);

async function setBalanced(policy: { minQuality: number; diversity?: boolean }) {
  await db().routingPreset.updateMany({ where: { workspaceId: e.rw.ws.id, name: "balanced" }, data: { policy } });
  invalidateCatalogCache(e.rw.ws.id);
}

const modelsOf = (rows: StepRow[], stepIds: string[]) => stepIds.map((id) => rows.find((r) => r.stepId === id)!.modelRef);

beforeAll(async () => {
  const provider = await db().provider.findFirstOrThrow({ where: { workspaceId: e.rw.ws.id, kind: "openai_compatible" } });
  for (const [modelId, price] of [
    ["stub-mid", 1],
    ["stub-big", 2],
  ] as const) {
    await db().model.create({
      data: {
        id: newId("mdl"),
        workspaceId: e.rw.ws.id,
        providerId: provider.id,
        modelId,
        displayName: modelId,
        inputPrice: price,
        outputPrice: price,
        contextWindow: 128_000,
        capabilities: ["tools", "json"],
        quality: 0.9,
      },
    });
  }
  invalidateCatalogCache(e.rw.ws.id);
});

const VERDICT = { consensus: true, decision: "DECIDED", reasoning: "agreed" };
const DEBATE = { topology: "debate", debaters: ["ann", "bob", "cat"], judge: "dan", rounds: 1 };

/** one round's answers: the three debaters, then the judge's consensus */
function scriptDebate() {
  e.say("ann", "ANN");
  e.say("bob", "BOB");
  e.say("cat", "CAT");
  e.say("dan", VERDICT);
}

describe("diversity", () => {
  it("spreads the debaters of a round over three models; the judge routes as usual", async () => {
    await setBalanced({ minQuality: 0.6, diversity: true });
    scriptDebate();
    const { run, rows } = await e.run(DEBATE);
    expect(run.status).toBe("succeeded");
    const used = modelsOf(rows, ["r1.d0", "r1.d1", "r1.d2"]);
    expect(new Set(used).size).toBe(3);
    expect(rows.find((r) => r.stepId === "r1.d1")!.routeReason).toContain("diversity");
  });

  it("spreads a mixture-of-agents layer; without diversity the layer gets N copies of the cheapest", async () => {
    await setBalanced({ minQuality: 0.6, diversity: true });
    e.say("ann", "A");
    e.say("bob", "B");
    e.say("cat", "C");
    e.say("dan", "MERGED");
    const spread = await e.run({ topology: "mixture_of_agents", layers: [["ann", "bob", "cat"]], aggregator: "dan" });
    expect(spread.run.status).toBe("succeeded");
    expect(new Set(modelsOf(spread.rows, ["l0_0", "l0_1", "l0_2"])).size).toBe(3);

    await setBalanced({ minQuality: 0.6 });
    e.say("ann", "A");
    e.say("bob", "B");
    e.say("cat", "C");
    e.say("dan", "MERGED");
    const plain = await e.run({ topology: "mixture_of_agents", layers: [["ann", "bob", "cat"]], aggregator: "dan" });
    expect(new Set(modelsOf(plain.rows, ["l0_0", "l0_1", "l0_2"])).size).toBe(1);
  });

  it("a replay after a crash still spreads: the participants asked again avoid the models of those replayed", async () => {
    await setBalanced({ minQuality: 0.6, diversity: true });
    scriptDebate();
    const { run, rows } = await e.run(DEBATE);
    expect(run.status).toBe("succeeded");
    // as if the process had died once the debater on the policy's first choice was stored: the others never ran
    const debaters = rows.filter((r) => /^r1\.d\d$/.test(r.stepId));
    const kept = debaters.find((r) => !r.routeReason?.includes("diversity:"))!;
    const lost = [...debaters.filter((r) => r !== kept).map((r) => r.stepId), "r1.judge"];
    await db().runStep.deleteMany({ where: { runId: run.id, stepId: { in: lost } } });
    // held by another owner's lease: no executor of this file claims it; this test's execution replays it
    await db().run.update({
      where: { id: run.id },
      data: {
        status: "running",
        finishedAt: null,
        output: Prisma.DbNull,
        outcome: Prisma.DbNull,
        error: null,
        leaseOwner: "elsewhere/1",
        leaseExpiresAt: new Date(Date.now() + 600_000),
      },
    });
    e.stub.reset();
    scriptDebate();
    const asked: string[] = [];
    const deps: Partial<ExecuteDeps> = {
      generate: (ctx, req) => {
        asked.push(req.stepId!);
        return generate(ctx, req);
      },
    };
    const replay = { runId: run.id, workspaceId: e.rw.ws.id };
    expect(await executeRun(replay, createPostgresStep(replay), { deps })).toBe("succeeded");
    expect(asked.sort()).toEqual(lost.sort());
    const after = await stepRows(run.id);
    const used = modelsOf(after, ["r1.d0", "r1.d1", "r1.d2"]);
    expect(used).toContain(kept.modelRef);
    expect(new Set(used).size).toBe(3);
  });
});
