// @vitest-environment happy-dom
/**
 * The Settings page's egress card: rendered from a filled query cache, it shows the workspace's saved lists;
 * owners and admins can save once they change a list, viewers read them without a Save button.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render as rtlRender, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
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

afterEach(cleanup);

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
  return rtlRender(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, { trpcClient, queryClient, keyPrefix: ws.slug, children: h(WorkspaceContextProvider, { value: workspace }, h(EgressSettings)) }),
    ),
  );
}

const list = (name: string) => screen.getByRole<HTMLTextAreaElement>("textbox", { name });

describe("Settings: outbound requests", () => {
  it("an admin sees the saved lists and a Save button that is enabled once a list changes", async () => {
    const { container } = await render("admin");
    expect(container.querySelector('[data-testid="egress-settings"]')).not.toBeNull();
    const allow = list("Allowed hosts");
    expect(allow.value).toBe("api.openai.com\n*.corp.example");
    expect(allow.dataset.testid).toBe("egress-allow");
    expect(allow.readOnly).toBe(false);
    const deny = list("Denied hosts");
    expect(deny.value).toBe("bad.example");
    expect(deny.dataset.testid).toBe("egress-deny");
    expect(screen.getAllByText(/CADRE_EGRESS_ALLOW/).length).toBeGreaterThan(0);
    const save = screen.getByRole<HTMLButtonElement>("button", { name: "Save lists" });
    expect(save.dataset.testid).toBe("egress-save");
    expect(save.disabled).toBe(true);
    await userEvent.setup().type(deny, "\nworse.example");
    expect(save.disabled).toBe(false);
  });

  it("a viewer reads them, read-only, without a Save button", async () => {
    await render("viewer");
    expect(list("Allowed hosts").readOnly).toBe(true);
    expect(list("Denied hosts").readOnly).toBe(true);
    expect(list("Allowed hosts").value).toBe("api.openai.com\n*.corp.example");
    expect(screen.queryByRole("button")).toBeNull();
  });
});
