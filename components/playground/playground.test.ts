// @vitest-environment happy-dom
/**
 * The playground in a DOM (Testing Library), its tRPC calls answered by the real API in process (a link onto the
 * server caller of the rendered role) and its runs executed by the in-process executor on the simulator. Without an
 * EventSource the answer is read by polling the run's events (the hook's fallback). A member sends a message with
 * Enter: it becomes an ordinary run (in runs.list, with the message as its input), the answer appears with its model,
 * cost and a link to the run, and the conversation is kept in localStorage; "New conversation" clears it. With the
 * transcript switch on, the next message carries the earlier turns. A viewer sees the page with the composer disabled;
 * a workspace without agents or teams gets the empty state.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { act, cleanup, fireEvent, render as rtlRender, screen } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { conversationKey, parseConversation } from "@/lib/playground";
import { callerFor } from "@/test/helpers";
import { addAgent, addTeam, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { updateAgent } from "@/server/agents/service";
import { settleObservations } from "@/server/models/gateway";
import { PlaygroundPage } from "./playground-page";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: () => {}, replace: () => {}, refresh: () => {}, back: () => {}, forward: () => {}, prefetch: () => {} }),
  usePathname: () => "/",
  useSearchParams: () => new URLSearchParams("target=agent:writer"),
}));

let rw: RunWorkspace;
let executor: Executor;

beforeAll(async () => {
  rw = await makeRunWorkspace("render-playground");
  executor = startExecutor({ workspaceIds: [rw.ws.id], pollMs: 50, leaseMs: 5_000 });
  await addAgent(rw.ctx, "writer");
  await addAgent(rw.ctx, "editor");
  await addTeam(rw.ctx, "pair", { topology: "sequential", agents: ["writer", "editor"] });
});

beforeEach(() => {
  window.localStorage.clear();
  // no stream: the answer is read by polling runs.events
  vi.stubGlobal("EventSource", undefined);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

afterAll(async () => {
  await executor?.stop();
  await settleObservations();
});

/** A link that answers every call with the server caller of `role` (no HTTP, no serialisation). */
function callerLink(ws: RunWorkspace["ws"], role: Role): TRPCLink<AppRouter> {
  const caller = callerFor(ws.users[role], ws.slug) as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
  return () =>
    ({ op }) =>
      observable((observer) => {
        const [router, proc] = op.path.split(".") as [string, string];
        caller[router]![proc]!(op.input).then(
          (data) => {
            observer.next({ result: { type: "data", data } });
            observer.complete();
          },
          (error) => observer.error(error),
        );
      });
}

function render(role: Role, ws: RunWorkspace["ws"] = rw.ws) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const trpcClient = createTRPCClient<AppRouter>({ links: [callerLink(ws, role)] });
  createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: ws.slug });
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
      h(TRPCProvider, { trpcClient, queryClient, keyPrefix: ws.slug, children: h(WorkspaceContextProvider, { value: workspace }, h(PlaygroundPage)) }),
    ),
  );
}

const enter = (el: HTMLElement) => act(() => void fireEvent.keyDown(el, { key: "Enter" }));

