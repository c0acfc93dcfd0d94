import { describe, expect, it } from "vitest";
import { topologySpecSchema, type TopologySpec } from "./schemas/topology";
import { topologyGraph } from "./topology-graph";
import { groupedLayout, type PlacedNode } from "./topology-groups";

const BOX = { width: 160, height: 48, layerGap: 230, rowGap: 74 };
const graph = (spec: unknown) => topologyGraph(topologySpecSchema.parse(spec) as TopologySpec);

const overlap = (a: PlacedNode, b: PlacedNode) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("groupedLayout", () => {
  it("without nested teams, lays out one box per node in layers", () => {
    const g = graph({ topology: "parallel", agents: ["a", "b", "c"], aggregator: "d" });
    const layout = groupedLayout(g, {}, BOX);
    expect(layout.nodes.map((n) => n.id).sort()).toEqual(g.nodes.map((n) => n.id).sort());
    expect(layout.nodes.every((n) => !n.group && n.parentId === undefined)).toBe(true);
    const x = Object.fromEntries(layout.nodes.map((n) => [n.id, n.x]));
    expect([x.input, x.p0, x.agg, x.output]).toEqual([0, 230, 460, 690]);
    for (const a of layout.nodes) for (const b of layout.nodes) if (a !== b) expect(overlap(a, b), `${a.id} / ${b.id}`).toBe(false);
  });

  it("opens a nested team as a group that holds its graph and pushes its neighbours aside", () => {
    const outer = graph({
      topology: "hybrid",
      arrangement: { topology: "parallel", agents: ["a", { team: "inner" }, "c"], aggregator: "d" },
    });
    const inner = graph({ topology: "sequential", agents: ["x", "y", "z"] });
    const layout = groupedLayout(outer, { p1: inner }, BOX);
    const byId = new Map(layout.nodes.map((n) => [n.id, n]));
    const group = byId.get("p1")!;
    expect(group.group).toBe(true);
    // its team's graph inside it: input, s0..s2, output, relative to the group, within its bounds
    const kids = layout.nodes.filter((n) => n.parentId === "p1");
    expect(kids.map((n) => n.id)).toEqual(["p1/input", "p1/s0", "p1/s1", "p1/s2", "p1/output"]);
    for (const k of kids) {
      expect(k.x).toBeGreaterThanOrEqual(0);
      expect(k.y).toBeGreaterThanOrEqual(0);
      expect(k.x + k.width).toBeLessThanOrEqual(group.width);
      expect(k.y + k.height).toBeLessThanOrEqual(group.height);
    }
    // parents come before their children
    expect(layout.nodes.findIndex((n) => n.id === "p1")).toBeLessThan(layout.nodes.findIndex((n) => n.id === "p1/input"));
    // the outer boxes do not overlap, and the next layer starts after the group
    const top = layout.nodes.filter((n) => n.parentId === undefined);
    for (const a of top) for (const b of top) if (a !== b) expect(overlap(a, b), `${a.id} / ${b.id}`).toBe(false);
    expect(byId.get("agg")!.x).toBeGreaterThanOrEqual(group.x + group.width);
    // the inner edges, prefixed, beside the outer ones
    expect(layout.edges).toContainEqual({ from: "p1/s0", to: "p1/s1" });
    expect(layout.edges).toContainEqual({ from: "input", to: "p1" });
    expect(layout.height).toBeGreaterThanOrEqual(group.height);
  });
});
