// @vitest-environment happy-dom
/**
 * The approvals inbox against the real router and database: pending requests first (tool, agent, run link, the
 * agent's reason as plain text, the arguments as JSON, the time left), the decided ones below; Approve and Deny (with
 * a note, in a dialog) call approvals.decide and move the request to the history; a viewer sees no buttons.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import type { Role } from "@/lib/permissions";
import { testDb as db } from "@/test/db";
import { renderWithRouter } from "@/test/ui-harness";
import { callerFor, makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { parkedApproval, putAwayParkedRuns } from "@/test/fixtures/approvals";
import { ApprovalsPage } from "./approvals-page";
import { timeLeft } from "./time-left";

afterEach(cleanup);
afterAll(putAwayParkedRuns);

function renderAs(ws: TestWorkspace, role: Role) {
  const calls: { path: string; input: unknown }[] = [];
  renderWithRouter(
    ws,
    role,
    () => h(ApprovalsPage),
    (path, input) => calls.push({ path, input }),
  );
  return { decisions: () => calls.filter((c) => c.path === "approvals.decide").map((c) => c.input) };
}

const cards = (section: string) => within(screen.getByTestId(section)).queryAllByTestId("approval");

describe("Approvals page", () => {
  it("shows a pending request with its details, and approving it calls decide and moves it to the history", async () => {
    const ws = await makeWorkspace("approvals-ui");
    const decided = await parkedApproval(ws, { toolName: "web_fetch", createdAt: new Date(Date.now() - 60_000) });
    await callerFor(ws.users.owner, ws.slug).approvals.decide({ approvalId: decided.approvalId, decision: "deny", note: "not that site" });
    const pending = await parkedApproval(ws, { reason: "Ordering <script>alert(1)</script> now", expiresInMs: 2 * 60 * 60 * 1000 + 5 * 60 * 1000 + 30_000 });
    const ui = userEvent.setup();
    const { decisions } = renderAs(ws, "admin");

    await waitFor(() => expect(cards("approvals-pending")).toHaveLength(1));
    const card = cards("approvals-pending")[0]!;
    expect(within(card).getByTestId("approval-tool").textContent).toBe("http_request");
    expect(within(card).getByTestId("approval-run").getAttribute("href")).toBe(`/w/${ws.slug}/runs/${pending.runId}`);
    // the agent's words are text, never markup
    expect(within(card).getByTestId("approval-reason").textContent).toBe("Ordering <script>alert(1)</script> now");
    expect(card.querySelector("script")).toBeNull();
    expect(JSON.parse(within(card).getByTestId("approval-input").textContent!)).toEqual({ method: "POST", url: "https://shop.example/orders" });
    expect(within(card).getByTestId("approval-time-left").textContent).toBe("2 h 5 min left");
    await waitFor(() => expect(cards("approvals-decided")).toHaveLength(1));
    expect(within(cards("approvals-decided")[0]!).getByTestId("approval-decision").textContent).toContain("Note: not that site");
    expect(within(screen.getByTestId("approvals-decided")).queryByTestId("approval-approve")).toBeNull();

    await ui.click(within(card).getByTestId("approval-approve"));
    await waitFor(() => expect(decisions()).toEqual([{ approvalId: pending.approvalId, decision: "approve" }]));
    await waitFor(() => expect(cards("approvals-decided")).toHaveLength(2));
    expect(screen.getByTestId("approvals-empty")).toBeTruthy();
    expect(await db().toolApproval.findUniqueOrThrow({ where: { id: pending.approvalId } })).toMatchObject({
      status: "approved",
      decidedById: ws.users.admin.id,
    });
  });

  it("denies with a note from the dialog", async () => {
    const ws = await makeWorkspace("approvals-ui-deny");
    const pending = await parkedApproval(ws);
    const ui = userEvent.setup();
    const { decisions } = renderAs(ws, "owner");
    await waitFor(() => expect(cards("approvals-pending")).toHaveLength(1));
    await ui.click(screen.getByTestId("approval-deny"));
    const dialog = await screen.findByRole("dialog", { name: "Deny http_request?" });
    await ui.type(within(dialog).getByTestId("approval-deny-note"), "Use the sandbox shop");
    await ui.click(within(dialog).getByTestId("approval-deny-submit"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(decisions()).toEqual([{ approvalId: pending.approvalId, decision: "deny", note: "Use the sandbox shop" }]);
    await waitFor(() => expect(cards("approvals-decided")).toHaveLength(1));
    expect(await db().toolApproval.findUniqueOrThrow({ where: { id: pending.approvalId } })).toMatchObject({ status: "denied", note: "Use the sandbox shop" });
  });

  it("a viewer (and a member) sees the requests without Approve or Deny; an empty inbox says so", async () => {
    const ws = await makeWorkspace("approvals-ui-ro");
    await parkedApproval(ws);
    for (const role of ["viewer", "member"] as const) {
      renderAs(ws, role);
      await waitFor(() => expect(cards("approvals-pending")).toHaveLength(1));
      expect(screen.queryByTestId("approval-approve")).toBeNull();
      expect(screen.queryByTestId("approval-deny")).toBeNull();
      cleanup();
    }
    const empty = await makeWorkspace("approvals-ui-empty");
    renderAs(empty, "owner");
    expect(await screen.findByTestId("approvals-empty")).toBeTruthy();
    expect(await screen.findByTestId("approvals-history-empty")).toBeTruthy();
  });
});

describe("the time left", () => {
  it("reads in hours and minutes", () => {
    const now = new Date("2026-01-01T10:00:00Z");
    expect(timeLeft(new Date("2026-01-02T10:00:00Z"), now)).toBe("24 h left");
    expect(timeLeft(new Date("2026-01-01T11:30:59Z"), now)).toBe("1 h 30 min left");
    expect(timeLeft(new Date("2026-01-01T10:04:10Z"), now)).toBe("4 min left");
    expect(timeLeft(new Date("2026-01-01T10:00:20Z"), now)).toBe("less than a minute left");
    expect(timeLeft(new Date("2026-01-01T09:59:00Z"), now)).toBe("expired");
  });
});
