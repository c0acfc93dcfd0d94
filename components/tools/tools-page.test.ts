// @vitest-environment happy-dom
/**
 * The Tools page and a tool's page against the real router and database: the registry by kind with each tool's
 * policy, limits and grants; a viewer sees no create, edit or delete; a member creates a custom tool through the form
 * (the arguments' schema typed as JSON, sent parsed; bad JSON is a field error and nothing is sent); the test call
 * panel shows a result as plain text, and the server's refusal of bad arguments on the arguments field.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import type { Role } from "@/lib/permissions";
import { testDb as db } from "@/test/db";
import { renderWithRouter } from "@/test/ui-harness";
import { callerFor, makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { ToolsPage } from "./tools-page";
import { ToolDetailPage } from "./tool-detail-page";

afterEach(cleanup);

function renderAs(ws: TestWorkspace, role: Role, page: () => ReturnType<typeof h>) {
  const calls: { path: string; input: unknown }[] = [];
  renderWithRouter(ws, role, page, (path, input) => calls.push({ path, input }));
  return { calls: (path: string) => calls.filter((c) => c.path === path).map((c) => c.input) };
}

const row = (name: string) => screen.getAllByTestId("tool-row").find((r) => r.dataset.name === name)!;

/** Puts `text` in a field as typed (userEvent.type reads braces as keys). */
async function fill(ui: ReturnType<typeof userEvent.setup>, field: HTMLElement, text: string) {
  await ui.clear(field);
  await ui.click(field);
  await ui.paste(text);
}

