/**
 * The planning topologies through the real engine (executor, durable steps, gateway against the LLM stub, whose
 * scripted replies play the managers' plans): hierarchical and forest. What each worker saw (its subtask, the results
 * it depends on, attributed), the synthesis seeing every result, the step rows (plan steps of kind "plan"), and a
 * replay after a crash mid-run that takes the stored plan instead of asking the manager again.
 */
import { describe, expect, it } from "vitest";
import { INPUT, fromOf, outputOf, stepIds, useTopologyEngine } from "@/test/fixtures/topology-engine";

const e = useTopologyEngine("topo-plans", ["boss", "res", "wri", "mg1", "mg2", "wk1", "wk2", "agg"]);

const plan = (...subtasks: { id: string; assignee: string; task: string; dependsOn?: string[] }[]) => ({
  subtasks: subtasks.map((s) => ({ dependsOn: [], ...s })),
});

/** The boss plans research then writing (which depends on it), then synthesises. */
function scriptHierarchy() {
  e.say(
    "boss",
    plan(
      { id: "facts", assignee: "res", task: "Collect three facts about flaky tests." },
      { id: "note", assignee: "wri", task: "Write the note.", dependsOn: ["facts"] },
    ),
    "BOSS-SYNTHESIS",
  );
  e.say("res", "RES-FACTS");
  e.say("wri", "WRI-NOTE");
}

const HIERARCHY = { topology: "hierarchical", manager: "boss", workers: ["res", "wri"] };

describe("hierarchical", () => {
  it("the manager's plan drives the workers: each sees its subtask and the results it depends on; the synthesis sees every result", async () => {
    scriptHierarchy();
    const { run, rows } = await e.run(HIERARCHY);
    expect(run).toMatchObject({ status: "succeeded", output: "BOSS-SYNTHESIS", stepsDone: 4, outcome: { topology: "hierarchical", met: true } });
    expect(rows.map((r) => [r.stepId, r.kind, r.nodeId])).toEqual([
      ["manager.plan", "plan", "manager"],
      ["sub0", "agent", "w0"],
      ["sub1", "agent", "w1"],
      ["manager.synth", "agent", "manager"],
    ]);
    // the plan is stored as the plan step's structured result
    expect(rows[0]!.result).toMatchObject({
      object: {
        subtasks: [
          { id: "facts", assignee: "res" },
          { id: "note", assignee: "wri" },
        ],
      },
    });

    const planner = e.saw(rows, "manager.plan").prompt;
    expect(planner).toContain(INPUT);
    for (const w of ["res", "wri"]) expect(planner).toContain(w);

    const research = e.saw(rows, "sub0");
    expect(research.prompt).toContain("Collect three facts about flaky tests.");
    expect(research.prompt).toContain(INPUT);
    expect(research.blocks).toEqual([]);
    const writing = e.saw(rows, "sub1");
    expect(writing.prompt).toContain("Write the note.");
    expect(fromOf(writing.prompt, "RES-FACTS")).toMatch(/res \(w0\)/);

    const synth = e.saw(rows, "manager.synth").prompt;
    expect(fromOf(synth, "RES-FACTS")).toMatch(/res \(w0\)/);
    expect(fromOf(synth, "WRI-NOTE")).toMatch(/wri \(w1\)/);
    expect(e.requestsOf("boss")).toHaveLength(2);
  });

  it("a replay after a crash mid-run reuses the stored plan and results: no second request for them, the same output", async () => {
    scriptHierarchy();
    const { runId, storedBeforeResume, resumed, status, rows } = await e.crashAndResume(HIERARCHY, "sub0");
    expect(storedBeforeResume.sort()).toEqual(["manager.plan", "sub0"]);
    expect(status).toBe("succeeded");
    // the resumed execution asked only for the two steps not stored: the writer's subtask and the synthesis
    expect(resumed).toHaveLength(2);
    expect(e.requestsOf("boss")).toHaveLength(2); // one plan, one synthesis
    expect(e.requestsOf("res")).toHaveLength(1);
    expect(stepIds(rows)).toEqual(["manager.plan", "sub0", "sub1", "manager.synth"]);
    expect(rows.every((r) => r.status === "succeeded" && r.attempts === 1)).toBe(true);
    // the resumed writer saw the stored research result
    expect(fromOf(e.saw(rows, "sub1").prompt, "RES-FACTS")).toMatch(/res \(w0\)/);
    expect(await e.apiOutcome(runId)).toEqual({ topology: "hierarchical", met: true });
    expect(outputOf(rows, "manager.synth")).toBe("BOSS-SYNTHESIS");
  });

  it("depth 2: a worker splits its subtask; the smaller subtasks run under its step id and its synthesis is its result", async () => {
    e.say("boss", plan({ id: "all", assignee: "res", task: "Research everything." }), "BOSS-DONE");
    e.say("res", plan({ id: "a", assignee: "wri", task: "Part A." }, { id: "b", assignee: "wri", task: "Part B." }), "RES-COMBINED");
    e.say("wri", "PART-A", "PART-B");
    const { run, rows } = await e.run({ ...HIERARCHY, depth: 2 });
    expect(run).toMatchObject({ status: "succeeded", output: "BOSS-DONE", stepsDone: 6 });
    expect(stepIds(rows).sort()).toEqual(["manager.plan", "manager.synth", "sub0.plan", "sub0.sub0", "sub0.sub1", "sub0.synth"]);
    expect(rows.find((r) => r.stepId === "sub0.plan")).toMatchObject({ nodeId: "w0" });
    const combined = e.saw(rows, "sub0.synth").prompt;
    expect(combined).toContain(outputOf(rows, "sub0.sub0"));
    expect(combined).toContain(outputOf(rows, "sub0.sub1"));
    expect(fromOf(e.saw(rows, "manager.synth").prompt, "RES-COMBINED")).toMatch(/res \(w0\)/);
  });
});

