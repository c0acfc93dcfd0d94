// @vitest-environment happy-dom
/**
 * Smoke test of the Routing page: it renders (from a filled query cache) with the test ids the e2e
 * journeys use; the decision and run views render a real decision and a real call (the simulator); viewers get
 * no editing, no "Run it" and no preset creation or deletion.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h, type ReactElement } from "react";
import { cleanup, render as rtlRender, screen } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { ConfirmProvider } from "@/components/ui/confirm";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { callerFor, makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { RoutingPage } from "./routing-page";
import { DecisionView, RunResultView } from "./route-tester";
import { NewPresetForm } from "./presets-editor";

afterEach(cleanup);

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
  return rtlRender(
    h(
      QueryClientProvider,
      { client: queryClient },
      h(TRPCProvider, {
        trpcClient,
        queryClient,
        keyPrefix: ws.slug,
        children: h(ConfirmProvider, null, h(WorkspaceContextProvider, { value: workspace }, page())),
      }),
    ),
  );
}

const present = (id: string) => screen.queryAllByTestId(id).length > 0;
const withAttribute = (id: string, attribute: string) => screen.getAllByTestId(id).map((el) => el.getAttribute(attribute));

describe("Routing page", () => {
  it("an admin sees the tester with Run it and editable presets", async () => {
    const ws = await makeWorkspace("render-routing");
    await render(ws, "admin", () => h(RoutingPage));
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
      expect(present(id), id).toBe(true);
    }
    expect(withAttribute("preset-row", "data-preset")).toEqual(expect.arrayContaining(["fast", "capable"]));
    expect(screen.getAllByText("Preset: balanced").length).toBeGreaterThan(0);
    // New preset, and Delete on every preset but balanced (the default agent policy)
    expect(present("preset-new")).toBe(true);
    expect(screen.getAllByTestId("preset-delete")).toHaveLength(2);
    expect(screen.getAllByTestId("preset-default-note")).toHaveLength(1);
  });

  it("the new preset form has a name, a description and the constraint fields", async () => {
    const ws = await makeWorkspace("render-routing");
    await render(ws, "admin", () => h(NewPresetForm, { onDone: () => undefined }));
    for (const id of [
      "preset-new-form",
      "preset-new-name",
      "preset-new-description",
      "preset-new-min-quality",
      "preset-new-max-cost",
      "preset-new-cap-json",
      "preset-create",
    ]) {
      expect(present(id), id).toBe(true);
    }
  });

  it("a viewer sees the tester and the presets, but no Run it and no editing", async () => {
    const ws = await makeWorkspace("render-routing");
    await render(ws, "viewer", () => h(RoutingPage));
    expect(present("route-tester")).toBe(true);
    expect(present("preset-row")).toBe(true);
    for (const id of ["route-run", "preset-save", "preset-new", "preset-delete"]) expect(present(id), id).toBe(false);
  });

  it("the decision view shows the chosen model, every candidate and its reasons; the run view the answer", async () => {
    const ws = await makeWorkspace("render-routing");
    const owner = callerFor(ws.users.owner, ws.slug);
    const decision = await owner.routing.explain({ policy: { type: "preset", preset: "balanced" }, promptTokens: 1000, maxOutputTokens: 500 });
    const view = await render(ws, "viewer", () => h(DecisionView, { decision }));
    expect(present("route-chosen")).toBe(true);
    expect(screen.getAllByText(/Simulator Balanced/).length).toBeGreaterThan(0);
    expect(present("simulator-badge")).toBe(true);
    expect(screen.getAllByTestId("route-candidate-row")).toHaveLength(3);
    expect(withAttribute("route-candidate-row", "data-chosen")).toContain("true");
    expect(screen.getAllByText(/quality 0\.4 < minQuality 0\.6/).length).toBeGreaterThan(0);
    view.unmount();

    const result = await owner.routing.try({ policy: { type: "preset", preset: "fast" }, prompt: "hello" });
    await render(ws, "admin", () => h(RunResultView, { result }));
    expect(present("route-run-result")).toBe(true);
    expect(screen.getAllByText(/\[simulated\]/).length).toBeGreaterThan(0);
    expect(screen.getAllByText(/1\. Simulator Fast: ok/).length).toBeGreaterThan(0);
  });
});
