/**
 * Evaluations through the real engine: the executor runs the items' runs on the LLM stub (scripted answers for the
 * agent and each judge), the evaluation worker (lease worker) scores them. Progress and aggregates, verdicts and ledger
 * rows on the runs, resume after a lease expiry without scoring twice, cancel, budget exhaustion, the comparison and
 * its 422, and the Inngest function.
 */
import { InngestTestEngine } from "@inngest/test";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { settleObservations } from "@/server/models/gateway";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { createJudge } from "@/server/quality/judges/service";
import { testDb as db } from "@/test/db";
import { addAgent, makeRunWorkspace, sleep, useStubProvider, type RunWorkspace } from "@/test/fixtures/runs";
import { marker } from "@/test/fixtures/topology-engine";
import { appErrorOf, uniq } from "@/test/helpers";
import { claimLeased, leaseFence } from "@/server/jobs/lease-worker";
import { EVALUATIONS, setEvaluationPollMs, startEvaluationWorker, submitEvaluation, type EvaluationWorker } from "@/server/quality/evaluations/worker";
import { EVALUATION_REQUESTED_EVENT, evaluationFunction } from "@/server/quality/evaluations/inngest";
import { createDataset, importDatasetItems } from "@/server/quality/datasets/service";
import { cancelEvaluation, createEvaluation, evaluationPassed, getEvaluation, listEvaluationItems } from "./service";
import { advanceEvaluation, evalStepId } from "./run-items";
import { compareEvaluations } from "./compare";

let stub: LlmStub;
let rw: RunWorkspace;
const executors: Executor[] = [];
const workers: EvaluationWorker[] = [];

const RUBRIC = { criteria: [{ key: "accuracy", description: "Facts are right", weight: 1 }], scale: { min: 1, max: 5 } };
const verdict = (accuracy: number) => ({ scores: { accuracy }, verdict: accuracy >= 4 ? "pass" : "fail", rationale: "because", issues: [] });

beforeAll(async () => {
  setEvaluationPollMs(20);
  stub = await startLlmStub();
  rw = await makeRunWorkspace("evaluations");
  await useStubProvider(rw.ws.id, stub.url);
  for (const slug of ["ja", "jb"])
    await createJudge(rw.ctx, { slug, name: slug, instructions: `Judge. ${marker(slug)}`, rubric: RUBRIC, maxOutputTokens: 256 });
  await addAgent(rw.ctx, "answerer", { instructions: `Answer. ${marker("answerer")}`, maxOutputTokens: 64 });
});
beforeEach(() => stub.reset());
afterEach(async () => {
  await Promise.all([...workers.splice(0), ...executors.splice(0)].map((w) => w.stop()));
});
afterAll(async () => {
  await settleObservations();
  await stub.close();
});

async function dataset(n = 3) {
  const ds = await createDataset(rw.ctx, { slug: `ds-${uniq()}`, name: "Questions" });
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ input: `Question ${i + 1}?`, reference: `Answer ${i + 1}`, tags: ["t"] }));
  await importDatasetItems(rw.ctx, ds.id, { format: "jsonl", content: lines.join("\n") });
  return ds;
}

function engines() {
  executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 }));
  const worker = startEvaluationWorker({ workspaceIds: [rw.ws.id], pollMs: 20, leaseMs: 5_000 });
  workers.push(worker);
  return worker;
}

async function waitForEvaluation(id: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await getEvaluation(rw.ctx, id);
    if (["succeeded", "failed", "cancelled"].includes(e.status)) return e;
    if (Date.now() > deadline) throw new Error(`evaluation ${id} still ${e.status}`);
    await sleep(20);
  }
}

/** a failed attempt's unfinished evaluations out of the way (CI retries a test once): the manual claims take the oldest */
async function putAwayOthers(id: string) {
  await db().evaluation.updateMany({
    where: { workspaceId: rw.ws.id, id: { not: id }, status: { in: ["queued", "running"] } },
    data: { status: "cancelled", leaseOwner: null },
  });
}

const judgeCalls = (slug: string) => stub.calls.filter((c) => c.path === "/v1/chat/completions" && JSON.stringify(c.body).includes(marker(slug))).length;

/** scripts the answers for items in order (concurrency 1): the agent's text, then each judge's accuracy */
function script(accuracies: number[]) {
  accuracies.forEach((a, i) => {
    stub.reply({ when: marker("answerer"), content: `ANSWER-${i + 1}` });
    stub.reply({ when: marker("ja"), content: JSON.stringify(verdict(a)) });
    stub.reply({ when: marker("jb"), content: JSON.stringify(verdict(a)) });
  });
}

