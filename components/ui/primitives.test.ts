/** The shared UI pieces render the markup (test ids, roles, classes) the e2e journeys rely on, in each state. */
import { describe, expect, it } from "vitest";
import { createElement as h, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { TRPCClientError } from "@trpc/client";
import { InputField } from "./field";
import { ResourcePage } from "./resource-page";
import { SubmitButton } from "./submit-button";
import { ActionsHeader, QueryTable, RowDangerButton } from "./table";

const render = (node: ReactNode) => renderToStaticMarkup(h("div", null, node));
const trpcError = (code: string, message: string) => TRPCClientError.from({ error: { message, code: -32000, data: { code, httpStatus: 400 } } });

describe("QueryTable", () => {
  const table = h("table", { className: "table" });
  const empty = h("p", { "data-testid": "x-empty" }, "None yet.");

  it("shows a spinner while loading, the empty text once there are no rows, else the wrapped table", () => {
    expect(render(h(QueryTable, { query: { isPending: true }, empty, children: table }))).toContain('aria-busy="true"');
    expect(render(h(QueryTable, { query: { isPending: true }, empty, children: table }))).not.toContain("<table");
    expect(render(h(QueryTable, { query: { isPending: false, data: [] }, empty, children: table }))).toBe('<div><p data-testid="x-empty">None yet.</p></div>');
    expect(render(h(QueryTable, { query: { isPending: false, data: [1] }, empty, children: table }))).toBe(
      '<div><div class="table-wrap"><table class="table"></table></div></div>',
    );
  });

  it("keeps the table (headers, no rows) when the query failed or no empty text is given", () => {
    expect(render(h(QueryTable, { query: { isPending: false, data: undefined }, empty, children: table }))).toContain('class="table-wrap"');
    expect(render(h(QueryTable, { query: { isPending: false, data: [] }, children: table }))).toContain('class="table-wrap"');
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
    expect(render(h(ResourcePage<string>, { ...props, readable: true, query: { isPending: false, isError: false, error: null, data: "Writer" } }))).toBe(
      "<div><h1>Writer</h1></div>",
    );
  });

  it("says no access before anything else, then loading", () => {
    const noAccess = render(h(ResourcePage<string>, { ...props, readable: false, query: { isPending: true, isError: false, error: null, data: undefined } }));
    expect(noAccess).toBe('<div><div class="page"><div class="notice" data-testid="no-access">Your role cannot see it.</div></div></div>');
    expect(render(h(ResourcePage<string>, { ...props, readable: true, query: { isPending: true, isError: false, error: null, data: undefined } }))).toContain(
      'aria-busy="true"',
    );
  });

  it("names a missing resource, shows other errors as they are, and links back to the list", () => {
    const missing = render(
      h(ResourcePage<string>, { ...props, readable: true, query: { isPending: false, isError: true, error: trpcError("NOT_FOUND", "gone"), data: undefined } }),
    );
    expect(missing).toContain('<div class="form-error" data-testid="form-error" role="alert">No agent &quot;x&quot;.</div>');
    expect(missing).toContain('<a href="/w/a/agents">← All agents</a>');
    const failed = render(
      h(ResourcePage<string>, {
        ...props,
        readable: true,
        query: { isPending: false, isError: true, error: trpcError("INTERNAL_SERVER_ERROR", "It broke"), data: undefined },
      }),
    );
    expect(failed).toContain('role="alert">It broke</div>');
  });
});

describe("form pieces", () => {
  it("InputField labels its input, uses the id as test id and passes the input's attributes on", () => {
    const html = render(
      h(InputField, { label: "Name", id: "thing-name", grow: true, hint: "Short", placeholder: "e.g. x", maxLength: 8, value: "a", onValueChange: () => {} }),
    );
    expect(html).toBe(
      '<div><div class="field grow"><label for="thing-name">Name</label><input id="thing-name" data-testid="thing-name" placeholder="e.g. x" maxLength="8" value="a"/><div class="field-hint">Short</div></div></div>',
    );
  });

  it("SubmitButton is disabled and relabelled while pending", () => {
    expect(render(h(SubmitButton, { testId: "x-submit", pending: false, pendingLabel: "Saving…", children: "Save" }))).toBe(
      '<div><button type="submit" class="btn btn-primary" data-testid="x-submit">Save</button></div>',
    );
    expect(render(h(SubmitButton, { testId: "x-submit", pending: true, pendingLabel: "Saving…", block: true, children: "Save" }))).toBe(
      '<div><button type="submit" class="btn btn-primary btn-block" data-testid="x-submit" disabled="">Saving…</button></div>',
    );
    expect(render(h(SubmitButton, { testId: "x-submit", pending: false, pendingLabel: "Saving…", disabled: true, children: "Save" }))).toContain('disabled=""');
  });

  it("row actions: a screen-reader-only header and a small danger button", () => {
    expect(renderToStaticMarkup(h("tr", null, h(ActionsHeader)))).toBe('<tr><th class="actions-col"><span class="visually-hidden">Actions</span></th></tr>');
    expect(render(h(RowDangerButton, { testId: "x-delete", disabled: true, title: "Delete x", onClick: () => {}, children: "Delete" }))).toBe(
      '<div><button type="button" class="btn btn-danger-ghost btn-sm" data-testid="x-delete" disabled="" title="Delete x">Delete</button></div>',
    );
  });
});
