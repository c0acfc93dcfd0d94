// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { PromotionCard, type PromotionTarget } from "./promotion-card";

afterEach(cleanup);

const page = <T>(items: T[]) => ({ items, nextCursor: null });
const api = () =>
  fakeApi({
    "datasets.list": () => page([{ id: "dst_1", slug: "checks", name: "Checks", itemCount: 3 }]),
    "judges.list": () => page([{ id: "jdg_1", slug: "facts", name: "Facts" }]),
    "agents.setPromotion": () => ({}),
  });
const target = (over: Partial<PromotionTarget> = {}): PromotionTarget => ({
  kind: "agent",
  id: "agt_1",
  currentVersion: 2,
  latestVersion: 2,
  archived: false,
  rule: null,
  ...over,
});

describe("PromotionCard", () => {
  it("a member sets a rule (dataset, judges, pass rate) and removes it; a candidate is announced", async () => {
    const ui = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => h(PromotionCard, { target: target({ latestVersion: 3 }) }));
    expect(screen.getByTestId("promotion-candidate").textContent).toContain("Version 3 is a candidate; runs use version 2");
    await screen.findByRole("option", { name: /Checks/ });
    await ui.selectOptions(screen.getByTestId("promotion-dataset"), "dst_1");
    await ui.click(await screen.findByRole("checkbox", { name: "Facts" }));
    await ui.clear(screen.getByTestId("promotion-pass-rate"));
    await ui.type(screen.getByTestId("promotion-pass-rate"), "0.9");
    await ui.click(screen.getByTestId("promotion-save"));
    await waitFor(() => expect(calls["agents.setPromotion"]).toHaveBeenCalledTimes(1));
    expect(calls["agents.setPromotion"]).toHaveBeenCalledWith({ agent: "agt_1", rule: { dataset: "dst_1", judges: ["facts"], passRate: 0.9 } });
  });

  it("with a rule: remove it; a viewer reads a summary and gets no form", async () => {
    const ui = userEvent.setup();
    const calls = api();
    const rule = { dataset: "dst_1", judges: ["jdg_1"], passRate: 0.8 };
    renderAs("member", calls, () => h(PromotionCard, { target: target({ rule }) }));
    await ui.click(screen.getByTestId("promotion-clear"));
    await waitFor(() => expect(calls["agents.setPromotion"]).toHaveBeenCalledWith({ agent: "agt_1", rule: null }));
    cleanup();
    renderAs("viewer", api(), () => h(PromotionCard, { target: target({ rule }) }));
    expect(screen.queryByTestId("promotion-form")).toBeNull();
    expect(screen.getByTestId("promotion-rule-summary").textContent).toContain("80%");
  });
});
