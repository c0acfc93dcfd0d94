// @vitest-environment happy-dom
/** The Passkeys card: the list, adding one (the browser's ceremony stubbed), renaming and removing (after a confirmation). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { ConfirmProvider } from "@/components/ui/confirm";
import { PasskeysCard } from "./passkeys-card";

import { startRegistration } from "@/test/simplewebauthn-browser";

afterEach(() => {
  cleanup();
  startRegistration.mockReset();
});

const at = new Date("2026-12-18T10:00:00Z");
const laptop = { id: "pkey_laptop", name: "Laptop", createdAt: at, lastUsedAt: null, transports: ["internal"] };
const phone = { id: "pkey_phone", name: "Phone", createdAt: at, lastUsedAt: at, transports: ["hybrid"] };

function renderWith(api: Record<string, (input: unknown) => unknown>, calls: { path: string; input: unknown }[]) {
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
  return render(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, { trpcClient, queryClient, keyPrefix: "app", children: h(ConfirmProvider, null, h(PasskeysCard)) }),
    ),
  );
}

describe("PasskeysCard", () => {
  it("lists the passkeys, adds a named one through the browser's prompt, renames and removes one", async () => {
    const calls: { path: string; input: unknown }[] = [];
    let keys: (typeof laptop | typeof phone)[] = [laptop];
    const response = { id: "cred-id-0123456789abcdef", rawId: "cred-id-0123456789abcdef", type: "public-key", clientExtensionResults: {}, response: {} };
    startRegistration.mockResolvedValue(response);
    renderWith(
      {
        "account.passkeys.list": () => keys,
        "account.passkeys.registrationOptions": () => ({ challenge: "abc", rp: { id: "localhost", name: "Cadre" } }),
        "account.passkeys.register": () => {
          keys = [...keys, phone];
          return phone;
        },
        "account.passkeys.rename": (input) => ({ ...laptop, name: (input as { name: string }).name }),
        "account.passkeys.remove": () => {
          keys = keys.filter((k) => k.id !== laptop.id);
          return { removed: true };
        },
        "account.mfa.status": () => ({ enabled: false, enabledAt: null, recoveryCodesRemaining: 0, required: false, passkeys: keys.length }),
      },
      calls,
    );
    const list = await screen.findByRole("list", { name: "Your passkeys" });
    expect(within(list).getByText("Laptop")).toBeTruthy();

    // a name is required before the browser is asked
    await userEvent.click(screen.getByRole("button", { name: "Add a passkey" }));
    expect(await screen.findByText("Name the passkey")).toBeTruthy();
    expect(startRegistration).not.toHaveBeenCalled();

    await userEvent.type(screen.getByLabelText("Name of the new passkey"), "Phone");
    await userEvent.click(screen.getByRole("button", { name: "Add a passkey" }));
    expect(await within(screen.getByRole("list", { name: "Your passkeys" })).findByText("Phone")).toBeTruthy();
    expect(startRegistration).toHaveBeenCalledWith({ optionsJSON: { challenge: "abc", rp: { id: "localhost", name: "Cadre" } } });
    expect(calls.find((c) => c.path === "account.passkeys.register")?.input).toEqual({ name: "Phone", response });

    await userEvent.click(screen.getByRole("button", { name: "Rename Laptop" }));
    const field = screen.getByLabelText("Passkey name");
    await userEvent.clear(field);
    await userEvent.type(field, "Work laptop");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    await vi.waitFor(() => expect(calls.find((c) => c.path === "account.passkeys.rename")?.input).toEqual({ id: laptop.id, name: "Work laptop" }));

    await userEvent.click(screen.getByRole("button", { name: "Remove Laptop" }));
    await userEvent.click(await screen.findByRole("button", { name: "Remove" }));
    await vi.waitFor(() => expect(calls.find((c) => c.path === "account.passkeys.remove")?.input).toEqual({ id: laptop.id }));
    await vi.waitFor(() => expect(screen.queryByText("Laptop")).toBeNull());
  });

  it("says so when the browser's prompt is cancelled, and registers nothing", async () => {
    const calls: { path: string; input: unknown }[] = [];
    startRegistration.mockRejectedValue(Object.assign(new Error("The operation either timed out or was not allowed."), { name: "NotAllowedError" }));
    renderWith(
      {
        "account.passkeys.list": () => [],
        "account.passkeys.registrationOptions": () => ({ challenge: "abc" }),
      },
      calls,
    );
    expect(await screen.findByText("No passkeys yet.")).toBeTruthy();
    await userEvent.type(screen.getByLabelText("Name of the new passkey"), "Key");
    await userEvent.click(screen.getByRole("button", { name: "Add a passkey" }));
    expect(await screen.findByText("The passkey prompt was cancelled or timed out. Try again.")).toBeTruthy();
    expect(calls.some((c) => c.path === "account.passkeys.register")).toBe(false);
  });
});
