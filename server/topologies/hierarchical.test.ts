/**
 * hierarchical and forest: plans, validation with one retry, dependencies, concurrency, depth, synthesis.
 */
import { describe, expect, it } from "vitest";
import { topologySpecSchema } from "@/lib/schemas/topology";
import { FakeRuntime, type Script } from "./fake-runtime";
import { checkPlan } from "./hierarchical";
import { runTopology, TopologyError } from "./index";

const spec = (s: unknown) => topologySpecSchema.parse(s);
const sub = (id: string, assignee: string, task: string, dependsOn: string[] = []) => ({ id, assignee, task, dependsOn });

/** a manager that answers the given plans (by step id) and synthesises in text */
const manager =
  (plans: Record<string, unknown>): Script =>
  (call) =>
    call.output ? { object: plans[call.stepId] ?? { subtasks: [] } } : `synthesis@${call.stepId}`;

describe("hierarchical", () => {
  const h = spec({ topology: "hierarchical", manager: "boss", workers: ["res", "wri"], maxSubtasks: 4 });

  it("runs independent subtasks in parallel, dependent ones after, with their dependencies' outputs; the manager synthesises", async () => {
    const rt = new FakeRuntime({
      delay: 15,
      script: {
        boss: manager({ "manager.plan": { subtasks: [sub("a", "res", "find A"), sub("b", "res", "find B"), sub("c", "wri", "write", ["a", "b"])] } }),
      },
    });
    const result = await runTopology(rt, h, "T");
    expect(rt.stepIds().sort()).toEqual(["manager.plan", "manager.synth", "sub0", "sub1", "sub2"]);
    const plan = rt.call("manager.plan");
    expect(plan.nodeId).toBe("manager");
    expect(plan.output?.schema).toBeDefined();
    expect(plan.task).toContain("res, wri");
    // assignees: node ids of the workers
    expect([rt.call("sub0").nodeId, rt.call("sub1").nodeId, rt.call("sub2").nodeId]).toEqual(["w0", "w0", "w1"]);
    expect(rt.call("sub0").agent).toBe("res");
    expect(rt.call("sub2").agent).toBe("wri");
    expect(rt.overlap("sub0", "sub1")).toBe(true);
    expect(rt.before("sub0", "sub2") && rt.before("sub1", "sub2")).toBe(true);
    expect(rt.call("sub0").task).toContain("find A");
    expect(rt.call("sub0").task).toContain("T");
    expect(rt.call("sub0").context).toEqual([]);
    expect(rt.call("sub2").context).toEqual([
      { from: 'res (w0), subtask "a"', output: "res@sub0" },
      { from: 'res (w0), subtask "b"', output: "res@sub1" },
    ]);
    expect(rt.saw("manager.synth")).toEqual(['res (w0), subtask "a"', 'res (w0), subtask "b"', 'wri (w1), subtask "c"']);
    expect(rt.before("sub2", "manager.synth")).toBe(true);
    expect(result.output).toBe("synthesis@manager.synth");
    expect(rt.expected).toBe(5);
  });

  it("an empty plan gives the whole task to the first worker", async () => {
    const rt = new FakeRuntime({ script: { boss: manager({}) } });
    const result = await runTopology(rt, h, "T");
    expect(rt.stepIds()).toEqual(["manager.plan", "sub0", "manager.synth"]);
    expect(rt.call("sub0").agent).toBe("res");
    expect(rt.call("sub0").task).toContain("T");
    expect(result.output).toBe("synthesis@manager.synth");
  });

  it("workers sharing a name take that name's subtasks in turn", async () => {
    const rt = new FakeRuntime({
      script: { boss: manager({ "manager.plan": { subtasks: [sub("1", "x", "a"), sub("2", "x", "b"), sub("3", "x", "c")] } }) },
    });
    await runTopology(rt, spec({ topology: "hierarchical", manager: "boss", workers: ["x", "x"] }), "T");
    expect(["sub0", "sub1", "sub2"].map((s) => rt.call(s).nodeId)).toEqual(["w0", "w1", "w0"]);
  });

  it.each([
    ["an unknown assignee", { subtasks: [sub("a", "ghost", "x")] }, 'unknown assignee "ghost"'],
    ["too many subtasks", { subtasks: ["1", "2", "3", "4", "5"].map((i) => sub(i, "res", "x")) }, "too many subtasks: 5 (at most 4)"],
    ["a dependency cycle", { subtasks: [sub("a", "res", "x", ["b"]), sub("b", "wri", "y", ["a"])] }, "dependency cycle: a -> b -> a"],
    ["a self-dependency", { subtasks: [sub("a", "res", "x", ["a"])] }, 'subtask "a" depends on itself'],
    ["duplicate ids", { subtasks: [sub("a", "res", "x"), sub("a", "wri", "y")] }, 'duplicate subtask id "a"'],
    ["no subtasks array", { steps: [] }, "subtasks"],
  ])("refuses %s, asks once more with the problem, and goes on with a corrected plan", async (_name, bad, problem) => {
    const rt = new FakeRuntime({
      script: { boss: manager({ "manager.plan": bad, "manager.plan.retry": { subtasks: [sub("ok", "wri", "fixed")] } }) },
    });
    const result = await runTopology(rt, h, "T");
    expect(rt.stepIds()).toEqual(["manager.plan", "manager.plan.retry", "sub0", "manager.synth"]);
    const retry = rt.call("manager.plan.retry");
    expect(retry.task).toContain("Your previous plan was refused");
    expect(retry.task).toContain(problem);
    expect(retry.context).toEqual([{ from: "your refused plan", output: JSON.stringify(bad) }]);
    expect(rt.call("sub0").agent).toBe("wri");
    expect(result.output).toBe("synthesis@manager.synth");
    expect(rt.expected).toBe(4); // plan + synth, retry, one subtask
  });

  it("fails with a TopologyError naming the retry step when the plan is refused twice", async () => {
    const bad = { subtasks: [sub("a", "ghost", "x"), sub("b", "res", "y", ["b"])] };
    const rt = new FakeRuntime({ script: { boss: manager({ "manager.plan": bad, "manager.plan.retry": bad }) } });
    const error = await runTopology(rt, h, "T").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as TopologyError).stepId).toBe("manager.plan.retry");
    expect((error as TopologyError).nodeId).toBe("manager");
    expect((error as TopologyError).message).toContain('unknown assignee "ghost"');
    expect((error as TopologyError).problems).toHaveLength(2);
    expect(rt.stepIds()).toEqual(["manager.plan", "manager.plan.retry"]);
  });

  it("checkPlan ignores unknown dependency ids and fills missing ids", () => {
    const check = checkPlan(
      {
        subtasks: [
          { assignee: "res", task: "x", dependsOn: ["nope"] },
          { id: "b", assignee: "res", task: "y", dependsOn: ["1"] },
        ],
      },
      ["res"],
      4,
    );
    expect(check).toEqual({ ok: true, subtasks: [sub("1", "res", "x"), sub("b", "res", "y", ["1"])] });
  });

  it("with depth 2, a worker splits its subtask (same worker pool) and synthesises it; others do theirs directly", async () => {
    const rt = new FakeRuntime({
      delay: 10,
      script: {
        boss: manager({ "manager.plan": { subtasks: [sub("small", "wri", "small part"), sub("big", "res", "big part", ["small"])] } }),
        res: (call) =>
          call.output
            ? { object: { subtasks: call.stepId === "sub1.plan" ? [sub("p", "wri", "piece 1"), sub("q", "wri", "piece 2", ["p"])] : [] } }
            : undefined,
        wri: (call) => (call.output ? { object: { subtasks: [] } } : undefined),
      },
    });
    const result = await runTopology(rt, spec({ topology: "hierarchical", manager: "boss", workers: ["res", "wri"], depth: 2, maxSubtasks: 4 }), "T");
    expect(rt.stepIds().sort()).toEqual(["manager.plan", "manager.synth", "sub0", "sub0.plan", "sub1.plan", "sub1.sub0", "sub1.sub1", "sub1.synth"]);
    const small = { from: 'wri (w1), subtask "small"', output: "wri@sub0" };
    expect(rt.call("sub1.plan").nodeId).toBe("w0");
    expect(rt.call("sub1.plan").task).toContain("big part");
    expect(rt.call("sub1.plan").context).toEqual([small]);
    expect(rt.call("sub1.sub0").nodeId).toBe("w1");
    // nested subtasks see what their parent saw, plus their own dependencies
    expect(rt.call("sub1.sub0").context).toEqual([small]);
    expect(rt.call("sub1.sub1").context).toEqual([small, { from: 'wri (w1), subtask "p"', output: "wri@sub1.sub0" }]);
    expect(rt.saw("sub1.synth")).toEqual(['wri (w1), subtask "p"', 'wri (w1), subtask "q"']);
    expect(rt.call("sub1.synth").agent).toBe("res");
    expect(rt.call("manager.synth").context).toEqual([small, { from: 'res (w0), subtask "big"', output: "res@sub1.synth" }]);
    expect(result.output).toBe("synthesis@manager.synth");
    expect(rt.expected).toBe(rt.calls.length);
  });

  it("depth stays bounded: nested plans get floor(limit / siblings) subtasks at most, and no split below 2", async () => {
    // every planner always asks for as many subtasks as it may
    const greedy: Script = (call) => {
      if (!call.output) return undefined;
      const limit = Number(/at most (\d+) subtasks/i.exec(call.task)?.[1] ?? 1);
      return { object: { subtasks: Array.from({ length: limit }, (_, i) => sub(`s${i}`, "w", "x")) } };
    };
    const rt = new FakeRuntime({ delay: 1, script: greedy });
    await runTopology(rt, spec({ topology: "hierarchical", manager: "m", workers: ["w"], depth: 3, maxSubtasks: 4 }), "T");
    // 4 top subtasks -> limit 1 each -> no nested planning at all
    expect(rt.stepIds().filter((s) => s.endsWith(".plan"))).toEqual(["manager.plan"]);
    expect(rt.calls).toHaveLength(6);

    const rt2 = new FakeRuntime({
      delay: 1,
      script: (call, nth) => {
        if (!call.output) return undefined;
        if (call.stepId === "manager.plan") return { object: { subtasks: [sub("a", "w", "x"), sub("b", "w", "y")] } };
        return greedy(call, nth);
      },
    });
    await runTopology(rt2, spec({ topology: "hierarchical", manager: "m", workers: ["w"], depth: 3, maxSubtasks: 8 }), "T");
    // 2 top subtasks -> limit 4 each -> 4 nested each -> limit 1 -> leaves
    const leaves = rt2.stepIds().filter((s) => /sub\d+$/.test(s));
    expect(leaves).toHaveLength(8);
    expect(rt2.expected).toBe(rt2.calls.length);
  });

  it("a manager that is a nested team (hybrid) plans in JSON text; prose means the empty plan", async () => {
    const plan = JSON.stringify({ subtasks: [sub("a", "res", "x"), sub("b", "wri", "y")] });
    const rt = new FakeRuntime({ team: (_t, task) => (task.includes("split this task") ? `Here it is: ${plan}` : "team synthesis") });
    const result = await runTopology(
      rt,
      spec({ topology: "hybrid", arrangement: { topology: "hierarchical", manager: { team: "leads" }, workers: ["res", "wri"] } }),
      "T",
    );
    expect(rt.teams.map((t) => [t.nodeId, t.prefix])).toEqual([
      ["manager", "manager.plan/"],
      ["manager", "manager.synth/"],
    ]);
    expect(rt.teams[0]!.task).toContain("JSON schema");
    expect(rt.stepIds().sort()).toEqual(["sub0", "sub1"]);
    expect(result.output).toBe("team synthesis");
    expect(rt.expected).toBe(2);

    const prose = new FakeRuntime({ team: () => "no idea" });
    await runTopology(prose, spec({ topology: "hybrid", arrangement: { topology: "hierarchical", manager: { team: "leads" }, workers: ["res", "wri"] } }), "T");
    expect(prose.stepIds()).toEqual(["sub0"]);
    expect(prose.call("sub0").agent).toBe("res");
  });
});

