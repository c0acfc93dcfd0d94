/**
 * Labels, the labelling queue, a judge's agreement with people and few-shot examples from labels, through tRPC and
 * REST as the UI and API keys call them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, type TestWorkspace } from "@/test/helpers";
import type { JudgeVerdictLabel } from "@/lib/schemas/quality-gate";
import { isHeldOut } from "./held-out";
import { cohensKappa, spearman } from "./stats";

const RUBRIC = { criteria: [{ key: "accuracy", description: "Right", weight: 1 }] };
let ws: TestWorkspace;
let memberKey: string;
let judgeId: string;
const member = () => callerFor(ws.users.member, ws.slug);

/** A finished run with an output, judged by the workspace's judge on each iteration (verdict, overall). */
async function judgedRun(output: string, iterations: [JudgeVerdictLabel, number][] = [["pass", 0.9]], createdAt?: Date): Promise<string> {
  const id = newId("run");
  await db().run.create({
    data: {
      id,
      workspaceId: ws.id,
      targetType: "agent",
      input: `Question for ${output}`,
      status: "succeeded",
      output: { text: output },
      createdByType: "user",
      createdById: ws.users.owner.id,
      ...(createdAt ? { createdAt } : {}),
    },
  });
  for (const [i, [verdict, overall]] of iterations.entries()) {
    await db().judgeVerdict.create({
      data: {
        id: newId("jvd"),
        workspaceId: ws.id,
        runId: id,
        stepId: `gate.i${i + 1}.calib`,
        iteration: i + 1,
        judgeId,
        judgeSlug: "calib",
        judgeVersion: 1,
        scores: { accuracy: 4, clarity: 3 },
        overall,
        verdict,
        rationale: "JUDGE-RATIONALE-SECRET",
      },
    });
  }
  return id;
}

beforeAll(async () => {
  ws = await makeWorkspace("calib");
  memberKey = (await makeApiKey(ws, "member")).raw;
  judgeId = (await callerFor(ws.users.owner, ws.slug).judges.create({ slug: "calib", name: "Calib", rubric: RUBRIC })).id;
});

