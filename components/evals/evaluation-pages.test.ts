// @vitest-environment happy-dom
/**
 * The evaluation page and the comparison page against a fake API: the summary figures and the per-item table with
 * run links; a comparison's summary, its rows marked regression / improvement, and the 422 of two datasets shown.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { TRPCClientError } from "@trpc/client";
import { fakeApi, renderAs } from "@/test/ui-harness";
import type { EvaluationOutput } from "@/lib/schemas/evaluations";
import { EvaluationDetailPage } from "./evaluations-page";
import { ComparePage } from "./compare-page";

afterEach(cleanup);

const evaluation = (id: string, over: Partial<EvaluationOutput> = {}): EvaluationOutput => ({
  id,
  datasetId: "dst_abcdef123456",
  target: { type: "agent", id: "agt_abcdef123456", slug: "writer", version: 2 },
  judges: [{ id: "jdg_abcdef123456", slug: "ja", version: 1 }],
  passThreshold: 0.7,
  failThreshold: 0.4,
  passRate: 0.8,
  budgetUsd: null,
  concurrency: 2,
  status: "succeeded",
  error: null,
  progress: { itemsDone: 3, itemsTotal: 3, passed: 2, failed: 1, errored: 0, skipped: 0 },
  costUsd: 0.0123,
  meanScore: 0.6667,
  actualPassRate: 0.6667,
  p50LatencyMs: 420,
  passed: false,
  promote: false,
  createdAt: new Date("2026-12-01T10:00:00Z"),
  startedAt: new Date("2026-12-01T10:00:01Z"),
  finishedAt: new Date("2026-12-01T10:01:00Z"),
  ...over,
});

describe("EvaluationDetailPage", () => {
  it("shows the summary figures and each item with its run link", async () => {
    const api = fakeApi({
      "evaluations.get": () => evaluation("evl_abcdef123456"),
      "evaluations.items": () => ({
        items: [
          {
            id: "evi_1",
            datasetItemId: "dsi_1",
            position: 0,
            input: "Question 1?",
            status: "scored",
            runId: "run_abcdef1234567890",
            score: 1,
            verdict: "pass",
            latencyMs: 400,
            costUsd: 0.004,
            error: null,
          },
        ],
        nextCursor: null,
      }),
    });
    renderAs("viewer", api, () => h(EvaluationDetailPage, { evaluation: "evl_abcdef123456" }));
    expect((await screen.findByTestId("evaluation-progress")).textContent).toBe("3/3");
    expect(screen.getByTestId("evaluation-pass-rate").textContent).toBe("66.7%");
    expect(screen.getByTestId("evaluation-mean").textContent).toBe("0.67");
    expect(screen.getByTestId("evaluation-passed").textContent).toBe("not passed");
    await waitFor(() => expect(screen.getAllByTestId("evaluation-item-row")).toHaveLength(1));
    expect(
      screen
        .getByText(/run_abcdef12/)
        .closest("a")
        ?.getAttribute("href"),
    ).toBe("/w/w/runs/run_abcdef1234567890");
    // a finished evaluation has no Cancel button, and a viewer never has one
    expect(screen.queryByTestId("evaluation-cancel")).toBeNull();
  });
});

describe("ComparePage", () => {
  const lists = {
    "datasets.list": () => ({
      items: [
        {
          id: "dst_abcdef123456",
          slug: "qs",
          name: "Questions",
          description: "",
          itemCount: 2,
          archivedAt: null,
          createdAt: new Date(),
          updatedAt: new Date(),
        },
      ],
      nextCursor: null,
    }),
    "evaluations.list": () => ({ items: [evaluation("evl_a00000000000"), evaluation("evl_b00000000000")], nextCursor: null }),
  };

  async function pickBoth() {
    const ui = userEvent.setup();
    await waitFor(() => expect(screen.getByTestId("compare-dataset").querySelectorAll("option")).toHaveLength(2));
    await ui.selectOptions(screen.getByTestId("compare-dataset"), "qs");
    await waitFor(() => expect(screen.getByTestId("compare-a").querySelectorAll("option")).toHaveLength(3));
    await ui.selectOptions(screen.getByTestId("compare-a"), "evl_a00000000000");
    await ui.selectOptions(screen.getByTestId("compare-b"), "evl_b00000000000");
  }

  it("shows the summary and marks regressions and improvements per item", async () => {
    const row = (n: number, scoreA: number, scoreB: number, change: string) => ({
      datasetItemId: `dsi_${n}`,
      input: `Question ${n}?`,
      scoreA,
      scoreB,
      delta: scoreB - scoreA,
      verdictA: scoreA >= 0.7 ? "pass" : "fail",
      verdictB: scoreB >= 0.7 ? "pass" : "fail",
      change,
      costA: 0.001,
      costB: 0.002,
      latencyA: 100,
      latencyB: 120,
    });
    const api = fakeApi({
      ...lists,
      "evaluations.compare": () => ({
        datasetId: "dst_abcdef123456",
        a: evaluation("evl_a00000000000"),
        b: evaluation("evl_b00000000000"),
        summary: { meanScoreDelta: 0, passRateA: 0.5, passRateB: 0.5, regressions: 1, improvements: 1 },
        items: [row(1, 1, 0, "regression"), row(2, 0, 1, "improvement")],
      }),
    });
    renderAs("viewer", api, () => h(ComparePage, {}));
    await pickBoth();
    expect((await screen.findByTestId("compare-regressions")).textContent).toBe("1");
    expect(screen.getByTestId("compare-improvements").textContent).toBe("1");
    await waitFor(() => expect(screen.getAllByTestId("compare-item-row").map((r) => r.getAttribute("data-change"))).toEqual(["regression", "improvement"]));
    expect(api["evaluations.compare"]!.mock.calls[0]![0]).toEqual({ a: "evl_a00000000000", b: "evl_b00000000000" });
  });

  it("shows the server's refusal of evaluations of different datasets", async () => {
    const api = fakeApi({
      ...lists,
      "evaluations.compare": () => {
        throw new TRPCClientError("These evaluations are of different datasets: compare two evaluations of the same dataset");
      },
    });
    renderAs("viewer", api, () => h(ComparePage, {}));
    await pickBoth();
    expect((await screen.findByTestId("compare-error")).textContent).toContain("different datasets");
  });
});
