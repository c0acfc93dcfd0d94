// @vitest-environment happy-dom
/** The Vault page: the secrets list from the query, the "Add secret" dialog, and a viewer's read-only page. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { VaultPage } from "./vault-page";

afterEach(cleanup);

const secret = (name: string, last4: string) => ({
  id: `sec_${name}`,
  name,
  description: "",
  last4,
  keyVersion: "k1",
  createdAt: new Date("2026-01-02T10:00:00Z"),
  updatedAt: new Date("2026-01-02T10:00:00Z"),
  lastUsedAt: null,
  usedBy: [],
});

function api() {
  const rows = [secret("OPENAI_API_KEY", "9876"), secret("GITHUB_TOKEN", "")];
  return fakeApi({
    "secrets.list": () => ({ items: rows, nextCursor: null }),
    "secrets.create": (input) => {
      const { name } = input as { name: string };
      const created = secret(name, "4321");
      rows.unshift(created);
      return created;
    },
  });
}

const rowNames = () => screen.getAllByTestId("secret-row").map((r) => r.getAttribute("data-name"));

describe("Vault page", () => {
  it("lists the secrets of the query, masked", async () => {
    renderAs("owner", api(), () => h(VaultPage));
    await waitFor(() => expect(rowNames()).toEqual(["OPENAI_API_KEY", "GITHUB_TOKEN"]));
    expect(screen.getAllByTestId("secret-last4").map((e) => e.textContent)).toEqual(["••••9876", "••••"]);
    expect(screen.getAllByTestId("secret-delete")).toHaveLength(2);
  });

  it("adds a secret from the dialog, which closes once it is saved", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("owner", calls, () => h(VaultPage));
    await waitFor(() => expect(rowNames()).toHaveLength(2));
    expect(screen.queryByTestId("secret-form")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Add secret" }));
    const dialog = await screen.findByRole("dialog", { name: "Add a secret" });
    await user.click(within(dialog).getByTestId("secret-submit"));
    expect(await within(dialog).findByText("Enter a name")).toBeTruthy();
    expect(calls["secrets.create"]).not.toHaveBeenCalled();
    await user.type(within(dialog).getByTestId("secret-name"), "STUB_KEY");
    await user.type(within(dialog).getByTestId("secret-value"), "sk-stub-4321");
    await user.click(within(dialog).getByTestId("secret-submit"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(calls["secrets.create"]).toHaveBeenCalledWith({ name: "STUB_KEY", description: undefined, value: "sk-stub-4321" });
    await waitFor(() => expect(rowNames()).toEqual(["STUB_KEY", "OPENAI_API_KEY", "GITHUB_TOKEN"]));
  });

  it("a viewer sees neither the secrets nor the add button; a member sees the list without row actions", async () => {
    const calls = api();
    const viewer = renderAs("viewer", calls, () => h(VaultPage));
    expect(screen.getByTestId("no-access").textContent).toContain("Your role cannot see the secrets");
    expect(screen.queryByTestId("secret-open")).toBeNull();
    expect(screen.queryByRole("button", { name: "Add secret" })).toBeNull();
    expect(calls["secrets.list"]).not.toHaveBeenCalled();
    viewer.unmount();
    renderAs("member", api(), () => h(VaultPage));
    await waitFor(() => expect(rowNames()).toHaveLength(2));
    expect(screen.getByTestId("secret-open")).toBeTruthy();
    expect(screen.queryByTestId("secret-delete")).toBeNull();
    expect(screen.queryByTestId("secret-replace")).toBeNull();
  });
});
