/**
 * Smoke test of the Settings page's egress card: rendered server-side from a filled query cache, it shows the
 * workspace's saved lists; owners and admins can save, viewers read them without a Save button.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { callerFor, makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { EgressSettings } from "./egress-settings";

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await makeWorkspace("egress-ui");
  await callerFor(ws.users.owner, ws.slug).workspaces.updateEgress({ allowHosts: ["api.openai.com", "*.corp.example"], denyHosts: ["bad.example"] });
});

async function render(role: Role) {
  const caller = callerFor(ws.users[role], ws.slug);
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  // never called: the query is in the cache already
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: ws.slug });
  queryClient.setQueryData(trpc.workspaces.egress.queryKey(), await caller.workspaces.egress());
  const workspace: WorkspaceContextValue = {
    slug: ws.slug,
    workspace: {} as WorkspaceContextValue["workspace"],
    role,
    user: { id: ws.users[role].id, email: ws.users[role].email, name: null },
    can: (p) => roleCan(role, p),
  };
  return renderToString(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, { trpcClient, queryClient, keyPrefix: ws.slug, children: h(WorkspaceContextProvider, { value: workspace }, h(EgressSettings)) }),
    ),
  ).replaceAll("<!-- -->", "");
}

describe("Settings: outbound requests", () => {
  it("an admin sees the saved lists and a Save button", async () => {
    const html = await render("admin");
    expect(html).toContain('data-testid="egress-settings"');
    expect(html).toMatch(/data-testid="egress-allow"[^>]*>api\.openai\.com\n\*\.corp\.example<\/textarea>/);
    expect(html).toMatch(/data-testid="egress-deny"[^>]*>bad\.example<\/textarea>/);
    expect(html).toContain('data-testid="egress-save"');
    expect(html).toContain("CADRE_EGRESS_ALLOW");
  });

  it("a viewer reads them, read-only, without a Save button", async () => {
    const html = await render("viewer");
    expect(html).toMatch(/data-testid="egress-allow"[^>]*readOnly=""|readOnly=""[^>]*data-testid="egress-allow"/);
    expect(html).not.toContain('data-testid="egress-save"');
  });
});
