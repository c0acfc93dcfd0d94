/**
 * Delegation that sees who it delegates to (issue 10 §3), through the real executor and gateway against the LLM
 * stub (which records every request): the manager plans with its workers' role descriptions and synthesises with its
 * plan, the star hub keeps its messages across rounds, a checker its objections, a brief reaches its node only, and
 * a team's output schema fails a non-matching final answer OUTPUT_INVALID (and lets a matching one through).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { settleObservations } from "@/server/models/gateway";
import { getRun, startRun } from "@/server/runs/service";
import { createTeam } from "@/server/teams/service";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { uniq } from "@/test/helpers";
import { addAgent, addTeam, eventRows, makeRunWorkspace, useStubProvider, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { startExecutor, type Executor } from "./executor";

let stub: LlmStub;
let rw: RunWorkspace;
const executors: Executor[] = [];

beforeAll(async () => {
  stub = await startLlmStub();
  rw = await makeRunWorkspace("delegation");
  await useStubProvider(rw.ws.id, stub.url);
  for (const slug of ["boss", "researcher", "writer", "critic"])
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

/** the JSON bodies of the requests that contain `phrase` */
const bodiesWith = (phrase: string) => stub.calls.map((c) => JSON.stringify(c.body)).filter((b) => b.includes(phrase));

async function runTeam(spec: unknown, input = "Write a note about tests.") {
  const slug = `t-${uniq()}`;
  await addTeam(rw.ctx, slug, spec);
  const run = await startRun(rw.ctx, { team: slug, input });
  executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30 }));
  await waitForRun(run.id);
  return { run: await getRun(rw.ctx, run.id), events: await eventRows(run.id) };
}

describe("delegation through the engine", () => {
  it("the manager plans with roles, synthesises with its plan; a brief reaches its node only", async () => {
    const plan = {
      subtasks: [
        { id: "facts", assignee: "researcher", task: "Collect three facts.", dependsOn: [] },
        { id: "prose", assignee: "writer", task: "Write the note from the facts.", dependsOn: ["facts"] },
      ],
    };
    stub.reply({ when: "You are the manager", content: JSON.stringify(plan) });
    const { run } = await runTeam({
      topology: "hierarchical",
      manager: "boss",
      workers: ["researcher", "writer"],
      briefs: { w1: { task: "Only the prose, BRIEF-W1.", expectedOutput: "Two short paragraphs." } },
    });
    expect(run.status).toBe("succeeded");
    expect(run.steps.map((s) => s.stepId).sort()).toEqual(["manager.plan", "manager.synth", "sub0", "sub1"]);

    const [planning] = bodiesWith("You are the manager");
    expect(planning).toContain("- researcher (researcher: The researcher.)");
    expect(planning).toContain("- writer (writer: The writer.)");

    const [synth] = bodiesWith("Your plan was:");
    expect(synth).toContain('- subtask \\"facts\\", done by researcher (w0): Collect three facts.');
    expect(synth).toContain('- subtask \\"prose\\", done by writer (w1) (after \\"facts\\"): Write the note from the facts.');
    const prose = run.steps.find((s) => s.stepId === "sub1")!.output!;
    expect(synth).toContain(`<context from=\\"writer (w1), subtask 'prose'\\">`);
    expect(synth).toContain(JSON.stringify(prose).slice(1, 30));

    const briefed = bodiesWith("BRIEF-W1");
    expect(briefed).toHaveLength(1);
    expect(briefed[0]).toContain("Your part: Only the prose, BRIEF-W1.\\nExpected output: Two short paragraphs.");
    expect(run.steps.find((s) => s.stepId === "sub1")!.inputSeen).toContain("BRIEF-W1");
  });

  it("the star hub's round-2 prompt holds its round-1 message", async () => {
    stub.reply({ when: "Round 1 of at most 2", content: JSON.stringify({ done: false, answer: null, messages: { spoke0: "HUB-MSG-1: list the risks." } }) });
    stub.reply({ when: "Round 2 of at most 2", content: JSON.stringify({ done: true, answer: "Done.", messages: null }) });
    const { run } = await runTeam({ topology: "star", hub: "boss", spokes: ["researcher"], rounds: 2 });
    expect(run.status).toBe("succeeded");
    const [second] = bodiesWith("Round 2 of at most 2");
    expect(second).toContain('<context from=\\"your own messages, round 1 (hub)\\">\\nto spoke0: HUB-MSG-1: list the risks.');
    expect(second).toContain('<context from=\\"researcher (spoke0), round 1\\">');
  });

  it("a checker's iteration-2 prompt holds its iteration-1 objection", async () => {
    stub.reply({ when: "iteration 1 of at most 2", content: JSON.stringify({ verdict: "revise", reasons: ["OBJECTION-1: cite a source."] }) });
    stub.reply({ when: "iteration 2 of at most 2", content: JSON.stringify({ verdict: "approve", reasons: [] }) });
    const { run } = await runTeam({ topology: "maker_checker", maker: "writer", checkers: ["critic"], maxIterations: 2 });
    expect(run.status).toBe("succeeded");
    const [second] = bodiesWith("iteration 2 of at most 2");
    expect(second).toContain('<context from=\\"your own review, iteration 1 (critic (checker0))\\">\\nrevise\\n- OBJECTION-1: cite a source.');
  });

  const outputSchema = { type: "object", properties: { title: { type: "string" } }, required: ["title"] };

  it("an answer violating the team's output schema fails the run OUTPUT_INVALID, keeping the output and the steps", async () => {
    stub.reply({ when: "Your answer is the team's final answer", content: '{"title": 42}' });
    const { run, events } = await runTeam({ topology: "sequential", agents: ["writer"], outputSchema });
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/^The final answer does not match the team's output schema: title: /);
    expect(run.output).toBe('{"title": 42}');
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([["s0", "succeeded"]]);
    expect(events.at(-1)).toMatchObject({ type: "run.failed", data: { code: "OUTPUT_INVALID", error: run.error } });
  });

  it("a matching answer (fenced, in prose) succeeds with the JSON as output", async () => {
    stub.reply({ when: "Your answer is the team's final answer", content: 'Sure:\n```json\n{"title": "Tests"}\n```' });
    const { run } = await runTeam({ topology: "sequential", agents: ["writer"], outputSchema });
    expect(run.status).toBe("succeeded");
    expect(JSON.parse(run.output!)).toEqual({ title: "Tests" });
  });

  it("an unknown brief node id is refused at save, with its path", async () => {
    const saved = createTeam(rw.ctx, { slug: `t-${uniq()}`, name: "x", spec: { topology: "sequential", agents: ["writer"], briefs: { s3: { task: "x" } } } });
    await expect(saved).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    const error = (await saved.catch((e: unknown) => e)) as { details?: unknown; message: string };
    expect(JSON.stringify(error.details ?? error.message)).toContain("briefs.s3");
  });
});
