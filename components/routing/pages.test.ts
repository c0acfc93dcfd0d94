/**
 * Smoke test of the Routing page: it renders (server-side, from a filled query cache) with the test ids the e2e
 * journeys use; the decision and run views render a real decision and a real call (the simulator); viewers get
 * no editing, no "Run it" and no preset creation or deletion.
 */
import { describe, expect, it } from "vitest";
import { createElement as h, type ReactElement } from "react";
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
import { RoutingPage } from "./routing-page";
import { DecisionView, RunResultView } from "./route-tester";
import { NewPresetForm } from "./presets-editor";

async function render(ws: TestWorkspace, role: Role, page: () => ReactElement) {
  const owner = callerFor(ws.users.owner, ws.slug);
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  // never called: every query the page makes is in the cache already
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: ws.slug });
  queryClient.setQueryData(trpc.routing.presets.list.queryKey(), await owner.routing.presets.list());
  const workspace: WorkspaceContextValue = {
    slug: ws.slug,
    workspace: {} as WorkspaceContextValue["workspace"],
    role,
    user: { id: ws.users[role].id, email: ws.users[role].email, name: null },
    can: (p) => roleCan(role, p),
  };
  // React separates adjacent text with <!-- --> in server output: drop it so that assertions read like the page
  return renderToString(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, { trpcClient, queryClient, keyPrefix: ws.slug, children: h(WorkspaceContextProvider, { value: workspace }, page()) }),
    ),
  ).replaceAll("<!-- -->", "");
}

describe("Routing page", () => {
  it("an admin sees the tester with Run it and editable presets", async () => {
    const ws = await makeWorkspace("render-routing");
    const html = await render(ws, "admin", () => h(RoutingPage));
    for (const id of [
      "route-tester",
      "route-preset",
      "route-submit",
      "route-run",
      "route-prompt",
      "presets-editor",
      "preset-row",
      "preset-save",
      "preset-min-quality",
      "preset-max-cost",
    ]) {
      expect(html, id).toContain(`data-testid="${id}"`);
    }
    expect(html).toContain('data-preset="fast"');
    expect(html).toContain('data-preset="capable"');
    expect(html).toContain("Preset: balanced");
    // New preset, and Delete on every preset but balanced (the default agent policy)
    expect(html).toContain('data-testid="preset-new"');
    expect(html.match(/data-testid="preset-delete"/g)).toHaveLength(2);
    expect(html.match(/data-testid="preset-default-note"/g)).toHaveLength(1);
  });

  it("the new preset form has a name, a description and the constraint fields", async () => {
    const ws = await makeWorkspace("render-routing");
    const html = await render(ws, "admin", () => h(NewPresetForm, { onDone: () => undefined }));
    for (const id of [
      "preset-new-form",
      "preset-new-name",
      "preset-new-description",
      "preset-new-min-quality",
      "preset-new-max-cost",
      "preset-new-cap-json",
      "preset-create",
    ]) {
      expect(html, id).toContain(`data-testid="${id}"`);
    }
  });

  it("a viewer sees the tester and the presets, but no Run it and no editing", async () => {
    const ws = await makeWorkspace("render-routing");
    const html = await render(ws, "viewer", () => h(RoutingPage));
    expect(html).toContain('data-testid="route-tester"');
    expect(html).toContain('data-testid="preset-row"');
    expect(html).not.toContain('data-testid="route-run"');
    expect(html).not.toContain('data-testid="preset-save"');
    expect(html).not.toContain('data-testid="preset-new"');
    expect(html).not.toContain('data-testid="preset-delete"');
  });

  it("the decision view shows the chosen model, every candidate and its reasons; the run view the answer", async () => {
    const ws = await makeWorkspace("render-routing");
    const owner = callerFor(ws.users.owner, ws.slug);
    const decision = await owner.routing.explain({ policy: { type: "preset", preset: "balanced" }, promptTokens: 1000, maxOutputTokens: 500 });
    const html = await render(ws, "viewer", () => h(DecisionView, { decision }));
    expect(html).toContain('data-testid="route-chosen"');
    expect(html).toContain("Simulator Balanced");
    expect(html).toContain('data-testid="simulator-badge"');
    expect(html.match(/data-testid="route-candidate-row"/g)).toHaveLength(3);
    expect(html).toContain('data-chosen="true"');
    expect(html).toContain("quality 0.4 &lt; minQuality 0.6");

    const result = await owner.routing.try({ policy: { type: "preset", preset: "fast" }, prompt: "hello" });
    const run = await render(ws, "admin", () => h(RunResultView, { result }));
    expect(run).toContain('data-testid="route-run-result"');
    expect(run).toContain("[simulated]");
    expect(run).toContain("1. Simulator Fast: ok");
  });
});
