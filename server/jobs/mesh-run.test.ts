/**
 * Mesh convergence through the real engine: the executor, the gateway and the LLM stub (agents on a chat model, the
 * answers embedded by an embedding model of the same stub, whose scripted vectors make answers near or far). By
 * similarity the mesh stops early when the answers stay similar and runs every round when they change; each round's
 * embeddings are one costed step (kind "embed") on the run's totals; by a judge, the judge's structured decision
 * stops it; the outcome says how it converged; a replay after a crash mid-mesh reuses the stored embedding steps.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { generate, settleObservations } from "@/server/models/gateway";
import { embed } from "@/server/models/embed";
import { getRun, startRun } from "@/server/runs/service";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { uniq } from "@/test/helpers";
import { addAgent, addTeam, makeRunWorkspace, stepRows, usageRows, useStubProvider, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { startExecutor, type Executor } from "./executor";
import { executeRun, type ExecuteDeps } from "./run-function";
import { createPostgresStep } from "./step";

let stub: LlmStub;
let rw: RunWorkspace;
const executors: Executor[] = [];

beforeAll(async () => {
  stub = await startLlmStub();
  rw = await makeRunWorkspace("mesh-run");
  const chat = await useStubProvider(rw.ws.id, stub.url, { inputPrice: 1, outputPrice: 1 });
  const { providerId } = await db().model.findUniqueOrThrow({ where: { id: chat } });
  await db().model.create({
    data: {
      id: newId("mdl"),
      workspaceId: rw.ws.id,
      providerId,
      modelId: "stub-embed",
      displayName: "stub-embed",
      inputPrice: 0.5,
      outputPrice: 0,
      contextWindow: 8_000,
      capabilities: ["embeddings"],
      quality: 0.7,
    },
  });
  for (const slug of ["alpha", "beta", "referee"]) await addAgent(rw.ctx, slug, { maxOutputTokens: 64, modelPolicy: { type: "preset", preset: "balanced" } });
});
beforeEach(() => stub.reset());
afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.stop()));
});
afterAll(async () => {
  await settleObservations();
  await stub.close();
});

async function runTeam(spec: unknown) {
  const slug = `mesh-${uniq()}`;
  await addTeam(rw.ctx, slug, spec);
  const run = await startRun(rw.ctx, { team: slug, input: "When do we ship?" });
  executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30 }));
  await waitForRun(run.id);
  return getRun(rw.ctx, run.id);
}

/** Both agents answer `[v<n>] …` in round n; the vector of `[v<n>]` is scripted. */
function script(rounds: number, vectors: Record<number, number[]>) {
  for (let n = 1; n <= rounds; n++) stub.reply({ content: `[v${n}] We ship on Monday, take ${n}.`, times: 2, when: "part as" });
  for (const [n, vector] of Object.entries(vectors)) stub.embedding({ when: `[v${n}]`, vector });
}

const mesh = (extra: Record<string, unknown> = {}) => ({ topology: "mesh", agents: ["alpha", "beta"], rounds: 4, ...extra });
const embedCalls = () => stub.calls.filter((c) => c.path === "/v1/embeddings");
const chatCalls = () => stub.calls.filter((c) => c.path === "/v1/chat/completions");

