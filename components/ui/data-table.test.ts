// @vitest-environment happy-dom
/** DataTable: sorting, the columns menu, cursor paging and its loading, empty and error states. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { TRPCClientError } from "@trpc/client";
import { DataTable, type DataTableProps, dataTableColumns } from "./data-table";

afterEach(cleanup);

interface Agent {
  id: string;
  name: string;
  cost: number;
}
const col = dataTableColumns<Agent>();
const columns = [col.accessor("name", { header: "Name" }), col.accessor("cost", { header: "Cost" })];
const agents: Agent[] = [
  { id: "a", name: "writer", cost: 3 },
  { id: "b", name: "editor", cost: 1 },
  { id: "c", name: "researcher", cost: 2 },
];

const table = (props: Partial<DataTableProps<Agent>>) =>
  render(h(DataTable<Agent>, { columns, data: agents, caption: "Agents", testId: "agents", rowTestId: "agent-row", getRowId: (a: Agent) => a.id, ...props }));
const names = () =>
  within(screen.getByTestId("agents"))
    .getAllByTestId("agent-row")
    .map((r) => r.firstElementChild?.textContent);
// th elements, not roles: while the columns menu is open Radix hides the rest of the page from the accessibility tree
const headers = () => [...screen.getByTestId("agents").querySelectorAll("th")].map((th) => th.textContent);

describe("DataTable", () => {
  it("sorts by a column on its header's button, ascending then descending, and says so in aria-sort", async () => {
    const user = userEvent.setup();
    table({});
    expect(names()).toEqual(["writer", "editor", "researcher"]);
    const nameHeader = within(screen.getByTestId("agents")).getAllByRole("columnheader")[0]!;
    await user.click(within(nameHeader).getByRole("button"));
    expect(names()).toEqual(["editor", "researcher", "writer"]);
    expect(nameHeader.getAttribute("aria-sort")).toBe("ascending");
    await user.click(within(nameHeader).getByRole("button"));
    expect(names()).toEqual(["writer", "researcher", "editor"]);
    expect(nameHeader.getAttribute("aria-sort")).toBe("descending");
  });

  it("gives each row its test id and data attributes, as a table row and as a phone card", () => {
    const attrs = (a: Agent) => ({ "data-agent": a.name, "data-cheap": a.cost < 2 ? "yes" : undefined });
    table({ rowAttributes: attrs });
    const rows = screen.getAllByTestId("agent-row");
    expect(rows.map((r) => [r.tagName, r.getAttribute("data-agent"), r.getAttribute("data-cheap")])).toEqual([
      ["TR", "writer", null],
      ["TR", "editor", "yes"],
      ["TR", "researcher", null],
    ]);
    cleanup();
    table({ rowAttributes: attrs, layout: "cards" });
    expect(screen.getAllByTestId("agent-row").map((r) => [r.tagName, r.getAttribute("data-agent")])).toEqual([
      ["LI", "writer"],
      ["LI", "editor"],
      ["LI", "researcher"],
    ]);
  });

  it("hides and shows a column from the columns menu", async () => {
    const user = userEvent.setup();
    table({});
    expect(headers()).toEqual(["Name", "Cost"]);
    await user.click(screen.getByTestId("agents-columns"));
    await user.click(await screen.findByRole("menuitemcheckbox", { name: "Cost" }));
    expect(headers()).toEqual(["Name"]);
    expect(within(screen.getByTestId("agents")).queryByText("3")).toBeNull();
    await user.click(screen.getByRole("menuitemcheckbox", { name: "Cost" }));
    expect(headers()).toEqual(["Name", "Cost"]);
  });

  it("shows skeleton rows while the first page loads, then the empty state when there are no rows", () => {
    const view = table({ data: undefined, isPending: true, empty: h("p", { "data-testid": "agents-empty" }, "No agents yet") });
    expect(screen.getByTestId("agents").getAttribute("aria-busy")).toBe("true");
    expect(view.container.querySelectorAll('[data-slot="data-table-skeleton-row"]')).toHaveLength(3);
    expect(screen.queryByTestId("agents-empty")).toBeNull();
    view.unmount();
    table({ data: [], empty: h("p", { "data-testid": "agents-empty" }, "No agents yet") });
    expect(screen.getByTestId("agents-empty").textContent).toBe("No agents yet");
    expect(screen.queryByTestId("agents")).toBeNull();
  });

  it("shows the query's error instead of the table", () => {
    const error = TRPCClientError.from({ error: { message: "Your role cannot list agents", code: -32000, data: { code: "FORBIDDEN", httpStatus: 403 } } });
    table({ data: undefined, isError: true, error });
    expect(screen.getByRole("alert").textContent).toBe("Your role cannot list agents");
    expect(screen.queryByTestId("agents")).toBeNull();
  });

  it("loads the next cursor page with Load more while there is one", async () => {
    const user = userEvent.setup();
    const fetchNextPage = vi.fn();
    const view = table({ hasNextPage: true, fetchNextPage });
    await user.click(screen.getByTestId("agents-more"));
    expect(fetchNextPage).toHaveBeenCalledOnce();
    view.rerender(
      h(DataTable<Agent>, { columns, data: agents, caption: "Agents", testId: "agents", hasNextPage: true, isFetchingNextPage: true, fetchNextPage }),
    );
    expect(screen.getByTestId("agents-more").textContent).toBe("Loading…");
    expect(screen.getByTestId("agents-more").hasAttribute("disabled")).toBe(true);
    view.rerender(h(DataTable<Agent>, { columns, data: agents, caption: "Agents", testId: "agents", hasNextPage: false, fetchNextPage }));
    expect(screen.queryByTestId("agents-more")).toBeNull();
  });

  it("shows cards instead of the table under md: by default label/value pairs, or with mobileCard", () => {
    const view = table({ layout: "cards" });
    const cards = view.container.querySelectorAll('[data-slot="data-table-card"]');
    expect(cards).toHaveLength(3);
    expect([...cards[0]!.querySelectorAll("dt")].map((dt) => dt.textContent)).toEqual(["Name", "Cost"]);
    expect(screen.queryByTestId("agents")).toBeNull();
    view.unmount();
    const custom = table({ layout: "cards", mobileCard: (a) => h("strong", null, `${a.name}!`) });
    expect(custom.container.querySelector('[data-slot="data-table-card"] strong')?.textContent).toBe("writer!");
  });

  it("picks the layout from the viewport width, rendering one of the two (each row's test ids exist once)", () => {
    const narrow = vi
      .spyOn(window, "matchMedia")
      .mockImplementation(
        (query) => ({ matches: false, media: query, addEventListener: () => {}, removeEventListener: () => {} }) as unknown as MediaQueryList,
      );
    const phone = table({});
    expect(screen.queryByTestId("agents")).toBeNull();
    expect(phone.container.querySelectorAll('[data-slot="data-table-card"]')).toHaveLength(3);
    phone.unmount();
    narrow.mockRestore();
    const desktop = table({});
    expect(screen.getByTestId("agents").querySelectorAll("tbody tr")).toHaveLength(3);
    expect(desktop.container.querySelector('[data-slot="data-table-card"]')).toBeNull();
  });

  it("puts the row test id and rowAttributes on each row, in the table and on the phone cards", () => {
    const rowAttributes = (a: Agent) => ({ "data-name": a.name });
    const view = table({ rowAttributes });
    expect(screen.getAllByTestId("agent-row").map((r) => [r.tagName, r.getAttribute("data-name")])).toEqual([
      ["TR", "writer"],
      ["TR", "editor"],
      ["TR", "researcher"],
    ]);
    view.unmount();
    table({ rowAttributes, layout: "cards" });
    expect(screen.getAllByTestId("agent-row").map((r) => [r.tagName, r.getAttribute("data-name")])).toEqual([
      ["LI", "writer"],
      ["LI", "editor"],
      ["LI", "researcher"],
    ]);
  });
});
