// @vitest-environment happy-dom
/**
 * The Settings page's step-limit card: it shows the workspace's limit and the server's default and maximum;
 * owners and admins can save it (and are told when a value is out of range), viewers read it without a Save button.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render as rtlRender, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { RunLimits } from "./run-limits";

afterEach(cleanup);

function render(role: Role, runStepLimit: number | null) {
  const queryClient = new QueryClient();
  // never called by these tests: an invalid value is refused before anything is sent
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const workspace: WorkspaceContextValue = {
    slug: "w",
    role,
    user: { id: "usr_1", email: "a@example.com", name: null },
    can: (p) => roleCan(role, p),
    workspace: { runStepLimit, runStepLimitDefault: 500, runStepLimitMax: 10_000 } as unknown as WorkspaceContextValue["workspace"],
  };
  return rtlRender(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, { trpcClient, queryClient, keyPrefix: "w", children: h(WorkspaceContextProvider, { value: workspace }, h(RunLimits)) }),
    ),
  );
}

const limitInput = () => screen.getByRole<HTMLInputElement>("textbox", { name: "Step limit per run" });

describe("Settings: steps per run", () => {
  it("an admin sees the workspace's limit, the server's default and maximum, and a Save button", () => {
    render("admin", 250);
    const input = limitInput();
    expect(input.value).toBe("250");
    expect(input.dataset.testid).toBe("settings-run-step-limit");
    expect(input.readOnly).toBe(false);
    expect(screen.getByText(/Server default: 500; at most 10000\./)).toBeTruthy();
    const save = screen.getByRole<HTMLButtonElement>("button", { name: "Save limit" });
    expect(save.dataset.testid).toBe("settings-run-step-limit-save");
  });

  it("Save is enabled once the value changes; a value above the maximum is refused with a message", async () => {
    render("admin", 250);
    const save = screen.getByRole<HTMLButtonElement>("button", { name: "Save limit" });
    expect(save.disabled).toBe(true);
    expect(screen.queryByRole("alert")).toBeNull();
    const user = userEvent.setup();
    await user.clear(limitInput());
    await user.type(limitInput(), "20000");
    expect(save.disabled).toBe(false);
    await user.click(save);
    expect(screen.getByRole("alert").textContent).toBe("Enter a whole number from 1 to 10000, or leave it empty for the default");
    expect(screen.queryByText("Saved")).toBeNull();
  });

  it("a viewer reads the default, read-only, without a Save button", () => {
    render("viewer", null);
    const input = limitInput();
    expect(input.placeholder).toBe("500 (default)");
    expect(input.value).toBe("");
    expect(input.readOnly).toBe(true);
    expect(screen.queryByRole("button")).toBeNull();
  });
});
