/**
 * Smoke test of the Settings page's step-limit card: it shows the workspace's limit and the server's default and
 * maximum; owners and admins can save it, viewers read it without a Save button.
 */
import { describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { RunLimits } from "./run-limits";

function render(role: Role, runStepLimit: number | null) {
  const queryClient = new QueryClient();
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const workspace: WorkspaceContextValue = {
    slug: "w",
    role,
    user: { id: "usr_1", email: "a@example.com", name: null },
    can: (p) => roleCan(role, p),
    workspace: { runStepLimit, runStepLimitDefault: 500, runStepLimitMax: 10_000 } as unknown as WorkspaceContextValue["workspace"],
  };
  return renderToString(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, { trpcClient, queryClient, keyPrefix: "w", children: h(WorkspaceContextProvider, { value: workspace }, h(RunLimits)) }),
    ),
  ).replaceAll("<!-- -->", "");
}

describe("Settings: steps per run", () => {
  it("an admin sees the workspace's limit, the server's default and maximum, and a Save button", () => {
    const html = render("admin", 250);
    expect(html).toMatch(/data-testid="settings-run-step-limit"[^>]*value="250"|value="250"[^>]*data-testid="settings-run-step-limit"/);
    expect(html).toContain("Server default: 500; at most 10000.");
    expect(html).toContain('data-testid="settings-run-step-limit-save"');
  });

  it("a viewer reads the default, read-only, without a Save button", () => {
    const html = render("viewer", null);
    expect(html).toContain('placeholder="500 (default)"');
    expect(html).toMatch(/readOnly=""/);
    expect(html).not.toContain('data-testid="settings-run-step-limit-save"');
  });
});