describe("Playground", () => {
  it("a member sends a message with Enter; it runs as an ordinary run and the answer shows with its model, cost and run", async () => {
    render("member");
    const target = (await screen.findByTestId("playground-target", {}, { timeout: 10_000 })) as HTMLSelectElement;
    expect(target.value).toBe("agent:writer");
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    expect(box.disabled).toBe(false);
    fireEvent.change(box, { target: { value: "Say hello." } });
    enter(box);
    expect(await screen.findByTestId("playground-user-turn", {}, { timeout: 5_000 })).toBeTruthy();
    const answer = await screen.findByTestId("playground-answer", {}, { timeout: 20_000 });
    expect(answer.getAttribute("data-status")).toBe("succeeded");
    expect(screen.getByTestId("playground-answer-model").textContent).toBeTruthy();
    expect(screen.getByTestId("playground-answer-cost").textContent).toMatch(/\$/);
    const runs = await callerFor(rw.ws.users.owner, rw.ws.slug).runs.list({ limit: 25 });
    const run = runs.items.find((r) => screen.getByTestId("playground-answer-run").getAttribute("href")?.endsWith(`/runs/${r.id}`));
    expect(run).toBeTruthy();
    const detail = await callerFor(rw.ws.users.owner, rw.ws.slug).runs.get({ runId: run!.id });
    expect(detail.input).toBe("Say hello.");
    // kept in the browser per person, workspace and target
    const key = conversationKey(rw.ws.users.member.id, rw.ws.slug, "agent:writer");
    expect(parseConversation(window.localStorage.getItem(key)).map((t) => t.role)).toEqual(["user", "assistant"]);

    // the next message carries the conversation so far (the switch is on by default)
    fireEvent.change(box, { target: { value: "And again." } });
    enter(box);
    await vi.waitFor(() => expect(screen.getAllByTestId("playground-answer")).toHaveLength(2), { timeout: 20_000 });
    const second = (await callerFor(rw.ws.users.owner, rw.ws.slug).runs.list({ limit: 25 })).items.find((r) => r.id !== run!.id)!;
    const secondDetail = await callerFor(rw.ws.users.owner, rw.ws.slug).runs.get({ runId: second.id });
    expect(secondDetail.input).toContain("User: Say hello.");
    expect(secondDetail.input).toContain("And again.");

    act(() => void fireEvent.click(screen.getByTestId("playground-new")));
    expect(screen.queryAllByTestId("playground-answer")).toHaveLength(0);
    expect(window.localStorage.getItem(key)).toBeNull();
  }, 60_000);

  it("tries an earlier version of the target", async () => {
    await updateAgent(rw.ctx, "editor", { instructions: "Version two." });
    render("member");
    const target = (await screen.findByTestId("playground-target", {}, { timeout: 10_000 })) as HTMLSelectElement;
    act(() => void fireEvent.change(target, { target: { value: "agent:editor" } }));
    const version = screen.getByTestId("playground-version") as HTMLSelectElement;
    await vi.waitFor(() => expect([...version.options].map((o) => o.textContent)).toEqual(["Current (v2)", "v1"]));
    act(() => void fireEvent.change(version, { target: { value: "1" } }));
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "Which version?" } });
    enter(box);
    await screen.findByTestId("playground-answer", {}, { timeout: 20_000 });
    const runs = await callerFor(rw.ws.users.owner, rw.ws.slug).runs.list({ limit: 50 });
    const run = runs.items.find((r) => screen.getByTestId("playground-answer-run").getAttribute("href")?.endsWith(`/runs/${r.id}`))!;
    expect(run.agent).toMatchObject({ slug: "editor", version: 1 });
    // another target starts again from its current version
    act(() => void fireEvent.change(target, { target: { value: "agent:writer" } }));
    expect(version.value).toBe("");
  }, 60_000);

  it("a workspace with nothing to talk to shows the empty state with a link to create an agent", async () => {
    const empty = await makeRunWorkspace("render-playground-empty");
    render("member", empty.ws);
    const state = await screen.findByTestId("playground-empty", {}, { timeout: 10_000 });
    expect(state.querySelector(`a[href="/w/${empty.ws.slug}/agents"]`)).not.toBeNull();
    expect(screen.queryByTestId("playground-message")).toBeNull();
  });

  it("a viewer sees the page with the composer disabled and why", async () => {
    render("viewer");
    await screen.findByTestId("playground-target", {}, { timeout: 10_000 });
    expect((screen.getByLabelText("Message") as HTMLTextAreaElement).disabled).toBe(true);
    expect(screen.getByText(/Your role cannot start runs/)).toBeTruthy();
    expect((screen.getByTestId("playground-send") as HTMLButtonElement).disabled).toBe(true);
  });
});