describe("forest", () => {
  it("every tree plans and synthesises under its prefix; the aggregator sees each tree's synthesis under its manager", async () => {
    e.say("mg1", plan({ id: "x", assignee: "wk1", task: "Tree one work." }), "TREE1-SYNTH");
    e.say("mg2", plan({ id: "y", assignee: "wk2", task: "Tree two work." }), "TREE2-SYNTH");
    e.say("wk1", "WK1-OUT");
    e.say("wk2", "WK2-OUT");
    e.say("agg", "FOREST-MERGED");
    const { run, rows } = await e.run({
      topology: "forest",
      trees: [
        { manager: "mg1", workers: ["wk1"] },
        { manager: "mg2", workers: ["wk2"] },
      ],
      aggregator: "agg",
    });
    expect(run).toMatchObject({ status: "succeeded", output: "FOREST-MERGED", stepsDone: 7, outcome: { topology: "forest", met: true } });
    expect(Object.fromEntries(rows.map((r) => [r.stepId, [r.kind, r.nodeId]]))).toEqual({
      "t0.manager.plan": ["plan", "t0.manager"],
      "t0.sub0": ["agent", "t0.w0"],
      "t0.manager.synth": ["agent", "t0.manager"],
      "t1.manager.plan": ["plan", "t1.manager"],
      "t1.sub0": ["agent", "t1.w0"],
      "t1.manager.synth": ["agent", "t1.manager"],
      agg: ["aggregate", "agg"],
    });
    expect(e.saw(rows, "t0.sub0").prompt).toContain("Tree one work.");
    expect(e.saw(rows, "t1.sub0").prompt).not.toContain("Tree one work.");
    expect(fromOf(e.saw(rows, "t0.manager.synth").prompt, "WK1-OUT")).toMatch(/wk1 \(t0\.w0\)/);
    expect(e.saw(rows, "t0.manager.synth").prompt).not.toContain("WK2-OUT");
    const agg = e.saw(rows, "agg").prompt;
    expect(fromOf(agg, "TREE1-SYNTH")).toMatch(/mg1 \(t0\.manager\)/);
    expect(fromOf(agg, "TREE2-SYNTH")).toMatch(/mg2 \(t1\.manager\)/);
  });
});