describe("an evaluation over a 3-item dataset", () => {
  it("runs each item, scores it with both judges on the run's ledger, and aggregates", async () => {
    const ds = await dataset(3);
    script([5, 1, 5]);
    const created = await submitEvaluation(rw.ctx, { dataset: ds.slug, agent: "answerer", judges: ["ja", "jb"], concurrency: 1 });
    expect(created).toMatchObject({ status: "queued", progress: { itemsDone: 0, itemsTotal: 3 }, target: { type: "agent", slug: "answerer", version: 1 } });
    engines();
    const done = await waitForEvaluation(created.id);
    expect(done).toMatchObject({
      status: "succeeded",
      progress: { itemsDone: 3, itemsTotal: 3, passed: 2, failed: 1, errored: 0, skipped: 0 },
      meanScore: 0.6667,
      actualPassRate: 0.6667,
      passed: false, // 2/3 < the default 0.8
    });
    expect(done.p50LatencyMs).not.toBeNull();
    const items = (await listEvaluationItems(rw.ctx, created.id)).items;
    expect(items.map((i) => [i.input, i.verdict, i.score])).toEqual([
      ["Question 1?", "pass", 1],
      ["Question 2?", "fail", 0],
      ["Question 3?", "pass", 1],
    ]);
    // the judges' verdicts and their ledger rows belong to each item's run
    for (const item of items) {
      const verdicts = await db().judgeVerdict.findMany({ where: { runId: item.runId! } });
      expect(verdicts.map((v) => v.stepId).sort()).toEqual([evalStepId(created.id, "ja"), evalStepId(created.id, "jb")]);
      expect(await db().usageRecord.count({ where: { runId: item.runId!, stepId: evalStepId(created.id, "ja") } })).toBe(1);
      expect(await db().run.findUniqueOrThrow({ where: { id: item.runId! }, select: { channel: true, channelRef: true } })).toEqual({
        channel: "evaluation",
        channelRef: created.id,
      });
    }
    // the reference answer reached the judge
    const judged = stub.calls.find((c) => JSON.stringify(c.body).includes(marker("ja")));
    expect(JSON.stringify(judged?.body)).toContain("Answer 1");
    expect(await evaluationPassed(rw.ctx, created.id)).toEqual({ passed: false, passRate: 0.6667, meanScore: 0.6667 });
  });

  it("resumes after its lease expired: the scored item is not scored again, the old owner writes nothing", async () => {
    const ds = await dataset(2);
    script([5, 5]);
    const created = await createEvaluation(rw.ctx, { dataset: ds.id, agent: "answerer", judges: ["ja", "jb"], concurrency: 1 });
    await putAwayOthers(created.id);
    const owner = `dead-${uniq()}`;
    const job = await claimLeased(EVALUATIONS, { owner, leaseMs: 60_000, workspaceIds: [rw.ws.id] });
    expect(job?.id).toBe(created.id);
    executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 }));
    // the first owner starts item 1 and scores it once its run is done, then "dies"
    for (let i = 0; i < 500; i++) {
      await advanceEvaluation(rw.ctx, created.id, leaseFence(owner));
      if ((await getEvaluation(rw.ctx, created.id)).progress.itemsDone === 1) break;
      await sleep(20);
    }
    expect(judgeCalls("ja")).toBe(1);
    // a crash between the two judges of item 1: ja's verdict is stored, jb's is not, the item is still running
    const first = (await listEvaluationItems(rw.ctx, created.id)).items[0]!;
    await db().evaluationItem.update({ where: { id: first.id }, data: { status: "running", score: null, verdict: null } });
    await db().judgeVerdict.deleteMany({ where: { runId: first.runId!, stepId: evalStepId(created.id, "jb") } });
    stub.reply({ when: marker("jb"), content: JSON.stringify(verdict(5)) });
    await db().evaluation.update({ where: { id: created.id }, data: { leaseExpiresAt: new Date(Date.now() - 60_000) } });
    workers.push(startEvaluationWorker({ workspaceIds: [rw.ws.id], pollMs: 20, leaseMs: 5_000 }));
    const done = await waitForEvaluation(created.id);
    expect(done).toMatchObject({ status: "succeeded", progress: { passed: 2 }, passed: true });
    // ja answered once per item; jb once more for item 1 (its verdict was lost), never twice for a stored verdict
    expect(judgeCalls("ja")).toBe(2);
    expect(judgeCalls("jb")).toBe(3);
    expect(await db().judgeVerdict.count({ where: { stepId: { startsWith: `eval.${created.id}.` } } })).toBe(4);
    // the dead owner's lease is gone: its writes are fenced off
    await advanceEvaluation(rw.ctx, created.id, leaseFence(owner));
    expect((await getEvaluation(rw.ctx, created.id)).status).toBe("succeeded");
  });

  it("cancel: its pending items and its unfinished runs are cancelled", async () => {
    const ds = await dataset(3);
    const created = await createEvaluation(rw.ctx, { dataset: ds.id, agent: "answerer", judges: ["ja"], concurrency: 2 });
    await putAwayOthers(created.id);
    const owner = `o-${uniq()}`;
    await claimLeased(EVALUATIONS, { owner, leaseMs: 60_000, workspaceIds: [rw.ws.id] });
    await advanceEvaluation(rw.ctx, created.id, leaseFence(owner)); // starts 2 runs (no executor: they stay queued)
    const started = (await listEvaluationItems(rw.ctx, created.id)).items.filter((i) => i.runId);
    expect(started).toHaveLength(2);
    const cancelled = await cancelEvaluation(rw.ctx, created.id);
    expect(cancelled.status).toBe("cancelled");
    const runs = await db().run.findMany({ where: { id: { in: started.map((i) => i.runId!) } } });
    expect(runs.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    expect((await listEvaluationItems(rw.ctx, created.id)).items.map((i) => i.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(await evaluationPassed(rw.ctx, created.id)).toBeNull();
  });

  it("compares two evaluations of a dataset item by item; refuses evaluations of different datasets (422)", async () => {
    const ds = await dataset(3);
    engines();
    script([5, 5, 1]);
    const a = await submitEvaluation(rw.ctx, { dataset: ds.id, agent: "answerer", judges: ["ja"], concurrency: 1 });
    await waitForEvaluation(a.id);
    script([1, 5, 5]);
    const b = await submitEvaluation(rw.ctx, { dataset: ds.id, agent: "answerer", judges: ["ja"], concurrency: 1 });
    await waitForEvaluation(b.id);
    const c = await compareEvaluations(rw.ctx, a.id, b.id);
    expect(c.items.map((i) => [i.delta, i.change])).toEqual([
      [-1, "regression"],
      [0, "same"],
      [1, "improvement"],
    ]);
    expect(c.summary).toMatchObject({ meanScoreDelta: 0, passRateA: 0.6667, passRateB: 0.6667, regressions: 1, improvements: 1 });

    const other = await dataset(1);
    const d = await createEvaluation(rw.ctx, { dataset: other.id, agent: "answerer", judges: ["ja"] });
    await cancelEvaluation(rw.ctx, d.id); // nothing to run: only its dataset matters here
    const error = await appErrorOf(compareEvaluations(rw.ctx, a.id, d.id));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.httpStatus).toBe(422);
  });

  it("budget exhausted: the remaining items are skipped and the evaluation fails with that reason", async () => {
    const priced = await makeRunWorkspace("evaluations-budget");
    await useStubProvider(priced.ws.id, stub.url, { inputPrice: 0.01, outputPrice: 0.01 });
    await createJudge(priced.ctx, { slug: "ja", name: "ja", instructions: `Judge. ${marker("ja")}`, rubric: RUBRIC, maxOutputTokens: 256 });
    await addAgent(priced.ctx, "answerer", { instructions: `Answer. ${marker("answerer")}`, maxOutputTokens: 64 });
    const ds = await createDataset(priced.ctx, { slug: `ds-${uniq()}`, name: "Q" });
    await importDatasetItems(priced.ctx, ds.id, { format: "csv", content: "input\nOne?\nTwo?\nThree?\n" });
    const created = await createEvaluation(priced.ctx, { dataset: ds.id, agent: "answerer", judges: ["ja"], concurrency: 1, budgetUsd: 0.0001 });
    executors.push(startExecutor({ workspaceIds: [priced.ws.id], pollMs: 20 }));
    workers.push(startEvaluationWorker({ workspaceIds: [priced.ws.id], pollMs: 20, leaseMs: 5_000 }));
    const deadline = Date.now() + 30_000;
    let e = await getEvaluation(priced.ctx, created.id);
    while (!["succeeded", "failed", "cancelled"].includes(e.status) && Date.now() < deadline) {
      await sleep(20);
      e = await getEvaluation(priced.ctx, created.id);
    }
    expect(e.status).toBe("failed");
    expect(e.error).toContain("budget");
    expect(e.progress.skipped).toBeGreaterThanOrEqual(2);
    expect(e.passed).toBe(false);
  });
});

describe("the Inngest function cadre/evaluation.requested", () => {
  it("runs an evaluation to its end in memoised steps", async () => {
    const ds = await dataset(1);
    script([5]);
    const created = await createEvaluation(rw.ctx, { dataset: ds.id, agent: "answerer", judges: ["ja"], concurrency: 1 });
    executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 }));
    // the durable sleeps between passes are mocked with a short real wait (the run executes meanwhile)
    const engine = new InngestTestEngine({
      function: evaluationFunction,
      events: [{ name: EVALUATION_REQUESTED_EVENT, data: { evaluationId: created.id, workspaceId: rw.ws.id } }],
      steps: Array.from({ length: 400 }, (_, n) => ({ id: `wait-${n}`, handler: () => sleep(25) })),
    });
    const { result, error } = await engine.execute();
    expect(error).toBeUndefined();
    expect(result).toBe("succeeded");
    expect((await getEvaluation(rw.ctx, created.id)).progress).toMatchObject({ itemsDone: 1, passed: 1 });
  });
});
