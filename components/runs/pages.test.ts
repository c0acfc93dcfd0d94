/**
 * Smoke test of the run pages: the runs list, the start-run form and the live run page render (server-side, from a
 * filled query cache, with real runs executed by the in-process executor on the simulator) with the test ids the
 * e2e journeys use. Before any live event arrives, the run page already shows the fetched run: status, progress,
 * node states from its steps, output and steps. Viewers get no form and no Cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createElement as h, type ReactElement } from "react";
import { renderToString } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import { AppRouterContext, type AppRouterInstance } from "next/dist/shared/lib/app-router-context.shared-runtime";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { callerFor } from "@/test/helpers";
import { addAgent, addTeam, makeRunWorkspace, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { settleObservations } from "@/server/models/gateway";
import { RunsPage } from "./runs-page";
import { RunPage } from "./run-page";
import { StartRunForm } from "./start-run-form";

let rw: RunWorkspace;
let executor: Executor;
let teamRunId: string;
let agentRunId: string;
let gatedRunId: string;

beforeAll(async () => {
  rw = await makeRunWorkspace("render-runs");
  executor = startExecutor({ workspaceIds: [rw.ws.id], pollMs: 50, leaseMs: 5_000 });
  await addAgent(rw.ctx, "writer");
  await addAgent(rw.ctx, "editor");
  await addTeam(rw.ctx, "pair", { topology: "sequential", agents: ["writer", "editor"] });
  const owner = callerFor(rw.ws.users.owner, rw.ws.slug);
  teamRunId = (await owner.runs.start({ team: "pair", input: "Write a short note about queues." })).id;
  agentRunId = (await owner.runs.start({ agent: "writer", input: "Say hello." })).id;
  // the simulator's checker asks for one revision, then approves (its decision schedule)
  await addTeam(rw.ctx, "gated", { topology: "maker_checker", maker: "writer", checkers: ["editor"], maxIterations: 2 });
  gatedRunId = (await owner.runs.start({ team: "gated", input: "Write a line." })).id;
  await waitForRun(teamRunId);
  await waitForRun(agentRunId);
  await waitForRun(gatedRunId);
});

afterAll(async () => {
  await executor?.stop();
  await settleObservations();
});

async function render(role: Role, page: () => ReactElement) {
  const ws = rw.ws;
  const owner = callerFor(ws.users.owner, ws.slug);
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  // never called: every query the pages make is in the cache already
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: ws.slug });
  queryClient.setQueryData(trpc.routing.presets.list.queryKey(), await owner.routing.presets.list());
  // the pickers read every page of teams and agents
  queryClient.setQueryData(trpc.teams.list.infiniteQueryKey({ limit: 200 }), { pages: [await owner.teams.list({ limit: 200 })], pageParams: [null] });
  queryClient.setQueryData(trpc.agents.list.infiniteQueryKey({ limit: 200 }), { pages: [await owner.agents.list({ limit: 200 })], pageParams: [null] });
  const team = await owner.teams.get({ team: "pair" });
  queryClient.setQueryData(
    trpc.teams.version.queryKey({ team: team.id, version: team.currentVersion }),
    await owner.teams.version({ team: team.id, version: team.currentVersion }),
  );
  for (const runId of [teamRunId, agentRunId, gatedRunId]) queryClient.setQueryData(trpc.runs.get.queryKey({ runId }), await owner.runs.get({ runId }));
  const list = await owner.runs.list({ limit: 25 });
  queryClient.setQueryData(
    trpc.runs.list.infiniteQueryKey({ limit: 25, team: undefined, agent: undefined, status: undefined, from: undefined, to: undefined }),
    { pages: [list], pageParams: [null] },
  );
  const workspace: WorkspaceContextValue = {
    slug: ws.slug,
    workspace: {} as WorkspaceContextValue["workspace"],
    role,
    user: { id: ws.users[role].id, email: ws.users[role].email, name: null },
    can: (p) => roleCan(role, p),
  };
  // React separates adjacent text with <!-- --> in server output: drop it so that assertions read like the page
  const router = {
    push: () => {},
    replace: () => {},
    refresh: () => {},
    back: () => {},
    forward: () => {},
    prefetch: () => {},
  } as unknown as AppRouterInstance;
  return renderToString(
    h(
      AppRouterContext.Provider,
      { value: router },
      h(
        QueryClientProvider,
        { client: queryClient },
        h(TRPCProvider, { trpcClient, queryClient, keyPrefix: ws.slug, children: h(WorkspaceContextProvider, { value: workspace }, page()) }),
      ),
    ),
  ).replaceAll("<!-- -->", "");
}

const count = (html: string, testId: string) => html.split(`data-testid="${testId}"`).length - 1;

describe("Runs list", () => {
  it("a member sees the start form, the filters and a row per run with status and target", async () => {
    const html = await render("member", () => h(RunsPage));
    for (const id of [
      "run-form",
      "run-target",
      "run-input",
      "run-budget",
      "run-policy",
      "run-submit",
      "runs-filter-team",
      "runs-filter-agent",
      "runs-filter-status",
      "runs-filter-from",
      "runs-filter-to",
      "run-row",
    ]) {
      expect(html, id).toContain(`data-testid="${id}"`);
    }
    expect(count(html, "run-row")).toBe(3);
    expect(html).not.toContain('data-testid="run-row-outcome"'); // only unmet outcomes are flagged in the list
    expect(html).toContain(`data-run-id="${teamRunId}"`);
    expect(html).toContain('data-status="succeeded"');
    expect(html).toContain('data-target-slug="pair"');
    expect(html).toContain("Write a short note about queues.");
    expect(html).toContain("Preset: balanced");
  });

  it("a viewer sees the list but no start form", async () => {
    const html = await render("viewer", () => h(RunsPage));
    expect(html).toContain('data-testid="run-row"');
    expect(html).not.toContain('data-testid="run-form"');
  });

  it("the start form targets what it is given, and renders nothing for a viewer", async () => {
    const html = await render("member", () => h(StartRunForm, { target: { agent: "writer" } }));
    expect(html).toContain('data-testid="run-form"');
    expect(html).toContain("agent writer");
    expect(await render("viewer", () => h(StartRunForm, { target: { team: "pair" } }))).toBe("");
  });
});

describe("Run page", () => {
  it("a finished team run: status, progress at 100%, totals, the graph with every node done, the output and two steps", async () => {
    const html = await render("member", () => h(RunPage, { runId: teamRunId }));
    expect(html).toMatch(/data-testid="run-status"[^>]*>succeeded</);
    expect(html).toMatch(/data-testid="run-progress"[^>]*aria-valuenow="100"/);
    for (const id of ["run-elapsed", "run-cost", "run-graph", "run-output", "run-step-row", "run-step-expand"])
      expect(html, id).toContain(`data-testid="${id}"`);
    expect(html).not.toContain('data-testid="run-cancel"');
    expect(html).not.toContain('data-testid="run-live-output"');
    expect(html).not.toContain('data-testid="run-error"');
    expect(html).toContain("[simulated]");
    expect(count(html, "run-step-row")).toBe(2);
    expect(html).toContain('data-step-id="s0"');
    expect(html).toContain("writer@v1");
    expect(html).toContain("editor@v1");
    // the topology of the pinned version; nodes done from the recorded steps, before any live event
    const nodes = [...html.matchAll(/data-testid="run-graph-node" data-node-id="([^"]+)" data-state="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(nodes)).toEqual({ input: "done", s0: "done", s1: "done", output: "done" });
  });

  it("a maker-checker run shows its outcome: approved after 2 iterations (the simulator asks for one revision)", async () => {
    const html = await render("viewer", () => h(RunPage, { runId: gatedRunId }));
    expect(html).toMatch(/data-testid="run-outcome"[^>]*>.*approved after 2 iterations</);
    expect(html).toContain('data-met="true"');
    const plain = await render("viewer", () => h(RunPage, { runId: teamRunId }));
    expect(plain).not.toContain('data-testid="run-outcome"'); // a sequential team has no gate to show
  });

  it("a single-agent run is drawn input -> agent -> output", async () => {
    const html = await render("viewer", () => h(RunPage, { runId: agentRunId }));
    const nodes = [...html.matchAll(/data-testid="run-graph-node" data-node-id="([^"]+)" data-state="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(nodes)).toEqual({ input: "done", agent: "done", output: "done" });
    expect(count(html, "run-step-row")).toBe(1);
  });
});
