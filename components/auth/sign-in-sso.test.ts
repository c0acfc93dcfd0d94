// @vitest-environment happy-dom
/**
 * The sign-in page's routing by email domain: once the email is left, an address of an organisation with SSO gets
 * "Continue with SSO"; a forced one loses the password field with the reason; a plain address keeps the form as is.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { SignInForm } from "./sign-in-form";
import { describeAuthError } from "@/lib/auth-messages";

afterEach(cleanup);

const form = () => h(SignInForm, { callbackUrl: "/w/acme", initialEmail: "", providers: [] });

describe("sign-in routing by email domain", () => {
  it("forced SSO: the password field and submit go, the reason and the organisation's SSO show", async () => {
    const api = fakeApi({ "auth.ssoFor": () => ({ sso: true, organization: "Acme", forced: true, startUrl: "/api/sso/acme/start" }) });
    renderAs("owner", api, form);
    const user = userEvent.setup();
    await user.type(screen.getByTestId("signin-email"), "ann@acme.example");
    await user.tab();
    expect((await screen.findByTestId("signin-sso")).textContent).toContain("Acme requires signing in with its single sign-on.");
    const link = screen.getByRole("link", { name: "Continue with SSO (Acme)" });
    expect(link.getAttribute("href")).toBe("/api/sso/acme/start?callbackUrl=%2Fw%2Facme");
    expect(screen.queryByTestId("signin-submit")).toBeNull();
    expect(screen.queryByRole("textbox", { name: "Password" })).toBeNull();
    expect(api["auth.ssoFor"]!.mock.calls[0]![0]).toEqual({ email: "ann@acme.example" });
  });

  it("optional SSO: offered beside the password", async () => {
    const api = fakeApi({ "auth.ssoFor": () => ({ sso: true, organization: "Acme", forced: false, startUrl: "/api/sso/acme/start" }) });
    renderAs("owner", api, form);
    const user = userEvent.setup();
    await user.type(screen.getByTestId("signin-email"), "ann@acme.example");
    await user.tab();
    expect(await screen.findByRole("link", { name: "Continue with SSO (Acme)" })).toBeTruthy();
    expect(screen.getByTestId("signin-submit")).toBeTruthy();
    expect(screen.getByTestId("signin-password").closest("[hidden]")).toBeNull();
  });

  it("a plain address keeps the password form", async () => {
    const api = fakeApi({ "auth.ssoFor": () => ({ sso: false, organization: null, forced: false, startUrl: null }) });
    renderAs("owner", api, form);
    const user = userEvent.setup();
    await user.type(screen.getByTestId("signin-email"), "bob@example.org");
    await user.tab();
    await waitFor(() => expect(api["auth.ssoFor"]).toHaveBeenCalled());
    expect(screen.queryByTestId("signin-sso")).toBeNull();
    expect(screen.getByTestId("signin-password").closest("[hidden]")).toBeNull();
    expect(screen.getByTestId("signin-submit")).toBeTruthy();
  });

  it("explains the sso_required and SSO refusal codes", () => {
    expect(describeAuthError("sso_required")).toBe("Your organisation requires signing in with its single sign-on.");
    expect(describeAuthError("sso_email_domain")).toContain("outside the organisation's verified domains");
  });
});