describe("labels", () => {
  it("saves my label of the run's last iteration by default, edits it on a second save, audits both", async () => {
    const runId = await judgedRun("two tries", [
      ["revise", 0.4],
      ["pass", 0.8],
    ]);
    const first = await member().labels.save({ runId, verdict: "pass", scores: { accuracy: 5, clarity: 3 }, note: "good" });
    expect(first).toMatchObject({ runId, iteration: 2, labellerId: ws.users.member.id, verdict: "pass", score: 0.75, note: "good" });
    expect(first.heldOut).toBe(isHeldOut(runId, 2));
    const edited = await member().labels.save({ runId, verdict: "revise", score: 0.3 });
    expect(edited).toMatchObject({ id: first.id, iteration: 2, verdict: "revise", score: 0.3, scores: {} });
    expect(await db().outputLabel.count({ where: { runId } })).toBe(1);
    const actions = (await auditRows(ws.id)).filter((r) => r.targetId === first.id).map((r) => r.action);
    expect(actions).toEqual(["label.update", "label.create"]);

    // the other iteration is another output (the producer's first step): a label of its own
    await db().runStep.create({
      data: { id: newId("stp"), workspaceId: ws.id, runId, stepId: "agent", kind: "agent", status: "succeeded", output: "first try" },
    });
    const earlier = await member().labels.save({ runId, iteration: 1, verdict: "revise" });
    expect(earlier.id).not.toBe(first.id);
    expect((await member().labels.list({ runId })).items.map((l) => l.iteration).sort()).toEqual([1, 2]);
  });

  it("refuses bad input clearly and writes nothing", async () => {
    const runId = await judgedRun("bad input");
    for (const bad of [
      { runId, verdict: "maybe" },
      { runId, verdict: "pass", scores: { accuracy: 6 } },
      { runId, verdict: "pass", scores: { "Not A Key": 3 } },
      { runId, verdict: "pass", score: 1.5 },
    ]) {
      expect(await outcome(member().labels.save(bad as never))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    }
    expect(await outcome(member().labels.save({ runId, iteration: 2, verdict: "pass" }))).toMatchObject({ ok: false, appCode: "VALIDATION_FAILED" });
    const res = await rest("PUT", "/api/v1/runs/{runId}/label", { key: memberKey, params: { runId }, body: { verdict: "maybe" } });
    expect(res.status).toBe(422);
    expect(await db().outputLabel.count({ where: { runId } })).toBe(0);
  });

  it("a run without an output cannot be labelled; a viewer reads labels but cannot write one", async () => {
    const runId = newId("run");
    await db().run.create({
      data: { id: runId, workspaceId: ws.id, targetType: "agent", input: "x", status: "running", createdByType: "user", createdById: ws.users.owner.id },
    });
    expect(await outcome(member().labels.save({ runId, verdict: "pass" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    const viewer = callerFor(ws.users.viewer, ws.slug);
    expect(await outcome(viewer.labels.save({ runId, verdict: "pass" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(viewer.labels.list())).toMatchObject({ ok: true });
  });

  it("the queue lists recent outputs I have not labelled, with input, output and criterion keys but nothing of the judges' verdicts", async () => {
    const runId = await judgedRun("queue me", [["fail", 0.1]]);
    const queue = await member().labels.queue({ limit: 50 });
    const item = queue.items.find((i) => i.runId === runId);
    expect(item).toMatchObject({ iteration: 1, input: "Question for queue me", output: "queue me", criteria: ["accuracy", "clarity"] });
    // nothing of the verdict: its rationale, its label, its score (as a value of a field, not inside a timestamp)
    expect(JSON.stringify(queue)).not.toMatch(/JUDGE-RATIONALE-SECRET|"fail"|:0\.1\b/);
    expect(Object.keys(item!).sort()).toEqual(["createdAt", "criteria", "input", "iteration", "output", "runId", "target"]);
    await member().labels.save({ runId, verdict: "fail" });
    expect((await member().labels.queue({ limit: 50 })).items.map((i) => i.runId)).not.toContain(runId);
    // someone else's label does not take it out of my queue
    const admin = callerFor(ws.users.admin, ws.slug);
    expect((await admin.labels.queue({ limit: 50 })).items.map((i) => i.runId)).toContain(runId);
    const viaRest = await rest("GET", "/api/v1/labels/queue", { key: memberKey, query: { limit: "50" } });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body.items.map((i: { runId: string }) => i.runId)).not.toContain(runId);
  });
});

describe("agreement and few-shot examples", () => {
  it("computes kappa and Spearman over held-out pairs only, by week, flags below the threshold; examples never come from held-out items", async () => {
    // a slug of its own per attempt (a retry finds the first attempt's judge in the shared workspace)
    const slug = `agree${Math.random().toString(36).slice(2, 8)}`;
    const judge = await callerFor(ws.users.owner, ws.slug).judges.create({ slug, name: "Agree", rubric: RUBRIC });
    const w = await makeWorkspace("agree");
    const owner = callerFor(w.users.owner, w.slug);
    const j = await owner.judges.create({ slug, name: "Agree", rubric: RUBRIC });
    expect(judge.id).not.toBe(j.id);
    const verdicts: JudgeVerdictLabel[] = ["pass", "revise", "fail"];
    const pairs: { runId: string; judge: JudgeVerdictLabel; person: JudgeVerdictLabel; js: number; ps: number }[] = [];
    for (let i = 0; i < 24; i++) {
      // the even items held out, the odd ones not (held out is a hash of the id): the held-out set is known, with
      // disagreements in it (i % 4 === 0), whatever ids come
      let runId = newId("run");
      while (isHeldOut(runId, 1) !== (i % 2 === 0)) runId = newId("run");
      const jv = verdicts[i % 3]!;
      // people agree with the judge two times out of three
      const pv = i % 4 === 0 ? verdicts[(i + 1) % 3]! : jv;
      const js = (i % 7) / 7;
      const ps = i % 5 === 0 ? 1 - js : js;
      await db().run.create({
        data: {
          id: runId,
          workspaceId: w.id,
          targetType: "agent",
          input: `q${i}`,
          status: "succeeded",
          output: { text: `answer ${i}` },
          createdByType: "user",
          createdById: w.users.owner.id,
        },
      });
      await db().judgeVerdict.create({
        data: {
          id: newId("jvd"),
          workspaceId: w.id,
          runId,
          stepId: `gate.i1.${slug}`,
          iteration: 1,
          judgeId: j.id,
          judgeSlug: slug,
          judgeVersion: 1,
          scores: {},
          overall: js,
          verdict: jv,
        },
      });
      await owner.labels.save({ runId, verdict: pv, score: ps, note: `note ${i}` });
      pairs.push({ runId, judge: jv, person: pv, js, ps });
    }
    const heldOut = pairs.filter((p) => isHeldOut(p.runId, 1));
    expect(heldOut.length).toBeGreaterThan(4);
    expect(heldOut.length).toBeLessThan(24);

    // below the default minimum of 10 pairs there may be no figures; with 4 there are
    await owner.labels.updateSettings({ minPairs: 4, kappaThreshold: 0.99 });
    const agreement = await owner.labels.agreement({ judge: slug });
    const kappa = cohensKappa(
      heldOut.map((p) => [p.judge, p.person] as const),
      4,
    );
    const rho = spearman(
      heldOut.map((p) => [p.js, p.ps] as const),
      4,
    );
    expect(agreement).toMatchObject({ judgeId: j.id, labelledPairs: 24, heldOutPairs: heldOut.length, threshold: 0.99, minPairs: 4 });
    expect(agreement.overall.kappa).toEqual(kappa);
    expect(agreement.overall.spearman).toEqual(rho);
    expect(agreement.flagged).toBe(kappa.status === "ok" && kappa.value < 0.99);
    expect(agreement.flagged).toBe(true);
    expect(agreement.weeks).toHaveLength(1);
    expect((await owner.labels.updateSettings({ kappaThreshold: -1 })).kappaThreshold).toBe(-1);
    expect((await owner.labels.agreement({ judge: slug })).flagged).toBe(false);

    // the same over REST; the settings change is the admins'
    const key = (await makeApiKey(w, "member")).raw;
    const res = await rest("GET", "/api/v1/judges/{judgeId}/agreement", { key, params: { judgeId: slug } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ heldOutPairs: heldOut.length });
    expect((await rest("PUT", "/api/v1/workspace/calibration", { key, body: { kappaThreshold: 0.5 } })).status).toBe(403);
    expect((await auditRows(w.id, "workspace.calibration.update")).length).toBe(2);

    // few-shot examples: a new judge version, only non-held-out outputs, one of each verdict first
    const picked = await owner.labels.pickExamples({ judge: slug, max: 3 });
    expect(picked.currentVersion).toBe(2);
    const notHeldOut = new Set(pairs.filter((p) => !isHeldOut(p.runId, 1)).map((p) => `answer ${pairs.indexOf(p)}`));
    expect(picked.examples.length).toBe(3);
    for (const e of picked.examples) expect(notHeldOut.has(e.output)).toBe(true);
    expect(new Set(picked.examples.map((e) => e.verdict)).size).toBe(3);
    expect(picked.examples.every((e) => e.rationale.startsWith("note "))).toBe(true);
  });
});
