// @vitest-environment happy-dom
/** The Audit log page: entries from the query with their target links, the filters re-query, paging, a viewer's no-access page. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { AuditPage } from "./audit-log";

afterEach(cleanup);

const entry = (id: string, action: string, targetType: string, metadata: Record<string, unknown>, targetId: string | null = null) => ({
  id,
  actorType: "user",
  actorId: "usr_me",
  actorLabel: "me@example.test",
  action,
  targetType,
  targetId,
  metadata,
  requestId: null,
  clientIp: "203.0.113.7",
  userAgent: null,
  createdAt: new Date("2026-01-02T10:00:00Z"),
});

const ENTRIES = [
  entry("aud_1", "agent.create", "agent", { slug: "writer", name: "Writer" }, "agt_1"),
  entry("aud_2", "member.invite", "invitation", { email: "new@example.test" }, "inv_1"),
  entry("aud_3", "member.remove", "member", {}, "usr_x"),
];

function api(pages = 1) {
  return fakeApi({
    "audit.list": (input) => {
      const { action, cursor } = input as { action?: string; cursor?: string };
      const rows = ENTRIES.filter((e) => !action || e.action.startsWith(action));
      if (pages > 1 && !cursor) return { items: rows.slice(0, 2), nextCursor: "c2" };
      return { items: pages > 1 ? rows.slice(2) : rows, nextCursor: null };
    },
  });
}

const actions = () => screen.getAllByTestId("audit-row").map((r) => r.getAttribute("data-action"));

describe("Audit log page", () => {
  it("lists the entries of the query with links to the targets that have a page", async () => {
    renderAs("owner", api(), () => h(AuditPage));
    await waitFor(() => expect(actions()).toEqual(["agent.create", "member.invite", "member.remove"]));
    expect(screen.getByRole("heading", { level: 1, name: "Audit log" })).toBeTruthy();
    const link = screen.getByTestId("audit-target-link");
    expect(link.textContent).toBe("Writer");
    expect(link.getAttribute("href")).toBe("/w/w/agents/writer");
    // a target without a page shows its name; one without a name its id
    expect(screen.getByText("new@example.test")).toBeTruthy();
    expect(screen.getByText("usr_x")).toBeTruthy();
    expect(screen.getAllByTestId("audit-ip")[0]?.textContent).toBe("203.0.113.7");
    expect(screen.getByTestId("audit-export-csv").getAttribute("href")).toContain("format=csv");
  });

  it("filters by action prefix (the export follows the filter), says when nothing matches, and clears", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("owner", calls, () => h(AuditPage));
    await waitFor(() => expect(actions()).toHaveLength(3));
    await user.type(screen.getByLabelText("Filter by action prefix"), "member.");
    await user.click(screen.getByTestId("audit-filter-submit"));
    await waitFor(() => expect(actions()).toEqual(["member.invite", "member.remove"]));
    expect(calls["audit.list"]).toHaveBeenCalledWith(expect.objectContaining({ action: "member.", limit: 50 }));
    expect(screen.getByTestId("audit-export-jsonl").getAttribute("href")).toContain("action=member.");
    await user.clear(screen.getByLabelText("Filter by action prefix"));
    await user.type(screen.getByLabelText("Filter by action prefix"), "run.");
    await user.click(screen.getByTestId("audit-filter-submit"));
    expect((await screen.findByTestId("audit-empty")).textContent).toContain("No entries match these filters.");
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(actions()).toHaveLength(3));
  });

  it("loads the next page with the cursor", async () => {
    const user = userEvent.setup();
    const calls = api(2);
    renderAs("admin", calls, () => h(AuditPage));
    await waitFor(() => expect(actions()).toHaveLength(2));
    await user.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(actions()).toEqual(["agent.create", "member.invite", "member.remove"]));
    expect(calls["audit.list"]).toHaveBeenLastCalledWith(expect.objectContaining({ cursor: "c2" }));
  });

  it("a role without audit:read sees why, and nothing is fetched", () => {
    const calls = api();
    renderAs("viewer", calls, () => h(AuditPage));
    expect(screen.getByTestId("no-access").textContent).toContain("Your role cannot see the audit log");
    expect(screen.queryByTestId("audit-export-csv")).toBeNull();
    expect(calls["audit.list"]).not.toHaveBeenCalled();
  });
});
