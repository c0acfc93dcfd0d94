// @vitest-environment happy-dom
/**
 * The judge page's agreement panel: the figures with their intervals and n (or why there are none), week by week, the
 * below-threshold flag, and "pick few-shot examples" for those who may change the judge.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { AgreementPanel, estimateText } from "./agreement-panel";

afterEach(cleanup);

const agreement = {
  judgeId: "jdg_abcdef123456",
  judgeSlug: "accuracy",
  threshold: 0.4,
  minPairs: 10,
  labelledPairs: 30,
  heldOutPairs: 14,
  overall: {
    kappa: { status: "ok" as const, value: 0.21, se: 0.1, ci: [0.01, 0.41] as [number, number], n: 14 },
    spearman: { status: "insufficient" as const, n: 6, minN: 10 },
  },
  flagged: true,
  weeks: [
    {
      week: "2026-11-30",
      kappa: { status: "undefined" as const, n: 3, reason: "one label" },
      spearman: { status: "insufficient" as const, n: 3, minN: 10 },
    },
  ],
};

describe("AgreementPanel", () => {
  it("shows kappa with its interval and n, 'not enough data' for rho, the weeks and the flag; a member picks examples", async () => {
    const user = userEvent.setup();
    const api = fakeApi({ "labels.agreement": () => agreement, "labels.pickExamples": () => ({ currentVersion: 3, examples: [{}, {}] }) });
    renderAs("member", api, () => h(AgreementPanel, { judge: "jdg_abcdef123456" }));
    expect((await screen.findByTestId("agreement-kappa")).textContent).toContain("0.21 [0.01, 0.41] n=14");
    expect(screen.getByTestId("agreement-spearman").textContent).toContain("not enough data (n=6 of 10)");
    expect(screen.getByTestId("judge-agreement-flag")).toBeTruthy();
    expect(screen.getByTestId("agreement-weeks").textContent).toContain("2026-11-30");
    await user.click(screen.getByTestId("judge-pick-examples"));
    await vi.waitFor(() => expect(api["labels.pickExamples"]).toHaveBeenCalledWith({ judge: "jdg_abcdef123456", max: 3 }));
  });

  it("a viewer sees the figures but not the action; no flag when the judge agrees enough", async () => {
    renderAs("viewer", fakeApi({ "labels.agreement": () => ({ ...agreement, flagged: false }) }), () => h(AgreementPanel, { judge: "accuracy" }));
    await screen.findByTestId("agreement-kappa");
    expect(screen.queryByTestId("judge-pick-examples")).toBeNull();
    expect(screen.queryByTestId("judge-agreement-flag")).toBeNull();
  });

  it("words each kind of figure", () => {
    expect(estimateText({ status: "undefined", n: 4, reason: "x" })).toBe("undefined (n=4)");
  });
});