describe("mesh convergence by similarity, through the gateway", () => {
  it("answers that stay similar converge early: fewer rounds, one costed embedding step per round", async () => {
    script(4, { 1: [1, 0, 0], 2: [0.99, 0.1, 0] }); // cos ≈ 0.995
    const run = await runTeam(mesh());
    expect(run.status).toBe("succeeded");
    expect(run.outcome).toMatchObject({
      topology: "mesh",
      met: true,
      converged: true,
      rounds: 2,
      maxRounds: 4,
      convergence: {
        by: "similarity",
        threshold: 0.9,
        similarities: [
          { nodeId: "m0", agent: "alpha" },
          { nodeId: "m1", agent: "beta" },
        ],
      },
    });
    const similarities = (run.outcome as { convergence: { similarities: { similarity: number }[] } }).convergence.similarities;
    for (const s of similarities) expect(s.similarity).toBeCloseTo(0.995, 3);
    expect(chatCalls()).toHaveLength(4);
    expect(run.stepsDone).toBe(4); // agent steps: the embedding steps are not
    expect(embedCalls().map((c) => c.model)).toEqual(["stub-embed", "stub-embed"]);
    const steps = await stepRows(run.id);
    const embeds = steps.filter((s) => s.kind === "embed");
    expect(embeds.map((s) => [s.stepId, s.nodeId, s.status, s.modelName])).toEqual([
      ["r1.embed", "convergence", "succeeded", "stub-embed"],
      ["r2.embed", "convergence", "succeeded", "stub-embed"],
    ]);
    for (const s of embeds) {
      expect(s.inputTokens).toBeGreaterThan(0);
      expect(Number(s.costUsd)).toBeCloseTo((s.inputTokens * 0.5) / 1e6, 12);
    }
    // the embeddings' cost is on the run, and in the ledger under the step
    expect(run.costUsd).toBeCloseTo(
      steps.reduce((sum, s) => sum + Number(s.costUsd), 0),
      10,
    );
    expect((await usageRows(run.id, "r2.embed")).map((u) => [u.modelName, u.outcome])).toEqual([["stub-embed", "ok"]]);
  });

  it("answers that keep changing run every round: not converged, succeeded flagged, the similarities recorded", async () => {
    script(3, { 1: [1, 0, 0], 2: [0, 1, 0], 3: [0, 0, 1] });
    const run = await runTeam(mesh({ rounds: 3 }));
    expect(run.status).toBe("succeeded");
    expect(run.outcome).toEqual({
      topology: "mesh",
      met: false,
      onUnmet: "succeed_flagged",
      converged: false,
      rounds: 3,
      maxRounds: 3,
      convergence: {
        by: "similarity",
        threshold: 0.9,
        similarities: [
          { nodeId: "m0", agent: "alpha", similarity: 0 },
          { nodeId: "m1", agent: "beta", similarity: 0 },
        ],
      },
    });
    expect(chatCalls()).toHaveLength(6);
    expect(embedCalls()).toHaveLength(3);
  });

  it("a replay after a crash mid-mesh reuses the stored embedding steps: only the lost round is asked again", async () => {
    script(3, { 1: [1, 0, 0], 2: [0, 1, 0], 3: [0, 0, 1] });
    const run = await runTeam(mesh({ rounds: 3, onUnmet: "fail" }));
    expect(run.status).toBe("failed");
    await Promise.all(executors.splice(0).map((e) => e.stop())); // only this test's execution takes the run up again
    // as if the process had died after r2.embed was stored: round 3 never happened
    await db().runStep.deleteMany({ where: { runId: run.id, stepId: { startsWith: "r3." } } });
    await db().run.update({ where: { id: run.id }, data: { status: "running", finishedAt: null, output: Prisma.DbNull, outcome: Prisma.DbNull, error: null } });
    stub.reset();
    stub.reply({ content: "[v3] We ship on Monday, take 3.", times: 2, when: "part as" }); // round 3 is the only one asked now
    stub.embedding({ when: "[v3]", vector: [0, 0, 1] });
    const calls = { generate: [] as string[], embed: [] as string[] };
    const deps: Partial<ExecuteDeps> = {
      generate: (ctx, req) => {
        calls.generate.push(req.stepId!);
        return generate(ctx, req);
      },
      embed: (ctx, req) => {
        calls.embed.push(req.stepId!);
        return embed(ctx, req);
      },
    };
    const step = createPostgresStep({ runId: run.id, workspaceId: rw.ws.id });
    expect(await executeRun({ runId: run.id, workspaceId: rw.ws.id }, step, { deps })).toBe("failed");
    expect(calls.generate.sort()).toEqual(["r3.m0", "r3.m1"]);
    expect(calls.embed).toEqual(["r3.embed"]); // r1.embed and r2.embed came back from their stored results
    const again = await getRun(rw.ctx, run.id);
    expect(again.outcome).toEqual(run.outcome);
    expect(again.error).toBe("Outcome not met: the agents did not converge after 3 rounds (below the similarity threshold 0.9: alpha (m0) 0, beta (m1) 0)");
  });
});

describe("mesh convergence when no model may embed", () => {
  it("the embedding step succeeds without a call and says why; only unchanged answers would count; the run goes on", async () => {
    script(2, {});
    const run = await runTeam(
      mesh({ rounds: 2, convergence: { by: "similarity", embeddingPolicy: { type: "constraints", constraints: { minQuality: 0.95 } } } }),
    );
    expect(run.status).toBe("succeeded");
    expect(run.outcome).toMatchObject({
      met: false,
      rounds: 2,
      convergence: { by: "similarity", similarities: [{ similarity: 0 }, { similarity: 0 }], unavailable: expect.stringMatching(/minQuality 0.95/) },
    });
    expect(embedCalls()).toHaveLength(0);
    const embeds = (await stepRows(run.id)).filter((s) => s.kind === "embed");
    expect(embeds.map((s) => [s.stepId, s.status, Number(s.costUsd)])).toEqual([
      ["r1.embed", "succeeded", 0],
      ["r2.embed", "succeeded", 0],
    ]);
    expect(embeds[0]!.output).toMatch(/^Not embedded: /);
  });
});

describe("mesh convergence by a judge, through the gateway", () => {
  it("the judge's structured decision stops the mesh; its reason is in the outcome; it saw the round's answers as untrusted context", async () => {
    stub.reply({ when: "mesh converged", content: JSON.stringify({ converged: false, reason: "alpha and beta still differ" }) });
    stub.reply({ when: "mesh converged", content: JSON.stringify({ converged: true, reason: "both say Monday" }) });
    const run = await runTeam(mesh({ convergence: { by: "judge", judge: "referee" } }));
    expect(run.status).toBe("succeeded");
    expect(run.outcome).toEqual({
      topology: "mesh",
      met: true,
      onUnmet: "succeed_flagged",
      converged: true,
      rounds: 2,
      maxRounds: 4,
      convergence: { by: "judge", reason: "both say Monday" },
    });
    expect(embedCalls()).toHaveLength(0);
    const steps = await stepRows(run.id);
    expect(steps.map((s) => s.stepId).sort()).toEqual(["r1.judge", "r1.m0", "r1.m1", "r2.judge", "r2.m0", "r2.m1"]);
    const judged = steps.find((s) => s.stepId === "r2.judge")!;
    expect(judged.inputSeen).toContain('<context from="alpha (m0)">');
  });
});
