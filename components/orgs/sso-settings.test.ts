// @vitest-environment happy-dom
/**
 * The organisation's SSO form on the server's schema: what it sends (the secret only when typed), a bad issuer's
 * message before anything is sent, the write-only secret's wording, and the test-connection result.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { SsoSettings } from "./sso-settings";

afterEach(cleanup);

const WORKSPACES = [{ slug: "eng", name: "Engineering" }];
const saved = {
  kind: "oidc" as const,
  issuer: "https://idp.example.com",
  clientId: "cadre",
  hasClientSecret: true,
  scopes: "openid email profile",
  groupsClaim: "groups",
  enabled: true,
  jitProvisioning: true,
  defaultWorkspace: "eng",
  defaultRole: "member" as const,
  startUrl: "http://localhost:3000/api/sso/acme/start",
  redirectUri: "http://localhost:3000/api/sso/acme/callback",
  updatedAt: new Date("2026-01-02T10:00:00Z"),
};

describe("SsoSettings", () => {
  it("creates a connection: the typed values and the secret are sent; a bad issuer is refused first", async () => {
    const api = fakeApi({ "orgSso.get": () => null, "orgSso.upsert": () => saved });
    renderAs("owner", api, () => h(SsoSettings, { workspaces: WORKSPACES }));
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Issuer URL"), "not a url");
    await user.type(screen.getByLabelText("Client ID"), "cadre");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("An https:// URL such as https://idp.example.com")).toBeTruthy();
    expect(api["orgSso.upsert"]).not.toHaveBeenCalled();

    await user.clear(screen.getByLabelText("Issuer URL"));
    await user.type(screen.getByLabelText("Issuer URL"), "https://idp.example.com");
    await user.type(screen.getByLabelText("Client secret"), "s3cret");
    await user.selectOptions(screen.getByLabelText("Default workspace for new people"), "eng");
    await user.click(screen.getByRole("switch", { name: "Enabled" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(api["orgSso.upsert"]).toHaveBeenCalled());
    expect(api["orgSso.upsert"]!.mock.calls[0]![0]).toMatchObject({
      issuer: "https://idp.example.com",
      clientId: "cadre",
      clientSecret: "s3cret",
      defaultWorkspace: "eng",
      defaultRole: "member",
      enabled: true,
    });
  });

  it("keeps a stored secret unless a new one is typed, and shows what discovery found", async () => {
    const api = fakeApi({
      "orgSso.get": () => saved,
      "orgSso.upsert": () => saved,
      "orgSso.test": () => ({
        ok: true,
        issuer: "https://idp.example.com",
        authorizationEndpoint: "https://idp.example.com/auth",
        tokenEndpoint: "https://idp.example.com/token",
        userinfoEndpoint: null,
        scopesSupported: [],
      }),
    });
    renderAs("owner", api, () => h(SsoSettings, { workspaces: WORKSPACES }));
    const user = userEvent.setup();
    expect(await screen.findByLabelText("Replace the client secret")).toBeTruthy();
    expect(screen.getByText("A secret is set. Leave empty to keep it; it is never shown.")).toBeTruthy();
    expect(screen.getByText(saved.redirectUri)).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Test connection" }));
    expect((await screen.findByTestId("sso-test-result")).textContent).toContain("https://idp.example.com/token");
    expect(api["orgSso.test"]!.mock.calls[0]![0]).toEqual({ issuer: "https://idp.example.com" });
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(api["orgSso.upsert"]).toHaveBeenCalled());
    expect(api["orgSso.upsert"]!.mock.calls[0]![0]).not.toHaveProperty("clientSecret", expect.anything());
  });

  it("says why discovery failed", async () => {
    const api = fakeApi({ "orgSso.get": () => saved, "orgSso.test": () => ({ ok: false, error: "Discovery failed: 404" }) });
    renderAs("owner", api, () => h(SsoSettings, { workspaces: WORKSPACES }));
    await userEvent.setup().click(await screen.findByRole("button", { name: "Test connection" }));
    expect((await screen.findByTestId("sso-test-result")).textContent).toBe("Discovery failed: 404");
  });
});
