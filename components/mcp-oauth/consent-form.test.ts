// @vitest-environment happy-dom
/** The consent form of the MCP authorization server: who asks, where the code goes, the workspace pick, the scopes. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { ConsentForm, navigate } from "./consent-form";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const params = { client_id: "ocl_abcdef123456", redirect_uri: "http://127.0.0.1:33418/callback", response_type: "code", state: "s1" };
const workspaces = [
  { slug: "acme", name: "Acme", role: "member", grantable: ["agents:read", "runs:create"] },
  { slug: "lab", name: "Lab", role: "viewer", grantable: ["agents:read"] },
];

function api() {
  return fakeApi({
    "mcpOAuth.approve": () => ({ redirectTo: "http://127.0.0.1:33418/callback?code=c&state=s1" }),
    "mcpOAuth.deny": () => ({ redirectTo: "http://127.0.0.1:33418/callback?error=access_denied&state=s1" }),
  });
}

const form = (over: Partial<Parameters<typeof ConsentForm>[0]> = {}) =>
  h(ConsentForm, {
    params,
    clientName: "Claude Desktop",
    redirectHost: "127.0.0.1:33418",
    scopes: ["agents:read", "runs:create"],
    workspaces,
    requestedWorkspace: null,
    ...over,
  });

describe("MCP consent form", () => {
  it("names the unverified client and its redirect host, and approves in the picked workspace", async () => {
    const to = vi.spyOn(navigate, "to").mockImplementation(() => undefined);
    const user = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => form());
    expect(screen.getByTestId("mcp-consent-client").textContent).toBe("Claude Desktop");
    expect(screen.getByTestId("mcp-consent-host").textContent).toBe("127.0.0.1:33418");
    expect(screen.getByRole("note").textContent).toContain("Unverified client");
    const approve = screen.getByRole("button", { name: "Approve" });
    expect((approve as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByRole("radio", { name: "Acme (member)" }));
    expect((approve as HTMLButtonElement).disabled).toBe(false);
    await user.click(approve);
    await waitFor(() => expect(to).toHaveBeenCalledWith("http://127.0.0.1:33418/callback?code=c&state=s1"));
    expect(calls["mcpOAuth.approve"]!.mock.calls[0]![0]).toEqual({ params, workspaceSlug: "acme" });
  });

  it("strikes out the scopes the picked workspace's role does not grant", async () => {
    const user = userEvent.setup();
    renderAs("member", api(), () => form());
    await user.click(screen.getByRole("radio", { name: "Lab (viewer)" }));
    const list = screen.getByRole("list", { name: "Requested scopes" });
    expect(within(list).getByText("(your role does not allow it: not granted)", { exact: false }).closest("li")?.textContent).toContain("runs:create");
  });

  it("denies: back to the client with access_denied", async () => {
    const to = vi.spyOn(navigate, "to").mockImplementation(() => undefined);
    const user = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => form());
    await user.click(screen.getByRole("button", { name: "Deny" }));
    await waitFor(() => expect(to).toHaveBeenCalledWith("http://127.0.0.1:33418/callback?error=access_denied&state=s1"));
    expect(calls["mcpOAuth.approve"]).not.toHaveBeenCalled();
  });

  it("a client asking for a workspace the person is not in cannot be approved", () => {
    renderAs("member", api(), () => form({ workspaces: [], requestedWorkspace: "secret-ws" }));
    expect(screen.getByRole("alert").textContent).toContain('not a member of the workspace "secret-ws"');
    expect((screen.getByRole("button", { name: "Approve" }) as HTMLButtonElement).disabled).toBe(true);
  });
});
