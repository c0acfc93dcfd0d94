/**
 * Eval-gated promotion through the real engine: a rule makes each new version a candidate that runs do not use; its
 * evaluation starts by itself, and passing releases it in the statement that finishes the evaluation; failing leaves
 * it a candidate. Without a rule, saves are current at once. Validation, permissions and the tenant line.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { settleObservations } from "@/server/models/gateway";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { createJudge } from "@/server/quality/judges/service";
import { getAgent, getAgentVersion, updateAgent } from "@/server/agents/service";
import { testDb as db } from "@/test/db";
import { addAgent, makeRunWorkspace, sleep, useStubProvider, type RunWorkspace } from "@/test/fixtures/runs";
import { marker } from "@/test/fixtures/topology-engine";
import { callerFor, makeApiKey, outcome, rest, uniq } from "@/test/helpers";
import { setEvaluationPollMs, startEvaluationWorker, type EvaluationWorker } from "./worker";
import { createDataset, importDatasetItems } from "@/server/quality/datasets/service";
import { createEvaluation, getEvaluation } from "./service";
import { setAgentPromotionRule, setTeamPromotionRule } from "./promotion";
import { getTeam, updateTeam } from "@/server/teams/service";
import { addTeam } from "@/test/fixtures/runs";

let stub: LlmStub;
let rw: RunWorkspace;
const engines: (Executor | EvaluationWorker)[] = [];

const RUBRIC = { criteria: [{ key: "accuracy", description: "Facts are right", weight: 1 }], scale: { min: 1, max: 5 } };
const verdict = (accuracy: number) => ({ scores: { accuracy }, verdict: accuracy >= 4 ? "pass" : "fail", rationale: "because", issues: [] });

beforeAll(async () => {
  setEvaluationPollMs(20);
  stub = await startLlmStub();
  rw = await makeRunWorkspace("promotion");
  await useStubProvider(rw.ws.id, stub.url);
  await createJudge(rw.ctx, { slug: "gatekeeper", name: "Gatekeeper", instructions: `Judge. ${marker("gatekeeper")}`, rubric: RUBRIC, maxOutputTokens: 256 });
});
beforeEach(() => stub.reset());
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});
afterAll(async () => {
  await settleObservations();
  await stub.close();
});

function startEngines() {
  engines.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 }));
  engines.push(startEvaluationWorker({ workspaceIds: [rw.ws.id], pollMs: 20, leaseMs: 5_000 }));
}

async function dataset(n: number) {
  const ds = await createDataset(rw.ctx, { slug: `promo-${uniq()}`, name: "Checks" });
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ input: `Check ${i + 1}?`, reference: `Fine ${i + 1}` }));
  await importDatasetItems(rw.ctx, ds.id, { format: "jsonl", content: lines.join("\n") });
  return ds;
}

/** the candidate's evaluation (started by the save), once it has finished */
async function candidateEvaluation(agentId: string, version: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const row = await db().evaluation.findFirst({ where: { workspaceId: rw.ws.id, targetId: agentId, targetVersion: version, promote: true } });
    if (row && ["succeeded", "failed", "cancelled"].includes(row.status)) return getEvaluation(rw.ctx, row.id);
    if (Date.now() > deadline) throw new Error(`no finished evaluation of version ${version}`);
    await sleep(20);
  }
}

/** the agent's answers and the judge's scores, item by item (concurrency 1) */
function script(slug: string, accuracies: number[]) {
  for (const a of accuracies) {
    stub.reply({ when: marker(slug), content: "An answer." });
    stub.reply({ when: marker("gatekeeper"), content: JSON.stringify(verdict(a)) });
  }
}

