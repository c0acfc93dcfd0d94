// @vitest-environment happy-dom
/** The shared UI pieces render the markup (test ids, roles, classes) the e2e journeys rely on, in each state. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h, type ReactNode } from "react";
import { cleanup, render as rtlRender, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { TRPCClientError } from "@trpc/client";
import { ResourcePage } from "./resource-page";
import { SubmitButton } from "./submit-button";
import { ActionsHeader, QueryTable, RowDangerButton } from "./table";

afterEach(cleanup);

const render = (node: ReactNode) => rtlRender(h("div", null, node));
const trpcError = (code: string, message: string) => TRPCClientError.from({ error: { message, code: -32000, data: { code, httpStatus: 400 } } });

describe("QueryTable", () => {
  const table = h("table", { className: "table" });
  const empty = h("p", { "data-testid": "x-empty" }, "None yet.");

  it("shows a spinner while loading, the empty text once there are no rows, else the wrapped table", () => {
    const loading = render(h(QueryTable, { query: { isPending: true }, empty, children: table }));
    expect(screen.getByText("Loading…").getAttribute("aria-busy")).toBe("true");
    expect(screen.queryByRole("table")).toBeNull();
    loading.unmount();

    const none = render(h(QueryTable, { query: { isPending: false, data: [] }, empty, children: table }));
    expect(screen.getByText("None yet.").dataset.testid).toBe("x-empty");
    expect(screen.queryByRole("table")).toBeNull();
    expect(none.container.innerHTML).toBe('<div><p data-testid="x-empty">None yet.</p></div>');
    none.unmount();

    const rows = render(h(QueryTable, { query: { isPending: false, data: [1] }, empty, children: table }));
    const t = screen.getByRole("table");
    expect(t.className).toBe("table");
    expect(t.parentElement?.className).toBe("overflow-x-auto");
    expect(screen.queryByText("None yet.")).toBeNull();
    expect(screen.queryByText("Loading…")).toBeNull();
    rows.unmount();
  });

  it("keeps the table (headers, no rows) when the query failed or no empty text is given", () => {
    const failed = render(h(QueryTable, { query: { isPending: false, data: undefined }, empty, children: table }));
    expect(screen.getByRole("table").parentElement?.className).toBe("overflow-x-auto");
    expect(screen.queryByText("None yet.")).toBeNull();
    failed.unmount();
    render(h(QueryTable, { query: { isPending: false, data: [] }, children: table }));
    expect(screen.getByRole("table").parentElement?.className).toBe("overflow-x-auto");
  });
});

describe("ResourcePage", () => {
  const props = {
    noAccess: "Your role cannot see it.",
    notFound: 'No agent "x".',
    backHref: "/w/a/agents",
    backLabel: "← All agents",
    children: (name: string) => h("h1", null, name),
  };

  it("renders the resource once loaded", () => {
    const { container } = render(
      h(ResourcePage<string>, { ...props, readable: true, query: { isPending: false, isError: false, error: null, data: "Writer" } }),
    );
    expect(screen.getByRole("heading", { level: 1, name: "Writer" })).toBeTruthy();
    expect(container.innerHTML).toBe("<div><h1>Writer</h1></div>");
  });

  it("says no access before anything else, then loading", () => {
    const noAccess = render(h(ResourcePage<string>, { ...props, readable: false, query: { isPending: true, isError: false, error: null, data: undefined } }));
    expect(screen.getByTestId("no-access").textContent).toBe("Your role cannot see it.");
    expect(screen.queryByText("Loading…")).toBeNull();
    noAccess.unmount();
    render(h(ResourcePage<string>, { ...props, readable: true, query: { isPending: true, isError: false, error: null, data: undefined } }));
    expect(screen.getByText("Loading…").getAttribute("aria-busy")).toBe("true");
    expect(screen.queryByRole("heading")).toBeNull();
  });

  it("names a missing resource, shows other errors as they are, and links back to the list", () => {
    const missing = render(
      h(ResourcePage<string>, { ...props, readable: true, query: { isPending: false, isError: true, error: trpcError("NOT_FOUND", "gone"), data: undefined } }),
    );
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toBe('No agent "x".');
    expect(alert.className).toContain("text-destructive");
    expect(alert.dataset.testid).toBe("form-error");
    expect(screen.getByRole("link", { name: "← All agents" }).getAttribute("href")).toBe("/w/a/agents");
    missing.unmount();
    render(
      h(ResourcePage<string>, {
        ...props,
        readable: true,
        query: { isPending: false, isError: true, error: trpcError("INTERNAL_SERVER_ERROR", "It broke"), data: undefined },
      }),
    );
    expect(screen.getByRole("alert").textContent).toBe("It broke");
  });
});

describe("form pieces", () => {
  it("SubmitButton is disabled and relabelled while pending", async () => {
    const onSubmit = vi.fn((e: Event) => e.preventDefault());
    const form = (button: ReactNode) => h("form", { onSubmit }, button);
    const idle = render(form(h(SubmitButton, { testId: "x-submit", pending: false, pendingLabel: "Saving…", children: "Save" })));
    const save = screen.getByRole<HTMLButtonElement>("button", { name: "Save" });
    expect(save.type).toBe("submit");
    expect(save.dataset.slot).toBe("button");
    expect(save.className).not.toContain("w-full");
    expect(save.dataset.testid).toBe("x-submit");
    expect(save.disabled).toBe(false);
    const user = userEvent.setup();
    await user.click(save);
    expect(onSubmit).toHaveBeenCalledTimes(1);
    idle.unmount();

    const pending = render(form(h(SubmitButton, { testId: "x-submit", pending: true, pendingLabel: "Saving…", block: true, children: "Save" })));
    expect(screen.queryByRole("button", { name: "Save" })).toBeNull();
    const saving = screen.getByRole<HTMLButtonElement>("button", { name: "Saving…" });
    expect(saving.disabled).toBe(true);
    expect(saving.className).toContain("w-full");
    expect(saving.dataset.testid).toBe("x-submit");
    await user.click(saving);
    expect(onSubmit).toHaveBeenCalledTimes(1);
    pending.unmount();

    render(form(h(SubmitButton, { testId: "x-submit", pending: false, pendingLabel: "Saving…", disabled: true, children: "Save" })));
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Save" }).disabled).toBe(true);
  });

  it("row actions: a screen-reader-only header and a small danger button", async () => {
    const header = rtlRender(h("table", null, h("thead", null, h("tr", null, h(ActionsHeader)))));
    const th = screen.getByRole("columnheader", { name: "Actions" });
    expect(th.className).toContain("text-right");
    expect(screen.getByText("Actions").className).toBe("sr-only");
    header.unmount();

    const onClick = vi.fn();
    const user = userEvent.setup();
    const disabled = render(h(RowDangerButton, { testId: "x-delete", disabled: true, title: "Delete x", onClick, children: "Delete" }));
    const del = screen.getByRole<HTMLButtonElement>("button", { name: "Delete" });
    expect(del.type).toBe("button");
    expect(del.className).toContain("text-destructive");
    expect(del.dataset.testid).toBe("x-delete");
    expect(del.title).toBe("Delete x");
    expect(del.disabled).toBe(true);
    await user.click(del);
    expect(onClick).not.toHaveBeenCalled();
    disabled.unmount();

    render(h(RowDangerButton, { testId: "x-delete", onClick, children: "Delete" }));
    await user.click(screen.getByRole("button", { name: "Delete" }));
    expect(onClick).toHaveBeenCalledTimes(1);
  });
});
