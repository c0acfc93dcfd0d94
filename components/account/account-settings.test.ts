// @vitest-environment happy-dom
/**
 * The Account page's settings, rendered from a filled query cache: the password form for an account with a
 * password (which checks the new password before sending it), none for an OAuth-only account, "Sign out
 * everywhere" for both, and an account deletion that waits for the typed email.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render as rtlRender, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { testDb as db } from "@/test/db";
import { signUp } from "@/server/users/service";
import { callerFor, makeUser, uniq, type TestUser } from "@/test/helpers";
import { AccountSettings } from "./account-settings";

afterEach(cleanup);

async function render(user: TestUser) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  // never called: the queries of the page are in the cache already
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: "app" });
  queryClient.setQueryData(trpc.account.get.queryKey(), await callerFor(user).account.get());
  queryClient.setQueryData(trpc.workspaces.listDeleted.queryKey(), await callerFor(user).workspaces.listDeleted());
  queryClient.setQueryData(trpc.account.mfa.status.queryKey(), await callerFor(user).account.mfa.status());
  queryClient.setQueryData(trpc.account.passkeys.list.queryKey(), await callerFor(user).account.passkeys.list());
  return rtlRender(
    h(QueryClientProvider, { client: queryClient }, h(TRPCProvider, { trpcClient, queryClient, keyPrefix: "app", children: h(AccountSettings) })),
  );
}

async function passwordUser() {
  const address = `ada-${uniq()}@example.test`;
  await signUp({ name: "Ada", email: address, password: "Correct-Horse-42" });
  return db().user.findUniqueOrThrow({ where: { email: address }, select: { id: true, email: true, name: true } });
}

const testId = (el: HTMLElement) => el.dataset.testid;

describe("Account settings", () => {
  it("an account with a password: the change-password form, sign out everywhere, export and delete", async () => {
    const user = await passwordUser();
    const { container } = await render(user);
    expect(container.querySelector('[data-testid="account-settings"]')).not.toBeNull();
    expect(testId(screen.getByLabelText("Current password"))).toBe("current-password");
    expect(testId(screen.getByLabelText("New password"))).toBe("new-password");
    expect(testId(screen.getByLabelText("Repeat the new password"))).toBe("confirm-password");
    expect(testId(screen.getByRole("button", { name: "Change password" }))).toBe("change-password");
    expect(testId(screen.getByRole("button", { name: "Sign out everywhere" }))).toBe("sign-out-everywhere");
    expect(testId(screen.getByRole("button", { name: "Download my data" }))).toBe("export-account");
    expect(testId(screen.getByRole("textbox", { name: `Type ${user.email} to confirm` }))).toBe("delete-account-confirm");
    expect(testId(screen.getByRole("button", { name: "Delete my account" }))).toBe("delete-account");
  });

  it("a new password that differs from its repetition is refused before anything is sent", async () => {
    await render(await passwordUser());
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Current password"), "Correct-Horse-42");
    await user.type(screen.getByLabelText("New password"), "Another-Horse-43");
    await user.type(screen.getByLabelText("Repeat the new password"), "Another-Horse-44");
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect(screen.getByRole("alert").textContent).toBe("The two new passwords differ");
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Change password" }).disabled).toBe(false);
  });

  it("deleting the account is enabled only once the account's email is typed", async () => {
    const account = await passwordUser();
    await render(account);
    const remove = screen.getByRole<HTMLButtonElement>("button", { name: "Delete my account" });
    expect(remove.disabled).toBe(true);
    const user = userEvent.setup();
    const confirm = screen.getByRole("textbox", { name: `Type ${account.email} to confirm` });
    await user.type(confirm, "someone@example.test");
    expect(remove.disabled).toBe(true);
    await user.clear(confirm);
    await user.type(confirm, account.email.toUpperCase());
    expect(remove.disabled).toBe(false);
  });

  it("an OAuth-only account: no password form, sign out everywhere", async () => {
    const user = await makeUser("oauth");
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBeNull();
    await render(user);
    expect(screen.queryByRole("button", { name: "Change password" })).toBeNull();
    expect(screen.queryByLabelText("Current password")).toBeNull();
    expect(screen.getByText(/has no password/)).toBeTruthy();
    // the email changes without a password field: a recent sign-in is the proof (server/users/email-change.ts)
    expect(screen.getByTestId("new-email")).toBeTruthy();
    expect(screen.queryByTestId("email-current-password")).toBeNull();
    expect(testId(screen.getByRole("button", { name: "Sign out everywhere" }))).toBe("sign-out-everywhere");
  });
});
