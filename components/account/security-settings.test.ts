// @vitest-environment happy-dom
/** The two-factor card (enrolment: QR, key, confirm, recovery codes once) and the sign-in form's code step. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { TwoFactorCard } from "./security-settings";
import { SignInForm } from "@/components/auth/sign-in-form";

import { signIn } from "@/test/next-auth-react";
import { startAuthentication } from "@/test/simplewebauthn-browser";

afterEach(() => {
  cleanup();
  signIn.mockReset();
});

function renderWith(
  api: Record<string, (input: unknown) => unknown>,
  calls: { path: string; input: unknown }[],
  children: ReturnType<typeof h> = h(TwoFactorCard, { hasPassword: true }),
) {
  const link: TRPCLink<AppRouter> =
    () =>
    ({ op }) =>
      observable((observer) => {
        calls.push({ path: op.path, input: op.input });
        void Promise.resolve(api[op.path]!(op.input)).then((data) => {
          observer.next({ result: { type: "data", data } });
          observer.complete();
        });
      });
  const trpcClient = createTRPCClient<AppRouter>({ links: [link] });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(h(QueryClientProvider, { client: queryClient }, h(TRPCProvider, { trpcClient, queryClient, keyPrefix: "app", children })));
}

describe("TwoFactorCard", () => {
  it("enrols: shows the QR code and key, confirms the code, then the recovery codes once", async () => {
    const calls: { path: string; input: unknown }[] = [];
    let enabled = false;
    renderWith(
      {
        "account.mfa.status": () => ({ enabled, enabledAt: null, recoveryCodesRemaining: enabled ? 10 : 0, required: false }),
        "account.mfa.start": () => ({ secret: "JBSWY3DPEHPK3PXP", otpauthUri: "otpauth://totp/x", qrSvg: "<svg data-qr></svg>" }),
        "account.mfa.confirm": () => {
          enabled = true;
          return { recoveryCodes: ["aaaa-bbbb-cccc-dddd", "eeee-ffff-gggg-hhhh"] };
        },
      },
      calls,
    );
    await userEvent.click(await screen.findByTestId("mfa-start"));
    expect((await screen.findByTestId("mfa-secret")).textContent).toBe("JBSWY3DPEHPK3PXP");
    expect(screen.getByTestId("mfa-qr").innerHTML).toContain("<svg");
    await userEvent.type(screen.getByTestId("mfa-code"), "123456");
    await userEvent.click(screen.getByTestId("mfa-confirm"));
    expect((await screen.findByTestId("mfa-recovery-codes")).textContent).toContain("aaaa-bbbb-cccc-dddd");
    expect(calls.find((c) => c.path === "account.mfa.confirm")?.input).toEqual({ code: "123456" });
    await userEvent.click(screen.getByTestId("mfa-codes-done"));
    expect((await screen.findByTestId("mfa-status")).textContent).toMatch(/10 of 10/);
    expect(screen.queryByTestId("mfa-recovery-codes")).toBeNull();
  });
});

describe("SignInForm code step", () => {
  it("asks for a code when the account has a second factor, then sends it with the password", async () => {
    signIn.mockResolvedValueOnce({ error: "CredentialsSignin", code: "mfa_required" });
    signIn.mockResolvedValueOnce({ error: "CredentialsSignin", code: "mfa_invalid" });
    renderWith({}, [], h(SignInForm, { callbackUrl: "/", initialEmail: "a@example.test", providers: [] }));
    expect(screen.queryByTestId("signin-code")).toBeNull();
    await userEvent.type(screen.getByTestId("signin-password"), "Correct-Horse-9");
    await userEvent.click(screen.getByTestId("signin-submit"));
    await userEvent.type(await screen.findByTestId("signin-code"), "654321");
    await userEvent.click(screen.getByTestId("signin-submit"));
    expect(signIn).toHaveBeenLastCalledWith("credentials", { email: "a@example.test", password: "Correct-Horse-9", code: "654321", redirect: false });
    expect((await screen.findByRole("alert")).textContent).toMatch(/code is not right/);
  });

  it("offers a passkey instead of a code: the options for this email and password, then the sign-in with the assertion", async () => {
    const calls: { path: string; input: unknown }[] = [];
    const assertion = { id: "cred", rawId: "cred", type: "public-key", clientExtensionResults: {}, response: {} };
    signIn.mockResolvedValueOnce({ error: "CredentialsSignin", code: "mfa_required" });
    signIn.mockResolvedValueOnce({ error: "CredentialsSignin", code: "mfa_invalid" });
    startAuthentication.mockResolvedValue(assertion);
    renderWith(
      { "auth.passkeySignInOptions": () => ({ challenge: "xyz", rpId: "localhost" }) },
      calls,
      h(SignInForm, { callbackUrl: "/", initialEmail: "a@example.test", providers: [] }),
    );
    await userEvent.type(screen.getByTestId("signin-password"), "Correct-Horse-9");
    await userEvent.click(screen.getByTestId("signin-submit"));
    await userEvent.click(await screen.findByRole("button", { name: "Use a passkey" }));
    await vi.waitFor(() => expect(signIn).toHaveBeenCalledTimes(2));
    // the email field also asks which organisation SSO routes it to (auth.ssoFor): not what this test is about
    expect(calls.filter((c) => c.path !== "auth.ssoFor")).toEqual([
      { path: "auth.passkeySignInOptions", input: { email: "a@example.test", password: "Correct-Horse-9" } },
    ]);
    expect(startAuthentication).toHaveBeenCalledWith({ optionsJSON: { challenge: "xyz", rpId: "localhost" } });
    expect(signIn).toHaveBeenLastCalledWith("credentials", {
      email: "a@example.test",
      password: "Correct-Horse-9",
      webauthn: JSON.stringify(assertion),
      redirect: false,
    });
    expect((await screen.findByRole("alert")).textContent).toBe("This passkey was not accepted. Try again, or enter a code.");
  });
});
