// @vitest-environment happy-dom
/** The API keys page: the keys of the query, the create dialog that shows the new key once, and the read-only roles. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, ME, renderAs } from "@/test/ui-harness";
import { ApiKeysPage } from "./api-keys-page";

afterEach(cleanup);

const key = (id: string, name: string, createdBy: string | null, revokedAt: Date | null = null) => ({
  id,
  name,
  prefix: "cadre_ab",
  last4: "wxyz",
  scopes: ["members:read"],
  createdBy,
  createdAt: new Date("2026-01-02T10:00:00Z"),
  expiresAt: null,
  lastUsedAt: null,
  revokedAt,
});

function api() {
  const rows = [key("key_1", "CI", ME.email), key("key_2", "Old", "other@example.test", new Date("2026-01-03T10:00:00Z"))];
  return fakeApi({
    "apiKeys.list": () => [...rows],
    "apiKeys.create": (input) => {
      const { name, scopes } = input as { name: string; scopes: string[] };
      const created = { ...key("key_3", name, ME.email), scopes };
      rows.push(created);
      return { ...created, key: "cadre_ab_the-full-secret-key" };
    },
  });
}

const rowIds = () => screen.getAllByTestId("apikey-row").map((r) => r.getAttribute("data-key-id"));

describe("API keys page", () => {
  it("lists the keys of the query with their status; only active keys can be revoked", async () => {
    renderAs("owner", api(), () => h(ApiKeysPage));
    await waitFor(() => expect(rowIds()).toEqual(["key_1", "key_2"]));
    expect(screen.getAllByTestId("apikey-status").map((b) => b.textContent)).toEqual(["active", "revoked"]);
    expect(screen.getAllByTestId("apikey-revoke")).toHaveLength(1);
  });

  it("creates a key in the dialog, shows it once with a copy button, and closes on 'I have stored it'", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => h(ApiKeysPage));
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await user.click(screen.getByRole("button", { name: "Create API key" }));
    const dialog = await screen.findByRole("dialog", { name: "Create an API key" });
    await user.click(within(dialog).getByTestId("apikey-submit"));
    expect(await within(dialog).findByText("Enter a name")).toBeTruthy();
    expect(within(dialog).getByText("Pick at least one scope")).toBeTruthy();
    await user.type(within(dialog).getByTestId("apikey-name"), "reader");
    await user.click(within(dialog).getByTestId("apikey-scope-members:read"));
    await user.click(within(dialog).getByTestId("apikey-submit"));
    const shown = await screen.findByTestId("apikey-created");
    expect(shown.textContent).toBe("cadre_ab_the-full-secret-key");
    expect(screen.getByTestId("apikey-copy")).toBeTruthy();
    expect(screen.getByTestId("apikey-curl").textContent).toContain("/api/v1/me");
    expect(screen.getByTestId("apikey-cli").textContent).toMatch(/^cadre login --url \S* --api-key cadre_ab_the-full-secret-key$/);
    expect(screen.getByRole("button", { name: "Copy CLI command" })).toBeTruthy();
    expect(calls["apiKeys.create"]).toHaveBeenCalledOnce();
    expect((calls["apiKeys.create"]!.mock.calls[0]![0] as { name: string }).name).toBe("reader");
    await user.click(screen.getByTestId("apikey-done"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(rowIds()).toEqual(["key_1", "key_2", "key_3"]));
  });

  it("a viewer sees neither the keys nor the create button", () => {
    const calls = api();
    renderAs("viewer", calls, () => h(ApiKeysPage));
    expect(screen.getByTestId("no-access").textContent).toContain("Your role cannot see the API keys");
    expect(screen.queryByTestId("apikey-open")).toBeNull();
    expect(screen.queryByRole("button", { name: "Create API key" })).toBeNull();
    expect(calls["apiKeys.list"]).not.toHaveBeenCalled();
  });
});
