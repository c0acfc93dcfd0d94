/**
 * Context budgets through the real engine (executor, durable steps, gateway, LLM stub): a team whose outputs outgrow
 * the cheap model's window keeps to that model, each prompt fitted to its budget by the team's strategy.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "@/lib/ids";
import { estimatePromptTokens } from "@/server/models/gateway";
import { invalidateCatalogCache } from "@/server/models/catalog-cache";
import { testDb as db } from "@/test/db";
import { useTopologyEngine } from "@/test/fixtures/topology-engine";
import { usageRows } from "@/test/fixtures/runs";
import { updateAgent } from "@/server/agents/service";

const WINDOW = 1000; // tokens of the cheap model
const MAX_OUTPUT = 128; // the fixture's agents
const SUMMARY_SYSTEM = "You condense other agents' outputs";

const e = useTopologyEngine("context-budget", ["a", "b", "c"]);
const long = (agent: string, chars: number) => `${agent.toUpperCase()}-START ${"word ".repeat(Math.ceil(chars / 5))}`.slice(0, chars);

beforeAll(async () => {
  // the stub's model becomes small and cheap; a big pricier one is there too: a grown prompt would move to it
  const small = await db().model.findFirstOrThrow({ where: { workspaceId: e.rw.ws.id, modelId: "stub-small" } });
  await db().model.update({ where: { id: small.id }, data: { contextWindow: WINDOW, inputPrice: 1, outputPrice: 2 } });
  await db().model.create({
    data: {
      id: newId("mdl"),
      workspaceId: e.rw.ws.id,
      providerId: small.providerId,
      modelId: "stub-big",
      displayName: "stub-big",
      inputPrice: 10,
      outputPrice: 20,
      contextWindow: 128_000,
      capabilities: ["tools", "json"],
      quality: 0.9,
    },
  });
  invalidateCatalogCache(e.rw.ws.id);
});

const sequential = (extra: object = {}) => ({ topology: "sequential", agents: ["a", "b", "c"], context: "all", ...extra });

/** a's and b's answers: each fits the window alone, together they do not */
function scriptLongAnswers() {
  e.say("a", long("a", 2400));
  e.say("b", long("b", 1400));
  e.say("c", "C done");
}

