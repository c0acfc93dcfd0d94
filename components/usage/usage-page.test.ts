// @vitest-environment happy-dom
/**
 * The Usage page: the totals and the recent calls (a DataTable) render from the queries with the test ids the e2e
 * journeys use; an empty period says so; a role without usage:read gets no data.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render as rtlRender, screen } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { callerFor, makeWorkspace } from "@/test/helpers";
import { UsagePage } from "./usage-page";

afterEach(cleanup);

async function render(role: Role, { calls, denyUsage = false }: { calls: boolean; denyUsage?: boolean }) {
  const ws = await makeWorkspace("render-usage");
  const owner = callerFor(ws.users.owner, ws.slug);
  if (calls) {
    // a connection test of the simulator is a model call like any other: it is in the ledger
    const simulator = (await owner.providers.list()).find((p) => p.isSimulator)!;
    await owner.providers.test({ providerId: simulator.id });
    await owner.providers.test({ providerId: simulator.id });
  }
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  // never called: every query the page makes is in the cache already
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: ws.slug });
  queryClient.setQueryData(trpc.usage.totals.queryKey({ period: "30d" }), await owner.usage.totals({ period: "30d" }));
  queryClient.setQueryData(trpc.usage.list.infiniteQueryKey({ limit: 25, period: "30d" }), {
    pages: [await owner.usage.list({ limit: 25, period: "30d" })],
    pageParams: [],
  });
  const workspace: WorkspaceContextValue = {
    slug: ws.slug,
    workspace: {} as WorkspaceContextValue["workspace"],
    role,
    user: { id: ws.users[role].id, email: ws.users[role].email, name: null },
    can: (p) => (denyUsage && p === "usage:read" ? false : roleCan(role, p)),
  };
  return rtlRender(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, { trpcClient, queryClient, keyPrefix: ws.slug, children: h(WorkspaceContextProvider, { value: workspace }, h(UsagePage)) }),
    ),
  );
}

describe("Usage page", () => {
  it("shows the totals and a row per model call, with its outcome", async () => {
    await render("owner", { calls: true });
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Usage");
    expect(screen.getByTestId("usage-total-calls").textContent).toBe("2");
    const rows = screen.getAllByTestId("usage-row");
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.tagName === "TR" && r.getAttribute("data-outcome") === "ok")).toBe(true);
    expect(screen.getAllByText("simulator").length).toBeGreaterThan(0);
    expect(screen.getByTestId("usage-table-columns")).toBeTruthy();
    expect(screen.queryByTestId("usage-empty")).toBeNull();
    // the connection tests are calls of no run: the chart per source has them apart
    expect(screen.getByTestId("usage-chart-channel")).toBeTruthy();
  });

  it("says when the period has no calls", async () => {
    await render("owner", { calls: false });
    expect(screen.getByTestId("usage-total-calls").textContent).toBe("0");
    expect(screen.getByTestId("usage-empty").textContent).toContain("No model calls in this period");
    expect(screen.queryByTestId("usage-row")).toBeNull();
  });

  it("a role without usage:read sees no figures", async () => {
    await render("viewer", { calls: true, denyUsage: true });
    expect(screen.getByTestId("usage-no-access")).toBeTruthy();
    expect(screen.queryByTestId("usage-row")).toBeNull();
    expect(screen.queryByTestId("usage-total-calls")).toBeNull();
  });
});
