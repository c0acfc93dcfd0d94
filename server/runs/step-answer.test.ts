/**
 * What a step's model answer was, in the API (the real executor and gateway against the LLM stub): a step's
 * `finishReason`, `finishReasons` when a cut answer was retried with more room, and `answerProblem`, from tRPC
 * runs.get / runs.steps / runs.step and REST GET /api/v1/runs/{runId}, its steps and one step; OpenAPI documents them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { startRun } from "@/server/runs/service";
import { openApiDocument } from "@/server/rest/openapi";
import { callerFor, makeApiKey, rest } from "@/test/helpers";
import { waitForRun } from "@/test/fixtures/runs";
import { useStubRunSuite } from "@/test/fixtures/stub-run-suite";

const suite = useStubRunSuite("step-answer", ["solo"]);
let key: string;
beforeAll(async () => {
  key = (await makeApiKey(suite.rw.ws, "viewer")).raw;
});

async function soloRun(input: string) {
  const run = await startRun(suite.rw.ctx, { agent: "solo", input });
  suite.startExecutor();
  expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
  return run.id;
}

/** The step `agent` of a run as every read of the API returns it. */
async function everyRead(runId: string) {
  const viewer = callerFor(suite.rw.ws.users.viewer, suite.rw.ws.slug);
  const params = { runId, stepId: "agent" };
  return [
    (await viewer.runs.get({ runId })).steps[0],
    (await viewer.runs.steps({ runId })).items[0],
    await viewer.runs.step(params),
    (await rest("GET", "/api/v1/runs/{runId}", { key, params: { runId } })).body.steps[0],
    (await rest("GET", "/api/v1/runs/{runId}/steps", { key, params: { runId } })).body.data[0],
    (await rest("GET", "/api/v1/runs/{runId}/steps/{stepId}", { key, params })).body,
  ];
}

describe("a step's answer in the API", () => {
  it("a cut answer retried with more room: finishReason stop, finishReasons [length, stop], in tRPC and REST", async () => {
    suite.stub.fail({ content: "The beginning of", finishReason: "length" });
    const runId = await soloRun("Say a lot.");
    const reads = await everyRead(runId);
    expect(reads).toHaveLength(6);
    for (const step of reads) expect(step).toMatchObject({ stepId: "agent", finishReason: "stop", finishReasons: ["length", "stop"], answerProblem: null });
  });

  it("one call: finishReason alone; an answer problem as recorded; a result without them reads null", async () => {
    const runId = await soloRun("Hello.");
    for (const step of await everyRead(runId)) expect(step).toMatchObject({ finishReason: "stop", finishReasons: null, answerProblem: null });

    const problem = { code: "ANSWER_SCHEMA_MISMATCH", problems: ["verdict: Invalid option"] };
    await db().runStep.updateMany({ where: { runId, stepId: "agent" }, data: { result: { text: "x", finishReason: "stop", answerProblem: problem } } });
    for (const step of await everyRead(runId)) expect(step).toMatchObject({ finishReason: "stop", finishReasons: null, answerProblem: problem });

    // a step from before finish reasons were recorded, or a stored value of another shape
    await db().runStep.updateMany({ where: { runId, stepId: "agent" }, data: { result: { text: "x", finishReasons: "length", answerProblem: { code: 1 } } } });
    for (const step of await everyRead(runId)) expect(step).toMatchObject({ finishReason: null, finishReasons: null, answerProblem: null });
  });

  it("OpenAPI documents them on RunStep", () => {
    const schemas = openApiDocument().components?.schemas as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(schemas.RunStep!.properties!)).toEqual(expect.arrayContaining(["finishReason", "finishReasons", "answerProblem"]));
    expect(JSON.stringify(schemas.AnswerProblem)).toContain("ANSWER_TRUNCATED");
  });
});
