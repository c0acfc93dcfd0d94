import { describe, expect, it } from "vitest";
import { budgetGauge, checklistComplete, checklistSteps, hourlyRows, spendRows, totalRuns } from "./overview";

const budget = (fraction: number | null, alert = false, exceeded = false) => ({
  monthStart: new Date("2026-12-01T00:00:00Z"),
  spentUsd: 1,
  monthlyLimitUsd: fraction === null ? null : 10,
  perRunLimitUsd: null,
  alertThreshold: 0.8,
  remainingUsd: null,
  fraction,
  alert,
  exceeded,
});

describe("the overview's shaping", () => {
  it("keeps the checklist's order and says where each step is done", () => {
    const steps = checklistSteps([
      { item: "connect_model", done: true },
      { item: "create_agent", done: false },
    ]);
    expect(steps.map((s) => [s.item, s.path, s.requires, s.done])).toEqual([
      ["connect_model", "/setup", "models:manage", true],
      ["create_agent", "/agents", "agents:create", false],
    ]);
  });

  it("is complete when every item is done, and when there is none to show", () => {
    expect(checklistComplete([{ item: "create_team", done: true }])).toBe(true);
    expect(checklistComplete([{ item: "create_team", done: false }])).toBe(false);
    expect(checklistComplete([])).toBe(true);
  });

  it("counts the runs of every status", () => {
    expect(totalRuns({ queued: 1, running: 2, succeeded: 3, failed: 4, cancelled: 5 })).toBe(15);
  });

  it("labels hours in the given time zone and days in UTC", () => {
    const row = { hour: new Date("2026-12-15T13:00:00Z"), queued: 0, running: 0, succeeded: 1, failed: 0, cancelled: 0 };
    expect(hourlyRows([row], "UTC")[0]?.label).toBe("13:00");
    expect(hourlyRows([row], "Asia/Kolkata")[0]?.label).toBe("18:30");
    const spend = { monthStart: new Date("2026-12-01T00:00:00Z"), spentUsd: 0, perDay: [{ day: "2026-12-03", costUsd: 0, cumulativeUsd: 0 }], budget: null };
    expect(spendRows(spend)[0]?.label).toBe("Dec 3");
  });

  it("draws the budget gauge capped at 100%, toned by alert and exceeded", () => {
    expect(budgetGauge(null)).toBeNull();
    expect(budgetGauge(budget(null))).toBeNull();
    expect(budgetGauge(budget(0.42))).toEqual({ percent: 42, tone: "ok" });
    expect(budgetGauge(budget(0.85, true))).toEqual({ percent: 85, tone: "alert" });
    expect(budgetGauge(budget(1.7, true, true))).toEqual({ percent: 100, tone: "exceeded" });
  });
});
