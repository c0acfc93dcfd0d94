/**
 * sequential, parallel, dag, mixture_of_agents: who saw what, order, concurrency, aggregation.
 */
import { describe, expect, it } from "vitest";
import { topologySpecSchema } from "@/lib/schemas/topology";
import { FakeRuntime } from "./fake-runtime";
import { runTopology } from "./index";

const spec = (s: unknown) => topologySpecSchema.parse(s);

describe("sequential", () => {
  it("runs in order without overlap; context last = the previous output only", async () => {
    const rt = new FakeRuntime();
    const result = await runTopology(rt, spec({ topology: "sequential", agents: ["a", "b", "c"] }), "T");
    expect(rt.stepIds()).toEqual(["s0", "s1", "s2"]);
    expect(rt.calls.map((c) => c.nodeId)).toEqual(["s0", "s1", "s2"]);
    expect(rt.before("s0", "s1") && rt.before("s1", "s2")).toBe(true);
    expect(rt.maxActive).toBe(1);
    expect(rt.call("s0").context).toEqual([]);
    expect(rt.call("s1").context).toEqual([{ from: "a (s0)", output: "a@s0" }]);
    expect(rt.call("s2").context).toEqual([{ from: "b (s1)", output: "b@s1" }]);
    expect(rt.calls.every((c) => c.task.startsWith("T"))).toBe(true);
    expect(result.output).toBe("c@s2");
    expect(rt.expected).toBe(3);
  });

  it("context all = every previous output, attributed, in order", async () => {
    const rt = new FakeRuntime();
    await runTopology(rt, spec({ topology: "sequential", agents: ["a", "b", "a"], context: "all" }), "T");
    expect(rt.call("s2").context).toEqual([
      { from: "a (s0)", output: "a@s0" },
      { from: "b (s1)", output: "b@s1" },
    ]);
  });
});

describe("parallel", () => {
  it("runs every agent at once on the task; the aggregator sees every output attributed", async () => {
    const rt = new FakeRuntime({ delay: 20 });
    const result = await runTopology(rt, spec({ topology: "parallel", agents: ["a", "b", "c"], aggregator: "z" }), "T");
    expect(rt.overlap("p0", "p1") && rt.overlap("p1", "p2") && rt.overlap("p0", "p2")).toBe(true);
    expect(rt.maxActive).toBe(3);
    for (const id of ["p0", "p1", "p2"]) {
      expect(rt.call(id).task).toBe("T");
      expect(rt.call(id).context).toEqual([]);
    }
    expect(rt.before("p0", "agg") && rt.before("p1", "agg") && rt.before("p2", "agg")).toBe(true);
    expect(rt.call("agg").context).toEqual([
      { from: "a (p0)", output: "a@p0" },
      { from: "b (p1)", output: "b@p1" },
      { from: "c (p2)", output: "c@p2" },
    ]);
    expect(result).toEqual({ output: "z@agg", outcome: { topology: "parallel", met: true } });
    expect(rt.expected).toBe(4);
  });

  it("without an aggregator returns the outputs attributed", async () => {
    const rt = new FakeRuntime();
    const result = await runTopology(rt, spec({ topology: "parallel", agents: ["a", "b"] }), "T");
    expect(result.attributed).toEqual([
      { nodeId: "p0", agent: "a", output: "a@p0" },
      { nodeId: "p1", agent: "b", output: "b@p1" },
    ]);
    expect(result.output).toContain("## a (p0)\n\na@p0");
    expect(result.output).toContain("## b (p1)\n\nb@p1");
  });
});

