// @vitest-environment happy-dom
/**
 * The team editor's mesh convergence field: by similarity (threshold, embedding preset) or by a judge; what each
 * change writes into the spec, and that the result is a valid spec.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { topologySpecSchema } from "@/lib/schemas/topology";
import { SpecForm } from "./spec-form";
import { starterSpec, type Draft } from "./spec-draft";

afterEach(cleanup);

const agents = [
  { slug: "a", name: "a" },
  { slug: "b", name: "b" },
];

function renderMesh(draft: Draft) {
  const changes: Draft[] = [];
  render(h(SpecForm, { draft, onChange: (d: Draft) => changes.push(d), agents, teams: [] }));
  return changes;
}

describe("mesh convergence in the spec form", () => {
  it("starts at similarity 0.9 with the balanced preset; the threshold and the preset write into the spec", () => {
    const draft = starterSpec("mesh", ["a", "b"]);
    expect(draft.convergence).toEqual({ by: "similarity", threshold: 0.9 });
    const changes = renderMesh(draft);
    expect((screen.getByTestId("team-convergence-by") as HTMLSelectElement).value).toBe("similarity");
    const threshold = screen.getByTestId("team-convergence-threshold") as HTMLInputElement;
    expect(threshold.value).toBe("0.9");
    fireEvent.change(threshold, { target: { value: "0.75" } });
    expect(changes.at(-1)!.convergence).toEqual({ by: "similarity", threshold: 0.75 });
    fireEvent.change(screen.getByTestId("team-convergence-policy"), { target: { value: "fast" } });
    expect(changes.at(-1)!.convergence).toEqual({ by: "similarity", threshold: 0.9, embeddingPolicy: { type: "preset", preset: "fast" } });
    expect(topologySpecSchema.safeParse(changes.at(-1)).success).toBe(true);
  });

  it("a judge: the judge slot replaces the threshold; the spec is valid", () => {
    const changes = renderMesh(starterSpec("mesh", ["a", "b"]));
    fireEvent.change(screen.getByTestId("team-convergence-by"), { target: { value: "judge" } });
    const judged = changes.at(-1)!;
    expect(judged.convergence).toEqual({ by: "judge", judge: "a" });
    expect(topologySpecSchema.safeParse(judged).success).toBe(true);
    cleanup();
    renderMesh(judged);
    expect(screen.queryByTestId("team-convergence-threshold")).toBeNull();
    expect(screen.getByLabelText("Judge")).toBeTruthy();
  });
});