describe("eval-gated promotion", () => {
  it("a save under the rule is a candidate until its evaluation passes; a failed one stays a candidate; without a rule saves are current", async () => {
    const slug = `promoted-${uniq()}`;
    await addAgent(rw.ctx, slug, { instructions: `Answer. ${marker(slug)}`, maxOutputTokens: 64 });
    const ds = await dataset(2);
    const ruled = await setAgentPromotionRule(rw.ctx, slug, { dataset: ds.slug, judges: ["gatekeeper"], passRate: 1 });
    expect(ruled.promotionRule).toMatchObject({ dataset: ds.id, passRate: 1 });
    expect(ruled.promotionRule?.judges).toHaveLength(1);

    // version 2: a candidate, what runs use stays version 1
    const saved = await updateAgent(rw.ctx, slug, { instructions: `Answer better. ${marker(slug)}` });
    expect(saved).toMatchObject({ currentVersion: 1, latestVersion: 2 });
    expect((await getAgentVersion(rw.ctx, slug)).version).toBe(1);
    expect((await getAgentVersion(rw.ctx, slug, 2)).releasedAt).toBeNull();
    const audit = await db().auditLog.findFirst({
      where: { workspaceId: rw.ws.id, action: "agent.update", targetId: saved.id },
      orderBy: { createdAt: "desc" },
    });
    expect(audit?.metadata).toMatchObject({ version: 2, candidate: true });

    script(slug, [5, 5]);
    startEngines();
    const passed = await candidateEvaluation(saved.id, 2);
    expect(passed).toMatchObject({ status: "succeeded", passed: true, promote: true, target: { version: 2 } });
    expect(await getAgent(rw.ctx, slug)).toMatchObject({ currentVersion: 2, latestVersion: 2, instructions: `Answer better. ${marker(slug)}` });
    expect((await getAgentVersion(rw.ctx, slug, 2)).releasedAt).toBeInstanceOf(Date);
    const promoted = await db().auditLog.findFirst({ where: { workspaceId: rw.ws.id, action: "agent.promote", targetId: saved.id } });
    expect(promoted?.metadata).toMatchObject({ version: 2, evaluationId: passed.id });

    // version 3 fails its evaluation: still a candidate, runs keep version 2
    script(slug, [5, 1]);
    await updateAgent(rw.ctx, slug, { maxOutputTokens: 80 });
    const failed = await candidateEvaluation(saved.id, 3);
    expect(failed).toMatchObject({ status: "succeeded", passed: false });
    expect(await getAgent(rw.ctx, slug)).toMatchObject({ currentVersion: 2, latestVersion: 3 });
    // an edit builds on the latest version (the candidate's fields carry over)
    expect(await outcome(updateAgent(rw.ctx, slug, { temperature: 0.35, baseVersion: 2 }))).toMatchObject({ ok: false, code: "CONFLICT" });

    // the rule cleared: the next save is current at once, candidate 3 is left behind
    await setAgentPromotionRule(rw.ctx, slug, null);
    const direct = await updateAgent(rw.ctx, slug, { temperature: 0.35, baseVersion: 3 });
    expect(direct).toMatchObject({ currentVersion: 4, latestVersion: 4, maxOutputTokens: 80, promotionRule: null });
    expect(await db().evaluation.count({ where: { workspaceId: rw.ws.id, targetId: saved.id, targetVersion: 4 } })).toBe(0);
  });

  it("a team's candidate is released the same way", async () => {
    const agent = `team-member-${uniq()}`;
    await addAgent(rw.ctx, agent, { instructions: `Answer. ${marker(agent)}`, maxOutputTokens: 64 });
    const team = `promoted-team-${uniq()}`;
    await addTeam(rw.ctx, team, { topology: "sequential", agents: [agent] });
    const ds = await dataset(1);
    expect((await setTeamPromotionRule(rw.ctx, team, { dataset: ds.id, judges: ["gatekeeper"] })).promotionRule).toMatchObject({ passRate: 0.8 });
    const saved = await updateTeam(rw.ctx, team, { description: "Second take" });
    expect(saved).toMatchObject({ currentVersion: 1, latestVersion: 2, description: "" });
    script(agent, [5]);
    startEngines();
    expect(await candidateEvaluation(saved.id, 2)).toMatchObject({ passed: true, target: { type: "team", version: 2 } });
    expect(await getTeam(rw.ctx, team)).toMatchObject({ currentVersion: 2, latestVersion: 2, description: "Second take" });
    expect(await db().auditLog.count({ where: { workspaceId: rw.ws.id, action: "team.promote", targetId: saved.id } })).toBe(1);
  });

  it("refuses a rule naming a missing dataset or judge, and `promote` for a version that is not a candidate", async () => {
    const slug = `ruled-${uniq()}`;
    await addAgent(rw.ctx, slug);
    const ds = await dataset(1);
    expect(await outcome(setAgentPromotionRule(rw.ctx, slug, { dataset: "no-such-dataset", judges: ["gatekeeper"] }))).toMatchObject({
      ok: false,
      code: "NOT_FOUND",
    });
    expect(await outcome(setAgentPromotionRule(rw.ctx, slug, { dataset: ds.slug, judges: ["nobody"] }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(setAgentPromotionRule(rw.ctx, slug, { dataset: ds.slug, judges: [] }))).toMatchObject({ ok: false });
    expect((await getAgent(rw.ctx, slug)).promotionRule).toBeNull();
    const notCandidate = await outcome(createEvaluation(rw.ctx, { dataset: ds.slug, agent: slug, version: 1, judges: ["gatekeeper"], promote: true }));
    expect(notCandidate).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
  });

  it("over tRPC and REST: members set it, viewers may not, another workspace gets 404", async () => {
    const slug = `rest-ruled-${uniq()}`;
    await addAgent(rw.ctx, slug);
    const ds = await dataset(1);
    const rule = { dataset: ds.slug, judges: ["gatekeeper"], passRate: 0.5 };
    const member = callerFor(rw.ws.users.member, rw.ws.slug);
    expect((await member.agents.setPromotion({ agent: slug, rule })).promotionRule).toMatchObject({ passRate: 0.5 });
    const viewer = callerFor(rw.ws.users.viewer, rw.ws.slug);
    expect(await outcome(viewer.agents.setPromotion({ agent: slug, rule: null }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const key = (await makeApiKey(rw.ws, "member")).raw;
    const put = await rest("PUT", "/api/v1/agents/{agentId}/promotion-rule", { key, params: { agentId: slug }, body: { rule: null } });
    expect(put.status).toBe(200);
    expect(put.body.promotionRule).toBeNull();

    const other = await makeRunWorkspace("promotion-other");
    const otherKey = (await makeApiKey(other.ws, "owner")).raw;
    expect((await rest("PUT", "/api/v1/agents/{agentId}/promotion-rule", { key: otherKey, params: { agentId: slug }, body: { rule } })).status).toBe(404);
    expect(await outcome(callerFor(other.ws.users.owner, other.ws.slug).agents.setPromotion({ agent: slug, rule }))).toMatchObject({
      ok: false,
      code: "NOT_FOUND",
    });
    expect((await getAgent(rw.ctx, slug)).promotionRule).toBeNull();
  });
});