describe("forest", () => {
  it("runs the trees in parallel with prefixed ids; the aggregator merges the roots' syntheses", async () => {
    const rt = new FakeRuntime({
      delay: 15,
      script: {
        m1: manager({ "t0.manager.plan": { subtasks: [sub("a", "x", "A"), sub("b", "y", "B")] } }),
        m2: manager({ "t1.manager.plan": { subtasks: [sub("c", "z", "C")] } }),
      },
    });
    const result = await runTopology(
      rt,
      spec({
        topology: "forest",
        trees: [
          { manager: "m1", workers: ["x", "y"] },
          { manager: "m2", workers: ["z"] },
        ],
        aggregator: "agg",
      }),
      "T",
    );
    expect(rt.stepIds().sort()).toEqual(["agg", "t0.manager.plan", "t0.manager.synth", "t0.sub0", "t0.sub1", "t1.manager.plan", "t1.manager.synth", "t1.sub0"]);
    expect(rt.call("t0.manager.plan").nodeId).toBe("t0.manager");
    expect(rt.call("t0.sub1").nodeId).toBe("t0.w1");
    expect(rt.call("t1.sub0").nodeId).toBe("t1.w0");
    expect(rt.overlap("t0.manager.plan", "t1.manager.plan")).toBe(true);
    expect(rt.overlap("t0.sub0", "t0.sub1")).toBe(true);
    expect(rt.call("agg").context).toEqual([
      { from: "m1 (t0.manager)", output: "synthesis@t0.manager.synth" },
      { from: "m2 (t1.manager)", output: "synthesis@t1.manager.synth" },
    ]);
    expect(result.output).toBe("agg@agg");
    expect(rt.expected).toBe(8);
  });
});