describe("dag", () => {
  const diamond = spec({
    topology: "dag",
    nodes: [
      { id: "plan", agent: "a" },
      { id: "left", agent: "b", dependsOn: ["plan"] },
      { id: "right", agent: "c", dependsOn: ["plan"] },
      { id: "join", agent: "d", dependsOn: ["left", "right"] },
    ],
  });

  it("runs a node after its dependencies, independent nodes overlap, each sees its dependencies' outputs", async () => {
    const rt = new FakeRuntime({ delay: 15 });
    const result = await runTopology(rt, diamond, "T");
    expect(rt.before("plan", "left") && rt.before("plan", "right")).toBe(true);
    expect(rt.overlap("left", "right")).toBe(true);
    expect(rt.before("left", "join") && rt.before("right", "join")).toBe(true);
    expect(rt.call("plan").context).toEqual([]);
    expect(rt.call("left").context).toEqual([{ from: "a (plan)", output: "a@plan" }]);
    expect(rt.call("join").context).toEqual([
      { from: "b (left)", output: "b@left" },
      { from: "c (right)", output: "c@right" },
    ]);
    expect(result).toEqual({ output: "d@join", outcome: { topology: "dag", met: true } });
    expect(rt.expected).toBe(4);
  });

  it("respects maxParallel and returns several sinks attributed", async () => {
    const rt = new FakeRuntime({ delay: 10 });
    const nodes = ["n1", "n2", "n3", "n4", "n5"].map((id) => ({ id, agent: "x" }));
    const result = await runTopology(rt, spec({ topology: "dag", nodes, maxParallel: 2 }), "T");
    expect(rt.maxActive).toBe(2);
    expect(result.attributed?.map((a) => a.nodeId)).toEqual(["n1", "n2", "n3", "n4", "n5"]);
    expect(result.output).toContain("## x (n5)");
  });

  it("a slow branch does not hold back ready nodes (no level-by-level barrier)", async () => {
    const rt = new FakeRuntime({ delay: (c) => (c.stepId === "slow" ? 60 : 5) });
    await runTopology(
      rt,
      spec({
        topology: "dag",
        nodes: [
          { id: "slow", agent: "a" },
          { id: "fast", agent: "b" },
          { id: "after", agent: "c", dependsOn: ["fast"] },
          { id: "end", agent: "d", dependsOn: ["slow", "after"] },
        ],
      }),
      "T",
    );
    expect(rt.overlap("slow", "after")).toBe(true);
    expect(rt.before("slow", "end")).toBe(true);
  });

  it("fails the run with the failing step's error after the running ones settle", async () => {
    const rt = new FakeRuntime({
      script: {
        b: () => {
          throw new Error("boom");
        },
      },
    });
    await expect(runTopology(rt, diamond, "T")).rejects.toThrow("boom");
    expect(rt.stepIds()).not.toContain("join");
  });
});

describe("mixture_of_agents", () => {
  it("layers run one after another, proposers of a layer overlap, each later layer sees ALL of the previous one", async () => {
    const rt = new FakeRuntime({ delay: 15 });
    const result = await runTopology(
      rt,
      spec({
        topology: "mixture_of_agents",
        layers: [
          ["a", "b", "c"],
          ["d", "e"],
        ],
        aggregator: "z",
      }),
      "T",
    );
    expect(rt.stepIds().sort()).toEqual(["agg", "l0_0", "l0_1", "l0_2", "l1_0", "l1_1"]);
    expect(rt.overlap("l0_0", "l0_2") && rt.overlap("l1_0", "l1_1")).toBe(true);
    for (const a of ["l0_0", "l0_1", "l0_2"]) for (const b of ["l1_0", "l1_1"]) expect(rt.before(a, b)).toBe(true);
    expect(rt.call("l0_1").context).toEqual([]);
    expect(rt.saw("l1_0")).toEqual(["a (l0_0)", "b (l0_1)", "c (l0_2)"]);
    expect(rt.saw("l1_1")).toEqual(["a (l0_0)", "b (l0_1)", "c (l0_2)"]);
    expect(rt.call("agg").context).toEqual([
      { from: "d (l1_0)", output: "d@l1_0" },
      { from: "e (l1_1)", output: "e@l1_1" },
    ]);
    expect(result.output).toBe("z@agg");
    expect(rt.expected).toBe(6);
  });
});
