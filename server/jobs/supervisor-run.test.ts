/**
 * A supervisor team through the real executor and gateway against the LLM stub (whose scripted replies play the
 * supervisor): it sees its workers' names and role descriptions, then the worker's result as untrusted context,
 * routes to the worker it picked, and its answer is the run's output with a finished outcome.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { settleObservations } from "@/server/models/gateway";
import { getRun, startRun } from "@/server/runs/service";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { uniq } from "@/test/helpers";
import { addAgent, addTeam, makeRunWorkspace, useStubProvider, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { startExecutor, type Executor } from "./executor";

let stub: LlmStub;
let rw: RunWorkspace;
const executors: Executor[] = [];

beforeAll(async () => {
  stub = await startLlmStub();
  rw = await makeRunWorkspace("supervisor");
  await useStubProvider(rw.ws.id, stub.url);
  for (const slug of ["boss", "researcher", "writer"])
    await addAgent(rw.ctx, slug, { maxOutputTokens: 64, modelPolicy: { type: "preset", preset: "balanced" } });
});
beforeEach(() => stub.reset());
afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.stop()));
});
afterAll(async () => {
  await settleObservations();
  await stub.close();
});

const bodyOf = (phrase: string) => stub.calls.map((c) => JSON.stringify(c.body)).filter((b) => b.includes(phrase));

describe("supervisor team run", () => {
  it("routes to the picked worker, sees its result, finishes with its answer", async () => {
    stub.reply({
      when: "Turn 1 of at most 3",
      content: JSON.stringify({ finish: false, next: ["writer"], message: "Draft the haiku.", reason: "a writer writes", answer: null }),
    });
    stub.reply({ when: "Turn 2 of at most 3", content: JSON.stringify({ finish: true, next: [], message: null, reason: "good", answer: "The final haiku." }) });
    const slug = `t-${uniq()}`;
    await addTeam(rw.ctx, slug, { topology: "supervisor", supervisor: "boss", workers: ["researcher", "writer"], maxTurns: 3 });
    const started = await startRun(rw.ctx, { team: slug, input: "Write a haiku about tests." });
    executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30 }));
    await waitForRun(started.id);
    const run = await getRun(rw.ctx, started.id);

    expect(run.status).toBe("succeeded");
    expect(run.output).toBe("The final haiku.");
    expect(run.outcome).toEqual({ topology: "supervisor", met: true, finished: true, turns: 2, maxTurns: 3 });
    expect(run.steps.map((s) => s.stepId)).toEqual(["t1.supervisor", "t1.w1", "t2.supervisor"]);
    expect(run.steps.find((s) => s.stepId === "t1.w1")).toMatchObject({ nodeId: "w1", status: "succeeded" });

    // turn 1: the workers with their role descriptions, no result yet
    const [first] = bodyOf("Turn 1 of at most 3");
    expect(first).toContain("- researcher (researcher: The researcher.)");
    expect(first).toContain("- writer (writer: The writer.)");
    expect(first).not.toContain("context from=");
    // the worker got the supervisor's message
    const workerOutput = run.steps.find((s) => s.stepId === "t1.w1")!.output!;
    expect(bodyOf("Message from the supervisor: Draft the haiku.").filter((b) => !b.includes("You supervise"))).toHaveLength(1);
    // turn 2: the worker's result, attributed, inside an untrusted block
    const [second] = bodyOf("Turn 2 of at most 3");
    expect(second).toContain('<context from=\\"writer (w1), turn 1\\">');
    expect(second).toContain(JSON.stringify(workerOutput).slice(1, 40));
  });
});
