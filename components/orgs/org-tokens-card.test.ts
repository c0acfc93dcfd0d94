// @vitest-environment happy-dom
/** The organisation tokens card: the list with last use and status, the create dialog that shows the token once, revoke. */
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { createElement as h } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { OrgTokensCard } from "./org-tokens-card";

afterEach(cleanup);

const token = (id: string, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> & { id: string; revokedAt: Date | null } => ({
  id,
  name,
  scopes: ["scim"],
  createdBy: "admin@example.test",
  createdAt: new Date("2026-01-02T10:00:00Z"),
  lastUsedAt: null,
  expiresAt: null,
  revokedAt: null,
  ...extra,
});

function api() {
  const rows = [
    token("otk_1", "Okta", { lastUsedAt: new Date("2026-01-05T10:00:00Z") }),
    token("otk_2", "Old", { revokedAt: new Date("2026-01-03T10:00:00Z") }),
  ];
  return fakeApi({
    "orgTokens.list": () => [...rows],
    "orgTokens.create": (input) => {
      const { name, scopes } = input as { name: string; scopes: string[] };
      const created = token("otk_3", name, { scopes });
      rows.push(created);
      return { ...created, token: "cadre_org_the-full-secret" };
    },
    "orgTokens.revoke": (input) => {
      const row = rows.find((r) => r.id === (input as { id: string }).id)!;
      row.revokedAt = new Date();
      return row;
    },
  });
}

describe("OrgTokensCard", () => {
  it("lists tokens with their status; only active ones can be revoked, after a confirmation", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("owner", calls, () => h(OrgTokensCard));
    await waitFor(() => expect(screen.getAllByTestId("orgtoken-row")).toHaveLength(2));
    expect(screen.getAllByTestId("orgtoken-revoke")).toHaveLength(1);
    expect(screen.getAllByTestId("orgtoken-row")[1]!.textContent).toContain("Never");
    await user.click(screen.getByTestId("orgtoken-revoke"));
    await user.click(await screen.findByRole("button", { name: "Revoke token" }));
    await waitFor(() => expect(calls["orgTokens.revoke"]).toHaveBeenCalledWith({ id: "otk_1" }));
    await waitFor(() => expect(screen.queryAllByTestId("orgtoken-revoke")).toHaveLength(0));
  });

  it("creates a token, shows it once with a copy button, and validates the name", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("owner", calls, () => h(OrgTokensCard));
    await waitFor(() => expect(screen.getAllByTestId("orgtoken-row")).toHaveLength(2));
    await user.click(screen.getByTestId("orgtoken-create"));
    const dialog = await screen.findByRole("dialog", { name: "Create an organisation token" });
    await user.click(within(dialog).getByTestId("orgtoken-submit"));
    expect(await within(dialog).findByText("Enter a name")).toBeTruthy();
    await user.type(within(dialog).getByTestId("orgtoken-name"), "Entra");
    await user.click(within(dialog).getByTestId("orgtoken-submit"));
    expect((await screen.findByTestId("orgtoken-created")).textContent).toBe("cadre_org_the-full-secret");
    expect(screen.getByTestId("orgtoken-created-copy")).toBeTruthy();
    expect(calls["orgTokens.create"]!.mock.calls[0]![0]).toMatchObject({ name: "Entra", scopes: ["scim"] });
    await user.click(screen.getByTestId("orgtoken-created-done"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(screen.getAllByTestId("orgtoken-row")).toHaveLength(3));
  });
});
