import { describe, expect, it } from "vitest";
import { TOPOLOGIES, topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import { topologyGraph } from "@/lib/topology-graph";
import {
  addDependency,
  addNode,
  canAddNode,
  canRemoveNode,
  edgesEditable,
  nodeRefAt,
  removeDependency,
  removeNode,
  replaceNodeRef,
  swapNodes,
} from "./canvas-edits";
import { type Draft, starterSpec } from "./spec-draft";

const REFS = ["alpha", "bravo", "charlie", "delta", "echo"];
const graphOf = (draft: Draft) => topologyGraph(topologySpecSchema.parse(draft) as TopologySpec);

describe("canvas edits", () => {
  it.each(TOPOLOGIES.map((t) => [t]))("maps every node of a %s graph back to the reference it draws", (topology) => {
    const draft = starterSpec(topology, REFS, "debate");
    const graph = graphOf(draft);
    const members = graph.nodes.filter((n) => n.ref !== null);
    expect(members.length).toBeGreaterThan(1);
    for (const node of members) expect(nodeRefAt(draft, node.id)).toEqual(node.ref);
    expect(nodeRefAt(draft, "input")).toBeUndefined();
    expect(nodeRefAt(draft, "nope")).toBeUndefined();
  });

  it("maps a mesh's convergence judge", () => {
    const mesh = { ...starterSpec("mesh", REFS), convergence: { by: "judge", judge: "echo" } };
    expect(graphOf(mesh).nodes.find((n) => n.id === "judge")?.ref).toBe("echo");
    expect(nodeRefAt(mesh, "judge")).toBe("echo");
    expect((replaceNodeRef(mesh, "judge", "zulu").convergence as Draft).judge).toBe("zulu");
  });

  it.each(TOPOLOGIES.map((t) => [t]))("replaces one node of a %s team and nothing else", (topology) => {
    const draft = starterSpec(topology, REFS, "star");
    const graph = graphOf(draft);
    const target = graph.nodes.filter((n) => n.ref !== null).at(-1)!;
    const next = replaceNodeRef(draft, target.id, { team: "inner" });
    const after = graphOf(next);
    expect(after.nodes.map((n) => n.id)).toEqual(graph.nodes.map((n) => n.id));
    for (const node of after.nodes) expect(node.ref).toEqual(node.id === target.id ? { team: "inner" } : graph.nodes.find((n) => n.id === node.id)!.ref);
  });

  it("swaps two nodes' agents: a worker dragged onto the manager becomes the manager", () => {
    const hier = starterSpec("hierarchical", REFS); // manager alpha, workers bravo charlie delta
    const next = swapNodes(hier, "w1", "manager");
    expect(next).toMatchObject({ manager: "charlie", workers: ["bravo", "alpha", "delta"] });
    expect(swapNodes(hier, "manager", "manager")).toBe(hier);
    expect(swapNodes(hier, "input", "manager")).toBe(hier);
    const dag = swapNodes(starterSpec("dag", REFS), "n1", "n3");
    // DAG nodes keep their ids and dependencies; only the agents move
    expect((dag.nodes as Draft[]).map((n) => [n.id, n.agent, n.dependsOn])).toEqual([
      ["n1", "charlie", []],
      ["n2", "bravo", ["n1"]],
      ["n3", "alpha", ["n2"]],
    ]);
  });

  it("removes list members, keeps singletons, and drops an optional aggregator", () => {
    const seq = starterSpec("sequential", REFS);
    expect(canRemoveNode(seq, "s1")).toBe(true);
    expect(removeNode(seq, "s1").agents).toEqual(["alpha", "charlie", "delta"]);

    const hier = starterSpec("hierarchical", REFS);
    expect(canRemoveNode(hier, "manager")).toBe(false);
    expect(removeNode(hier, "manager")).toEqual(hier);
    expect(canRemoveNode(starterSpec("grid", REFS), "c0_1")).toBe(false);

    const par = { ...starterSpec("parallel", REFS), aggregator: "echo" };
    expect(canRemoveNode(par, "agg")).toBe(true);
    const noAgg = removeNode(par, "agg");
    expect("aggregator" in noAgg).toBe(false);
    expect(topologySpecSchema.safeParse(noAgg).success).toBe(true);
  });

  it("removing a DAG node also removes it from the dependencies", () => {
    const dag = starterSpec("dag", REFS); // n1 <- n2 <- n3
    const next = removeNode(dag, "n2");
    expect(next.nodes).toEqual([
      { id: "n1", agent: "alpha", dependsOn: [] },
      { id: "n3", agent: "charlie", dependsOn: [] },
    ]);
    expect(topologySpecSchema.safeParse(next).success).toBe(true);
  });

  it("adds members where the topology grows, with a fresh DAG id", () => {
    expect(addNode(starterSpec("debate", REFS), "zulu").debaters).toEqual(["alpha", "bravo", "zulu"]);
    const dag = addNode(addNode(starterSpec("dag", REFS), "alpha"), "alpha");
    expect((dag.nodes as Draft[]).map((n) => n.id)).toEqual(["n1", "n2", "n3", "alpha", "alpha-2"]);
    const moa = addNode(starterSpec("mixture_of_agents", REFS), { team: "t" });
    expect((moa.layers as unknown[][])[1]).toEqual(["charlie", "delta", { team: "t" }]);
    const hybrid = addNode(starterSpec("hybrid", REFS, "sequential"), "zulu");
    expect((hybrid.arrangement as Draft).agents).toEqual([...REFS.slice(0, 4), "zulu"]);
    expect(canAddNode(starterSpec("grid", REFS))).toBe(false);
    expect(addNode(starterSpec("grid", REFS), "zulu")).toEqual(starterSpec("grid", REFS));
  });

  it("draws and removes DAG dependencies only between real nodes", () => {
    const dag = starterSpec("dag", REFS);
    expect(edgesEditable(dag)).toBe(true);
    expect(edgesEditable(starterSpec("sequential", REFS))).toBe(false);
    const joined = addDependency(dag, "n1", "n3");
    expect((joined.nodes as Draft[])[2]!.dependsOn).toEqual(["n2", "n1"]);
    expect(addDependency(joined, "n1", "n3")).toBe(joined); // already there
    expect(addDependency(dag, "input", "n3")).toBe(dag);
    expect(addDependency(dag, "n3", "n3")).toBe(dag);
    expect(graphOf(joined).edges).toContainEqual({ from: "n1", to: "n3" });
    const cut = removeDependency(joined, "n2", "n3");
    expect((cut.nodes as Draft[])[2]!.dependsOn).toEqual(["n1"]);
    expect(addDependency(starterSpec("sequential", REFS), "s0", "s1")).toEqual(starterSpec("sequential", REFS));
  });

  it("edits a hybrid team's arrangement", () => {
    const hybrid = starterSpec("hybrid", REFS, "dag");
    const next = addDependency(replaceNodeRef(hybrid, "n1", { team: "inner" }), "n1", "n3");
    const nodes = (next.arrangement as Draft).nodes as Draft[];
    expect(nodes[0]!.agent).toEqual({ team: "inner" });
    expect(nodes[2]!.dependsOn).toEqual(["n2", "n1"]);
  });
});