describe("context budgets through the engine", () => {
  it("truncate (the default): every prompt fits the cheap model's window, the model never changes, the cut is recorded", async () => {
    scriptLongAnswers();
    const { run, rows } = await e.run(sequential());
    expect(run.status).toBe("succeeded");
    for (const row of rows) {
      expect(row.modelName, `model of ${row.stepId}`).toBe("stub-small");
      expect(estimatePromptTokens({ system: "", prompt: row.inputSeen ?? "" }) + MAX_OUTPUT, `prompt of ${row.stepId}`).toBeLessThanOrEqual(WINDOW);
    }
    const { blocks } = e.saw(rows, "s2");
    // c saw both outputs, cut fairly: b's is within its half and stays whole, a's gets the rest (beginning kept, cut marked)
    expect(blocks.map((b) => b.from)).toEqual(["a (s0)", "b (s1)"]);
    expect(blocks[1]!.content).toBe(long("b", 1400));
    expect(blocks[0]!.content).toMatch(/^A-START[\s\S]*\n\[… cut \d+ tokens\]$/);
    expect(blocks[0]!.content.length).toBeGreaterThan(1400); // more than half the room: b's unused share went to a
    const c = rows.find((r) => r.stepId === "s2")!;
    expect(c.result).toMatchObject({ context: { strategy: "truncate", itemsIn: 2, itemsKept: 2, itemsCut: 1 } });
    // b's context fitted whole: no note
    expect(rows.find((r) => r.stepId === "s1")!.result).not.toHaveProperty("context");
  });

  it("last_k keeps only the last k outputs", async () => {
    scriptLongAnswers();
    const { run, rows } = await e.run(sequential({ contextBudget: { strategy: "last_k", keep: 1 } }));
    expect(run.status).toBe("succeeded");
    const { blocks } = e.saw(rows, "s2");
    expect(blocks.map((b) => b.from)).toEqual(["b (s1)"]);
    expect(blocks[0]!.content).toBe(long("b", 1400)); // whole: it fits alone
    expect(rows.find((r) => r.stepId === "s2")!.result).toMatchObject({ context: { strategy: "last_k", itemsIn: 2, itemsKept: 1, itemsCut: 0 } });
    expect(rows.every((r) => r.modelName === "stub-small")).toBe(true);
  });

  it("summarize: the older outputs become one summary step, costed on the run; the latest is kept whole", async () => {
    scriptLongAnswers();
    e.stub.reply({ when: SUMMARY_SYSTEM, content: "SUMMARY: a wrote about durable tests." });
    const { run, rows } = await e.run(sequential({ contextBudget: { strategy: "summarize" } }));
    expect(run.status).toBe("succeeded");
    const summary = rows.find((r) => r.stepId === "s2~summary");
    expect(summary).toMatchObject({ kind: "summary", nodeId: "s2", modelName: "stub-small", output: "SUMMARY: a wrote about durable tests." });
    // the summariser saw a's output; c saw the summary and b's output whole
    expect(summary!.inputSeen).toContain("A-START");
    const { blocks } = e.saw(rows, "s2");
    expect(blocks.map((b) => b.from)).toEqual(["summary of a (s0)", "b (s1)"]);
    expect(blocks[0]!.content).toBe("SUMMARY: a wrote about durable tests.");
    expect(blocks[1]!.content).toBe(long("b", 1400));
    expect(rows.find((r) => r.stepId === "s2")!.result).toMatchObject({ context: { strategy: "summarize", itemsIn: 2, itemsKept: 2, summarised: 1 } });
    // the summary is paid for and counted like any step
    expect(await usageRows(run.id, "s2~summary")).toHaveLength(1);
    expect(Number(summary!.costUsd)).toBeGreaterThan(0);
    const totals = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(totals.stepsDone).toBe(4);
    expect(Number(totals.costUsd)).toBeCloseTo(
      rows.reduce((n, r) => n + Number(r.costUsd), 0),
      9,
    );
  });

  it("summarize: a run resumed after a crash reuses the stored summary", async () => {
    scriptLongAnswers();
    e.stub.reply({ when: SUMMARY_SYSTEM, content: "SUMMARY once" });
    const resumed = await e.crashAndResume(sequential({ contextBudget: { strategy: "summarize" } }), "s2~summary");
    expect(resumed.status).toBe("succeeded");
    expect(resumed.storedBeforeResume).toContain("s2~summary");
    // only c was asked after the crash, and it saw the stored summary
    expect(resumed.resumed).toHaveLength(1);
    expect(JSON.stringify(resumed.resumed[0]!.body)).toContain("SUMMARY once");
  });

  it("an agent's own option beats the team's", async () => {
    await updateAgent(e.rw.ctx, "c", { contextBudget: { strategy: "last_k", keep: 1 } });
    try {
      scriptLongAnswers();
      const { run, rows } = await e.run(sequential({ contextBudget: { strategy: "truncate" } }));
      expect(run.status).toBe("succeeded");
      expect(e.saw(rows, "s2").blocks.map((b) => b.from)).toEqual(["b (s1)"]);
      expect(rows.find((r) => r.stepId === "s2")!.result).toMatchObject({ context: { strategy: "last_k" } });
    } finally {
      await updateAgent(e.rw.ctx, "c", { contextBudget: null });
    }
  });

  it("a hybrid team's arrangement carries the option to its agents", async () => {
    scriptLongAnswers();
    const { run, rows } = await e.run({ topology: "hybrid", arrangement: sequential({ contextBudget: { strategy: "last_k", keep: 1 } }) });
    expect(run.status).toBe("succeeded");
    expect(e.saw(rows, "s2").blocks.map((b) => b.from)).toEqual(["b (s1)"]);
  });
});
