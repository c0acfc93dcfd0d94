// @vitest-environment happy-dom
/**
 * The budgets page's limits form on the server's rules (react-hook-form + budgetLimitsFormSchema): a bad amount or
 * threshold shows its field error before anything is sent, a valid change is saved through the real router (empty:
 * no limit; the threshold in percent), and a role without budgets:update sees the limits read-only, without a save.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import type { Role } from "@/lib/permissions";
import { renderWithRouter } from "@/test/ui-harness";
import { callerFor, makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { BudgetsPage } from "./budgets-page";

afterEach(cleanup);

function renderAs(ws: TestWorkspace, role: Role) {
  const sent: unknown[] = [];
  renderWithRouter(
    ws,
    role,
    () => h(BudgetsPage),
    (path, input) => {
      if (path === "budgets.update") sent.push(input);
    },
  );
  return { sent };
}

const field = (testId: string) => screen.getByTestId(testId) as HTMLInputElement;

describe("Budgets page: the limits form", () => {
  it("shows the schema's errors on their fields before sending, then saves the limits (empty: none; the threshold in percent)", async () => {
    const ws = await makeWorkspace("budget-form");
    const owner = callerFor(ws.users.owner, ws.slug);
    await owner.budgets.update({ monthlyLimitUsd: 50, perRunLimitUsd: 2, alertThreshold: 0.8 });
    const ui = userEvent.setup();
    const { sent } = renderAs(ws, "owner");
    await waitFor(() => expect(field("budget-monthly").value).toBe("50"));
    expect(field("budget-per-run").value).toBe("2");
    expect(field("budget-threshold").value).toBe("80");

    await ui.clear(field("budget-monthly"));
    await ui.type(field("budget-monthly"), "-5");
    await ui.clear(field("budget-threshold"));
    await ui.type(field("budget-threshold"), "40");
    await ui.click(screen.getByTestId("budget-save"));
    expect(await screen.findByText("A limit cannot be negative")).toBeTruthy();
    expect(screen.getByText("The alert threshold is between 50% and 100%")).toBeTruthy();
    expect(field("budget-monthly").getAttribute("aria-invalid")).toBe("true");
    expect(sent).toEqual([]);

    await ui.clear(field("budget-monthly"));
    await ui.type(field("budget-monthly"), "12.5");
    await ui.clear(field("budget-per-run"));
    await ui.clear(field("budget-threshold"));
    await ui.type(field("budget-threshold"), "90");
    await ui.click(screen.getByTestId("budget-save"));
    expect(await screen.findByTestId("budget-saved")).toBeTruthy();
    expect(sent).toEqual([{ monthlyLimitUsd: 12.5, perRunLimitUsd: null, alertThreshold: 0.9 }]);
    expect(await owner.budgets.get()).toMatchObject({ monthlyLimitUsd: 12.5, perRunLimitUsd: null, alertThreshold: 0.9 });
  });

  it("a member sees the limits read-only, without a save button", async () => {
    const ws = await makeWorkspace("budget-form-ro");
    await callerFor(ws.users.owner, ws.slug).budgets.update({ monthlyLimitUsd: 10, perRunLimitUsd: null });
    renderAs(ws, "member");
    await waitFor(() => expect(field("budget-monthly").value).toBe("10"));
    expect(field("budget-monthly").readOnly).toBe(true);
    expect(field("budget-threshold").readOnly).toBe(true);
    expect(screen.queryByTestId("budget-save")).toBeNull();
  });
});
