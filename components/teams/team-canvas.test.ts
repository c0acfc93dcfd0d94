// @vitest-environment happy-dom
/** The team editor's canvas: picking nodes (by click and by list), changing, removing and adding members, DAG dependencies. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h, useState } from "react";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import { topologyGraph } from "@/lib/topology-graph";
import { type Draft, starterSpec } from "./spec-draft";
import { TeamCanvas } from "./team-canvas";
import { NODE_MIME, REF_MIME } from "./team-graph";

afterEach(cleanup);

const AGENTS = ["alpha", "bravo", "charlie"].map((slug) => ({ slug, name: slug }));

function Harness({ start, disabled }: { start: Draft; disabled?: boolean }) {
  const [draft, setDraft] = useState(start);
  const graph = topologyGraph(topologySpecSchema.parse(draft) as TopologySpec);
  return h(
    "div",
    null,
    h(TeamCanvas, { draft, graph, onChange: setDraft, agents: AGENTS, teams: [{ slug: "inner", name: "Inner" }], disabled }),
    h("pre", { "data-testid": "draft" }, JSON.stringify(draft)),
  );
}

const INNER = topologySpecSchema.parse({ topology: "sequential", agents: ["bravo", "charlie"] }) as TopologySpec;

function NestedHarness() {
  const [draft, setDraft] = useState<Draft>({ topology: "hybrid", arrangement: { topology: "parallel", agents: ["alpha", { team: "inner" }] } });
  const graph = topologyGraph(topologySpecSchema.parse(draft) as TopologySpec);
  return h(TeamCanvas, { draft, graph, onChange: setDraft, agents: AGENTS, teams: [], nested: { inner: INNER } });
}

const draftNow = () => JSON.parse(screen.getByTestId("draft").textContent ?? "{}") as Draft;
const select = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

describe("team canvas", () => {
  it("edits a DAG's dependencies from a node's panel", () => {
    render(h(Harness, { start: starterSpec("dag", ["alpha", "bravo", "charlie"]) }));
    select("canvas-node-select", "n3");
    const panel = screen.getByTestId("canvas-inspector");
    expect(panel.getAttribute("data-node-id")).toBe("n3");
    expect(
      within(panel)
        .getAllByTestId("canvas-dependency")
        .map((d) => d.getAttribute("data-dep")),
    ).toEqual(["n2"]);
    fireEvent.click(within(panel).getByRole("button", { name: "Remove the dependency on n2" }));
    expect((draftNow().nodes as Draft[])[2]!.dependsOn).toEqual([]);
    select("canvas-dependency-add", "n1");
    expect((draftNow().nodes as Draft[])[2]!.dependsOn).toEqual(["n1"]);
    // the drawing follows: n1 -> n3 is an edge now, and the picked node is marked
    expect(document.querySelector('[data-node-id="n3"][data-selected]')).not.toBeNull();
  });

  it("picks a node by clicking it, changes its agent and removes it", () => {
    render(h(Harness, { start: starterSpec("sequential", ["alpha", "bravo"]) }));
    fireEvent.click(document.querySelector('[data-testid="team-graph-node"][data-node-id="s1"]')!);
    expect(screen.getByTestId("canvas-inspector").getAttribute("data-node-id")).toBe("s1");
    select("canvas-node-ref", "charlie");
    expect(draftNow().agents).toEqual(["alpha", "charlie"]);
    // a sequential team names agents only: nested teams are for hybrid teams
    expect(within(screen.getByTestId("canvas-node-ref")).queryByText(/team: /)).toBeNull();
    fireEvent.click(screen.getByTestId("canvas-node-remove"));
    expect(draftNow().agents).toEqual(["alpha"]);
    expect(screen.queryByTestId("canvas-inspector")).toBeNull();
  });

  it("adds a member, and offers nested teams in a hybrid team", () => {
    render(h(Harness, { start: starterSpec("hybrid", ["alpha", "bravo"], "parallel") }));
    expect(screen.getByTestId<HTMLButtonElement>("canvas-add").disabled).toBe(true);
    select("canvas-add-select", "team:inner");
    fireEvent.click(screen.getByTestId("canvas-add"));
    expect((draftNow().arrangement as Draft).agents).toEqual(["alpha", "bravo", { team: "inner" }]);
    // a singleton (here none) or a grid cell has no "remove"; a parallel worker has
    select("canvas-node-select", "p0");
    expect(screen.queryByTestId("canvas-node-remove")).not.toBeNull();
  });

  it("a manager cannot be removed, only replaced", () => {
    render(h(Harness, { start: starterSpec("hierarchical", ["alpha", "bravo"]) }));
    select("canvas-node-select", "manager");
    expect(screen.queryByTestId("canvas-node-remove")).toBeNull();
    expect(screen.queryByTestId("canvas-dependencies")).toBeNull();
  });

  it("draws a nested team as a group holding its own graph; its inner nodes are not picked as this team's", () => {
    render(h(NestedHarness));
    const group = screen.getByTestId("team-graph-group");
    expect(group.getAttribute("data-node-id")).toBe("p1");
    expect(group.getAttribute("data-team")).toBe("inner");
    const ids = [...document.querySelectorAll('[data-testid="team-graph-node"]')].map((n) => n.getAttribute("data-node-id"));
    expect(ids).toEqual(expect.arrayContaining(["p0", "p1/input", "p1/s0", "p1/s1", "p1/output"]));
    fireEvent.click(document.querySelector('[data-node-id="p1/s0"]')!);
    expect(screen.queryByTestId("canvas-inspector")).toBeNull();
    fireEvent.click(group);
    expect(screen.getByTestId("canvas-inspector").getAttribute("data-node-id")).toBe("p1");
  });

  it("drags agents onto nodes and the canvas, and nodes onto each other", () => {
    render(h(Harness, { start: starterSpec("hierarchical", ["alpha", "bravo"]) })); // manager alpha, worker bravo
    const transfer = (data: Record<string, string>) => ({
      dataTransfer: { types: Object.keys(data), getData: (t: string) => data[t] ?? "", dropEffect: "none" },
    });
    const node = (id: string) => document.querySelector(`[data-testid="team-graph-node"][data-node-id="${id}"]`)!;
    // the palette's agent onto the worker: it takes the worker's place
    expect(screen.getAllByTestId("canvas-palette-item").map((i) => i.getAttribute("data-ref"))).toEqual(["alpha", "bravo", "charlie"]);
    fireEvent.drop(node("w0"), transfer({ [REF_MIME]: "charlie" }));
    expect(draftNow()).toMatchObject({ manager: "alpha", workers: ["charlie"] });
    // onto the canvas: a new worker
    fireEvent.drop(screen.getByTestId("team-graph"), transfer({ [REF_MIME]: "bravo" }));
    expect(draftNow().workers).toEqual(["charlie", "bravo"]);
    // a worker dragged onto the manager becomes the manager
    expect(node("w1").getAttribute("draggable")).toBe("true");
    fireEvent.drop(node("manager"), transfer({ [NODE_MIME]: "w1" }));
    expect(draftNow()).toMatchObject({ manager: "bravo", workers: ["charlie", "alpha"] });
    // the virtual nodes take nothing
    fireEvent.drop(node("input"), transfer({ [NODE_MIME]: "w0" }));
    expect(draftNow()).toMatchObject({ manager: "bravo", workers: ["charlie", "alpha"] });
  });

  it("only draws when it cannot edit", () => {
    render(h(Harness, { start: starterSpec("dag", ["alpha", "bravo"]), disabled: true }));
    expect(screen.queryByTestId("team-graph")).not.toBeNull();
    expect(screen.queryByTestId("canvas-node-select")).toBeNull();
    expect(screen.queryByTestId("canvas-add")).toBeNull();
  });
});
