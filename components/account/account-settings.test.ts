/**
 * Smoke test of the Account page's settings: they render (server-side, from a filled query cache) the password form
 * for an account with a password, none for an OAuth-only account, and "Sign out everywhere" for both.
 */
import { testDb } from "@/test/db";
import { describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
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

async function render(user: TestUser) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  // never called: the one query of the page is in the cache already
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: "app" });
  queryClient.setQueryData(trpc.account.get.queryKey(), await callerFor(user).account.get());
  return renderToString(
    h(QueryClientProvider, { client: queryClient }, h(TRPCProvider, { trpcClient, queryClient, keyPrefix: "app", children: h(AccountSettings) })),
  );
}

describe("Account settings", () => {
  it("an account with a password: the change-password form and sign out everywhere", async () => {
    const address = `ada-${uniq()}@example.test`;
    await signUp({ name: "Ada", email: address, password: "Correct-Horse-42" });
    const user = await testDb().user.findUniqueOrThrow({ where: { email: address }, select: { id: true, email: true, name: true } });
    const html = await render(user);
    for (const id of [
      "account-settings",
      "current-password",
      "new-password",
      "confirm-password",
      "change-password",
      "sign-out-everywhere",
      "export-account",
      "delete-account-confirm",
      "delete-account",
    ]) {
      expect(html, id).toContain(`data-testid="${id}"`);
    }
  });

  it("an OAuth-only account: no password form, sign out everywhere", async () => {
    const user = await makeUser("oauth");
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBeNull();
    const html = await render(user);
    expect(html).not.toContain('data-testid="change-password"');
    expect(html).toContain("has no password");
    expect(html).toContain('data-testid="sign-out-everywhere"');
  });
});
