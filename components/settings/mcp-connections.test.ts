// @vitest-environment happy-dom
/** Settings, "MCP connections": the list of the query, and who may revoke which connection. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, ME, renderAs } from "@/test/ui-harness";
import { McpConnections } from "./mcp-connections";

afterEach(cleanup);

const connection = (id: string, userId: string, authorizedBy: string, revokedAt: Date | null = null) => ({
  id,
  clientId: "ocl_abcdef123456",
  clientName: "Claude Desktop",
  redirectHost: "127.0.0.1:33418",
  authorizedBy,
  userId,
  scopes: ["agents:read", "runs:create"],
  resource: "http://localhost:3000/api/mcp/w",
  createdAt: new Date("2026-01-02T10:00:00Z"),
  lastUsedAt: null,
  revokedAt,
});

function api() {
  return fakeApi({
    "mcpConnections.list": () => [
      connection("mcpc_mine00001", ME.id, ME.email),
      connection("mcpc_other0001", "usr_other", "other@example.test"),
      connection("mcpc_gone00001", ME.id, ME.email, new Date("2026-01-03T10:00:00Z")),
    ],
    "mcpConnections.revoke": () => ({ revoked: true }),
  });
}

const rowIds = () => screen.getAllByTestId("mcp-connection-row").map((r) => r.getAttribute("data-connection-id"));

describe("MCP connections (settings)", () => {
  it("lists the connections with who authorized them; a member revokes only their own active one", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => h(McpConnections));
    await waitFor(() => expect(rowIds()).toEqual(["mcpc_mine00001", "mcpc_other0001", "mcpc_gone00001"]));
    expect(screen.getAllByTestId("mcp-connection-status").map((b) => b.textContent)).toEqual(["active", "active", "revoked"]);
    expect(screen.getByText("other@example.test")).toBeTruthy();
    const buttons = screen.getAllByTestId("mcp-connection-revoke");
    expect(buttons).toHaveLength(1);
    await user.click(buttons[0]!);
    await user.click(await screen.findByTestId("confirm-ok"));
    await waitFor(() => expect(calls["mcpConnections.revoke"]).toHaveBeenCalledOnce());
    expect(calls["mcpConnections.revoke"]!.mock.calls[0]![0]).toEqual({ connectionId: "mcpc_mine00001" });
  });

  it("an admin may revoke anyone's active connection", async () => {
    renderAs("admin", api(), () => h(McpConnections));
    await waitFor(() => expect(rowIds()).toHaveLength(3));
    expect(screen.getAllByTestId("mcp-connection-revoke")).toHaveLength(2);
  });
});