describe("Tools page", () => {
  it("lists the registry by kind; a viewer sees no create, edit or delete", async () => {
    const ws = await makeWorkspace("tools-ui-ro");
    await callerFor(ws.users.owner, ws.slug).tools.update({ tool: "calculator", enabled: false, approval: { mode: "always" } });
    renderAs(ws, "viewer", () => h(ToolsPage));
    await waitFor(() => expect(screen.getAllByTestId("tool-row").length).toBeGreaterThanOrEqual(4));
    const builtins = within(screen.getByTestId("tools-builtin")).getAllByTestId("tool-row");
    expect(builtins.map((r) => r.dataset.name)).toEqual([
      "calculator",
      "current_time",
      "http_request",
      "web_fetch",
      "run_agent",
      "remember",
      "recall",
      "forget",
    ]);
    expect(within(row("calculator")).getByTestId("tool-enabled-badge").textContent).toBe("disabled");
    expect(within(row("calculator")).getByTestId("tool-approval").textContent).toBe("Every call needs approval");
    expect(within(row("http_request")).getByTestId("tool-approval").textContent).toBe("Approval for any method but GET");
    expect(screen.getByTestId("tools-http-empty")).toBeTruthy();
    expect(screen.getByTestId("tools-mcp-empty")).toBeTruthy();
    expect(screen.queryByTestId("tool-new")).toBeNull();
    expect(screen.queryByTestId("tool-edit")).toBeNull();
    expect(screen.queryByTestId("tool-reset")).toBeNull();
    expect(screen.queryByTestId("tool-delete")).toBeNull();
  });

  it("a member creates a custom tool through the form: the schema is sent parsed; bad JSON is a field error", async () => {
    const ws = await makeWorkspace("tools-ui-create");
    const ui = userEvent.setup();
    const { calls } = renderAs(ws, "member", () => h(ToolsPage));
    await ui.click(await screen.findByTestId("tool-new"));
    const dialog = await screen.findByRole("dialog", { name: "New custom tool" });
    const field = (id: string) => within(dialog).getByTestId(id);
    await ui.type(field("tool-name"), "Lookup_Order");
    await ui.type(field("tool-description"), "Looks up an order by id");
    await fill(ui, field("tool-url"), "https://api.example.com/orders/{{orderId}}");
    await fill(ui, field("tool-input-schema"), '{"type": "object", "properties": {"orderId": {"type": "string"}}, ');
    await ui.click(field("tool-submit"));
    expect(await within(dialog).findByText(/^Not valid JSON/)).toBeTruthy();
    expect(field("tool-input-schema").getAttribute("aria-invalid")).toBe("true");
    expect(calls("tools.create")).toEqual([]);

    // valid JSON but not an object schema: the shared schema's message
    await fill(ui, field("tool-input-schema"), '{"type": "string"}');
    await ui.click(field("tool-submit"));
    expect(await within(dialog).findByText(/must be an object schema/)).toBeTruthy();
    expect(calls("tools.create")).toEqual([]);

    const schema = { type: "object", properties: { orderId: { type: "string" } }, required: ["orderId"] };
    await fill(ui, field("tool-input-schema"), JSON.stringify(schema, null, 2));
    await ui.click(field("tool-header-add"));
    await ui.type(within(dialog).getByTestId("tool-header-name"), "Accept");
    await ui.type(within(dialog).getByTestId("tool-header-value"), "application/json");
    await ui.selectOptions(field("tool-approval-mode"), "rule");
    await ui.click(field("tool-submit"));
    await waitFor(() => expect(calls("tools.create")).toHaveLength(1));
    expect(calls("tools.create")[0]).toEqual({
      kind: "http",
      name: "lookup_order",
      description: "Looks up an order by id",
      inputSchema: schema,
      enabled: true,
      config: { method: "GET", urlTemplate: "https://api.example.com/orders/{{orderId}}", headers: { Accept: "application/json" }, bodyTemplate: null },
      secretId: null,
      secretHost: null,
      timeoutMs: 30_000,
      maxResponseBytes: 256 * 1024,
      rateLimitPerMinute: null,
      agentRateLimitPerMinute: null,
      costPerCallUsd: 0,
      approval: { mode: "rule", methodsExcept: ["GET"] },
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() =>
      expect(
        within(screen.getByTestId("tools-http"))
          .getAllByTestId("tool-row")
          .map((r) => r.dataset.name),
      ).toEqual(["lookup_order"]),
    );
    expect(await db().tool.findFirstOrThrow({ where: { workspaceId: ws.id, name: "lookup_order" } })).toMatchObject({ inputSchema: schema });
  });

  it("a name the server refuses shows on the name field", async () => {
    const ws = await makeWorkspace("tools-ui-server-error");
    const ui = userEvent.setup();
    renderAs(ws, "owner", () => h(ToolsPage));
    await ui.click(await screen.findByTestId("tool-new"));
    const dialog = await screen.findByRole("dialog", { name: "New custom tool" });
    await ui.type(within(dialog).getByTestId("tool-name"), "calculator");
    await ui.type(within(dialog).getByTestId("tool-description"), "Shadows a built-in");
    await fill(ui, within(dialog).getByTestId("tool-url"), "https://api.example.com/x");
    await ui.click(within(dialog).getByTestId("tool-submit"));
    expect(await within(dialog).findByText(/is the name of a built-in tool/)).toBeTruthy();
    expect(within(dialog).getByTestId("tool-name").getAttribute("aria-invalid")).toBe("true");
  });
});

describe("a tool's page", () => {
  it("a built-in: only its settings are editable; the test call shows the result as text, and bad arguments on their field", async () => {
    const ws = await makeWorkspace("tools-ui-test-call");
    const ui = userEvent.setup();
    const { calls } = renderAs(ws, "member", () => h(ToolDetailPage, { tool: "calculator" }));
    expect(await screen.findByTestId("tool-page")).toBeTruthy();
    expect(screen.queryByTestId("tool-name")).toBeNull(); // a built-in's definition is not the workspace's
    expect(screen.getByTestId("tool-timeout")).toBeTruthy();
    expect(screen.queryByTestId("tool-reset")).toBeNull(); // a member cannot delete

    const args = screen.getByTestId("tool-test-input");
    expect(JSON.parse((args as HTMLTextAreaElement).value)).toEqual({ expression: "" });
    await fill(ui, args, '{"expression": "<b>6</b> * 7"');
    await ui.click(screen.getByTestId("tool-test-run"));
    expect(await screen.findByText(/^Not valid JSON/)).toBeTruthy();
    expect(calls("tools.test")).toEqual([]);

    await fill(ui, args, '{"expr": "1"}');
    await ui.click(screen.getByTestId("tool-test-run"));
    await waitFor(() => expect(args.getAttribute("aria-invalid")).toBe("true"));
    expect(screen.getByText(/invalid arguments/)).toBeTruthy();

    await fill(ui, args, '{"expression": "6 * 7"}');
    await ui.click(screen.getByTestId("tool-test-run"));
    const result = await screen.findByTestId("tool-test-result");
    expect(calls("tools.test").at(-1)).toEqual({ tool: "calculator", input: { expression: "6 * 7" } });
    expect(result.dataset.error).toBe("false");
    expect(within(result).getByTestId("tool-test-status").textContent).toBe("ok");
    expect(within(result).getByTestId("tool-test-duration").textContent).toMatch(/^\d+ ms$/);
    expect(JSON.parse(within(result).getByTestId("tool-test-output").textContent!)).toEqual({ expression: "6 * 7", result: "42" });

    // a failing call is a result with isError; its text (untrusted) is never markup
    await fill(ui, args, '{"expression": "<img src=x onerror=alert(1)> +"}');
    await ui.click(screen.getByTestId("tool-test-run"));
    await waitFor(() => expect(screen.getByTestId("tool-test-result").dataset.error).toBe("true"));
    expect(screen.getByTestId("tool-test-output").querySelector("img")).toBeNull();
  });

  it("a viewer sees the tool read-only, with no test call", async () => {
    const ws = await makeWorkspace("tools-ui-detail-ro");
    renderAs(ws, "viewer", () => h(ToolDetailPage, { tool: "web_fetch" }));
    expect(await screen.findByTestId("tool-page")).toBeTruthy();
    expect(screen.queryByTestId("tool-submit")).toBeNull();
    expect(screen.queryByTestId("tool-test")).toBeNull();
    expect(screen.getByTestId("tool-timeout").closest("fieldset")?.disabled).toBe(true);
  });
});
