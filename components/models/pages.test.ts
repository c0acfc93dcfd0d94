// @vitest-environment happy-dom
/**
 * The Providers and Models pages: their tables render (from a filled query cache) with the test ids the e2e journeys
 * use, the simulator is labelled wherever it appears, the "New …" dialogs create through the real router (a local
 * link) and close, and roles that cannot manage models get no create button or row actions.
 */
import { ConfirmProvider } from "@/components/ui/confirm";
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h, type ReactElement } from "react";
import { cleanup, render as rtlRender, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, unstable_localLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import { type AppRouter, appRouter } from "@/server/api/root";
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
  // the pages' first queries are in the cache already; mutations and refetches go to the router as this role
  const user = ws.users[role];
  const trpcClient = createTRPCClient<AppRouter>({
    links: [
      unstable_localLink({
        router: appRouter,
        transformer: superjson,
        createContext: async () => ({ requestId: `req_render${Date.now()}`, user, workspaceSlug: ws.slug, origin: "http://localhost:3000" }),
      }),
    ],
  });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: ws.slug });
  queryClient.setQueryData(trpc.providers.list.queryKey(), await owner.providers.list());
  // the lists page: one page each (the table's first page, the provider form's every secret); no page params: a refetch starts at the first page
  queryClient.setQueryData(trpc.models.list.infiniteQueryKey({}), { pages: [await owner.models.list({})], pageParams: [] });
  queryClient.setQueryData(trpc.secrets.list.infiniteQueryKey({ limit: 200 }), { pages: [await owner.secrets.list({ limit: 200 })], pageParams: [] });
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

const open = async (testId: string) => {
  await userEvent.setup().click(screen.getByTestId(testId));
  return screen.getByRole("dialog");
};

describe("Providers and Models pages", () => {
  it("an owner sees the rows, the actions and the simulator badge, and the forms in the New dialogs", async () => {
    const providers = await render("owner", () => h(ProvidersPage));
    for (const id of ["provider-row", "provider-test", "provider-test-result", "provider-delete", "simulator-badge"]) {
      expect(byTestId(id).length, id).toBeGreaterThan(0);
    }
    expect(rowsWith("data-name")).toEqual(expect.arrayContaining(["Ollama", "Claude proxy"]));
    expect(screen.getAllByText("Simulator — offline, deterministic, no real model").length).toBeGreaterThan(0);
    expect(screen.queryByTestId("provider-form")).toBeNull();
    const providerDialog = await open("provider-new");
    for (const id of ["provider-form", "provider-kind", "provider-name", "provider-base-url", "provider-secret", "provider-local", "provider-submit"]) {
      expect(within(providerDialog).getAllByTestId(id).length, id).toBeGreaterThan(0);
    }
    providers.unmount();

    const models = await render("owner", () => h(ModelsPage));
    for (const id of ["model-row", "model-enabled", "model-delete", "simulator-badge", "model-retired", "model-quality-source", "models-routing-link"]) {
      expect(byTestId(id).length, id).toBeGreaterThan(0);
    }
    expect(byTestId("model-retired")[0]?.textContent).toBe("retired on 2025-10-22");
    expect(byTestId("model-quality-source").map((e) => e.textContent)).toContain(
      "Cadre seed estimate: a hand-set relative score, not measured, as of 2025-11-21",
    );
    expect(rowsWith("data-model-id")).toEqual(expect.arrayContaining(["llama3.1:8b", "sim-fast", "claude-3-5-sonnet-20241022"]));
    expect(screen.getAllByText("Llama 3.1 8B").length).toBeGreaterThan(0);
    const modelDialog = await open("model-new");
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
    ]) {
      expect(within(modelDialog).getAllByTestId(id).length, id).toBeGreaterThan(0);
    }
    models.unmount();
  });

  it("the New provider dialog creates a provider, closes, and the table shows it", async () => {
    const user = userEvent.setup();
    await render("owner", () => h(ProvidersPage));
    const dialog = await open("provider-new");
    await user.selectOptions(within(dialog).getByTestId("provider-kind"), "openai_compatible");
    await user.type(within(dialog).getByTestId("provider-name"), "Local vLLM");
    await user.type(within(dialog).getByTestId("provider-base-url"), "http://localhost:8000/v1");
    // a local address: marked local until the person decides
    expect((within(dialog).getByTestId("provider-local") as HTMLInputElement).checked).toBe(true);
    await user.click(within(dialog).getByTestId("provider-submit"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(rowsWith("data-name")).toContain("Local vLLM"));
  });

  it("the New provider dialog shows the schema's errors on the fields and does not close", async () => {
    const user = userEvent.setup();
    await render("owner", () => h(ProvidersPage));
    const dialog = await open("provider-new");
    await user.type(within(dialog).getByTestId("provider-base-url"), "not a url");
    await user.click(within(dialog).getByTestId("provider-submit"));
    await waitFor(() => expect(within(dialog).getByTestId("provider-name").getAttribute("aria-invalid")).toBe("true"));
    expect(within(dialog).getByTestId("provider-base-url").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByRole("dialog")).toBeTruthy();
  });

  it("the New model dialog adds a model to the catalog, closes, and the table shows it", async () => {
    const user = userEvent.setup();
    await render("owner", () => h(ModelsPage));
    const dialog = await open("model-new");
    await user.selectOptions(within(dialog).getByTestId("model-provider"), "Ollama (OpenAI-compatible)");
    await user.type(within(dialog).getByTestId("model-id"), "stub-large");
    await user.type(within(dialog).getByTestId("model-display-name"), "Stub Large");
    await user.type(within(dialog).getByTestId("model-input-price"), "1");
    await user.type(within(dialog).getByTestId("model-output-price"), "2");
    await user.type(within(dialog).getByTestId("model-context"), "32000");
    await user.type(within(dialog).getByTestId("model-quality"), "0.95");
    await user.click(within(dialog).getByTestId("model-submit"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(rowsWith("data-model-id")).toContain("stub-large"));
  });

  it("a viewer sees the lists without create buttons, forms or actions", async () => {
    const providers = await render("viewer", () => h(ProvidersPage));
    expect(byTestId("provider-row").length).toBeGreaterThan(0);
    expect(screen.queryByTestId("provider-new")).toBeNull();
    expect(screen.queryByRole("button", { name: /new provider/i })).toBeNull();
    expect(screen.queryByTestId("provider-form")).toBeNull();
    expect(screen.queryByTestId("provider-test")).toBeNull();
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(byTestId("provider-enabled").every((e) => (e as HTMLInputElement).disabled)).toBe(true);
    providers.unmount();
    await render("viewer", () => h(ModelsPage));
    expect(byTestId("model-row").length).toBeGreaterThan(0);
    expect(screen.queryByTestId("model-new")).toBeNull();
    expect(screen.queryByTestId("model-form")).toBeNull();
    expect(screen.queryByTestId("model-delete")).toBeNull();
    expect(screen.queryByTestId("model-quality-edit")).toBeNull();
  });
});
