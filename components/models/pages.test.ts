// @vitest-environment happy-dom
/**
 * Smoke test of the Providers and Models pages: they render (from a filled query cache) with the test ids the
 * e2e journeys use, and the simulator is labelled wherever it appears.
 */
import { ConfirmProvider } from "@/components/ui/confirm";
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h, type ReactElement } from "react";
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
import { ProvidersPage } from "./providers-page";
import { ModelsPage } from "./models-page";

afterEach(cleanup);

async function render(role: Role, page: () => ReactElement) {
  const ws = await makeWorkspace("render");
  const owner = callerFor(ws.users.owner, ws.slug);
  const local = await owner.providers.create({ name: "Ollama", kind: "openai_compatible", baseUrl: "http://localhost:11434/v1" });
  await owner.models.create({ providerId: local.id, modelId: "llama3.1:8b" });
  const proxy = await owner.providers.create({ name: "Claude proxy", kind: "anthropic", baseUrl: "http://localhost:11435/v1" });
  await owner.models.create({ providerId: proxy.id, modelId: "claude-3-5-sonnet-20241022" });
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  // never called: every query the pages make is in the cache already
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: ws.slug });
  queryClient.setQueryData(trpc.providers.list.queryKey(), await owner.providers.list());
  // the lists page: one page each (the table's first page, the provider form's every secret)
  queryClient.setQueryData(trpc.models.list.infiniteQueryKey({}), { pages: [await owner.models.list({})], pageParams: [null] });
  queryClient.setQueryData(trpc.secrets.list.infiniteQueryKey({ limit: 200 }), { pages: [await owner.secrets.list({ limit: 200 })], pageParams: [null] });
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

/** the elements with a test id, which must be there */
const byTestId = (id: string) => screen.getAllByTestId(id);
const rowsWith = (attribute: string) => screen.getAllByRole("row").map((row) => row.getAttribute(attribute));

describe("Providers and Models pages", () => {
  it("an owner sees the forms, the rows, the actions and the simulator badge", async () => {
    const providers = await render("owner", () => h(ProvidersPage));
    for (const id of [
      "provider-form",
      "provider-kind",
      "provider-name",
      "provider-base-url",
      "provider-secret",
      "provider-local",
      "provider-submit",
      "provider-row",
      "provider-test",
      "provider-test-result",
      "provider-delete",
      "simulator-badge",
    ]) {
      expect(byTestId(id).length, id).toBeGreaterThan(0);
    }
    expect(rowsWith("data-name")).toContain("Ollama");
    expect(screen.getAllByText("Simulator — offline, deterministic, no real model").length).toBeGreaterThan(0);
    providers.unmount();

    const models = await render("owner", () => h(ModelsPage));
    for (const id of [
      "model-form",
      "model-provider",
      "model-id",
      "model-display-name",
      "model-input-price",
      "model-output-price",
      "model-context",
      "model-quality",
      "model-submit",
      "model-row",
      "model-enabled",
      "model-delete",
      "simulator-badge",
      "model-retired",
      "model-quality-source",
    ]) {
      expect(byTestId(id).length, id).toBeGreaterThan(0);
    }
    expect(byTestId("model-retired")[0]?.textContent).toBe("retired on 2025-10-22");
    expect(byTestId("model-quality-source").map((e) => e.textContent)).toContain(
      "Cadre seed estimate: a hand-set relative score, not measured, as of 2025-11-21",
    );
    expect(rowsWith("data-model-id")).toEqual(expect.arrayContaining(["llama3.1:8b", "sim-fast"]));
    expect(screen.getAllByText("Llama 3.1 8B").length).toBeGreaterThan(0);
    models.unmount();
  });

  it("a viewer sees the lists without forms or actions", async () => {
    const providers = await render("viewer", () => h(ProvidersPage));
    expect(byTestId("provider-row").length).toBeGreaterThan(0);
    expect(screen.queryByTestId("provider-form")).toBeNull();
    expect(screen.queryByTestId("provider-test")).toBeNull();
    expect(screen.queryByRole("textbox")).toBeNull();
    providers.unmount();
    await render("viewer", () => h(ModelsPage));
    expect(byTestId("model-row").length).toBeGreaterThan(0);
    expect(screen.queryByTestId("model-form")).toBeNull();
    expect(screen.queryByTestId("model-delete")).toBeNull();
  });
});
