// @vitest-environment happy-dom
/**
 * Smoke test of the Agents and Teams pages: they render (from a filled query cache) with the test
 * ids the e2e journeys use; viewers get no forms to save with. Plus the pure helpers of the spec editor.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h, type ReactElement } from "react";
import { cleanup, fireEvent, render as rtlRender, screen } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { TRPCProvider } from "@/lib/trpc/react";
import { ConfirmProvider } from "@/components/ui/confirm";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { BASE_TOPOLOGIES, topologySpecSchema, TOPOLOGIES } from "@/lib/schemas/topology";
import { callerFor, makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { AgentsPage } from "@/components/agents/agents-page";
import { AgentDetailPage } from "@/components/agents/agent-detail-page";
import { TeamsPage } from "./teams-page";
import { TeamDetailPage } from "./team-detail-page";
import { draftRefs, resizeGrid, setIn, starterSpec } from "./spec-draft";

// no app router outside Next: the pages only navigate after a save

afterEach(cleanup);

async function setup() {
  const ws = await makeWorkspace("render-teams");
  const owner = callerFor(ws.users.owner, ws.slug);
  await owner.agents.create({ slug: "writer", name: "Writer", instructions: "one\ntwo" });
  await owner.agents.update({ agent: "writer", instructions: "one\nthree" });
  await owner.agents.create({ slug: "critic", name: "Critic" });
  await owner.teams.create({ slug: "duo", name: "Duo", spec: { topology: "maker_checker", maker: "writer", checkers: ["critic"] } });
  await owner.teams.update({ team: "duo", spec: { topology: "maker_checker", maker: "writer", checkers: ["critic"], maxIterations: 5 } });
  return ws;
}

async function render(ws: TestWorkspace, role: Role, page: () => ReactElement) {
  const owner = callerFor(ws.users.owner, ws.slug);
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: ws.slug });
  const agent = await owner.agents.get({ agent: "writer" });
  const team = await owner.teams.get({ team: "duo" });
  const onePage = <T>(page: T) => ({ pages: [page], pageParams: [null] });
  // the tables show their first page; the team editor reads every page (limit 200)
  queryClient.setQueryData(trpc.agents.list.infiniteQueryKey({ includeArchived: false }), onePage(await owner.agents.list({ includeArchived: false })));
  queryClient.setQueryData(trpc.agents.list.infiniteQueryKey({ limit: 200 }), onePage(await owner.agents.list({ limit: 200 })));
  queryClient.setQueryData(trpc.agents.get.queryKey({ agent: "writer" }), agent);
  queryClient.setQueryData(trpc.agents.versions.infiniteQueryKey({ agent: agent.id }), onePage(await owner.agents.versions({ agent: agent.id })));
  queryClient.setQueryData(trpc.agents.diff.queryKey({ agent: agent.id, from: 1, to: 2 }), await owner.agents.diff({ agent: agent.id, from: 1, to: 2 }));
  queryClient.setQueryData(trpc.teams.list.infiniteQueryKey({ includeArchived: false }), onePage(await owner.teams.list({ includeArchived: false })));
  queryClient.setQueryData(trpc.teams.list.infiniteQueryKey({ limit: 200 }), onePage(await owner.teams.list({ limit: 200 })));
  queryClient.setQueryData(trpc.teams.get.queryKey({ team: "duo" }), team);
  queryClient.setQueryData(trpc.teams.versions.infiniteQueryKey({ team: team.id }), onePage(await owner.teams.versions({ team: team.id })));
  queryClient.setQueryData(trpc.teams.diff.queryKey({ team: team.id, from: 1, to: 2 }), await owner.teams.diff({ team: team.id, from: 1, to: 2 }));
  queryClient.setQueryData(trpc.teams.validate.queryKey({ spec: team.spec, team: team.id }), {
    valid: false,
    issues: [{ path: "spec.checkers.0", message: "An example problem" }],
  });
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

const has = (id: string) => screen.queryAllByTestId(id).length > 0;
const attributes = (id: string, attribute: string) => screen.getAllByTestId(id).map((el) => el.getAttribute(attribute));

describe("Agents pages", () => {
  it("a member sees the list and the new-agent form; the agent page has the edit form, history and diff", async () => {
    const ws = await setup();
    await render(ws, "member", () => h(AgentsPage));
    expect(has("agent-row")).toBe(true);
    // the create form is in a dialog behind "New agent"
    expect(has("agent-form")).toBe(false);
    fireEvent.click(screen.getByTestId("agent-new"));
    for (const id of [
      "agent-row",
      "agent-form",
      "agent-slug",
      "agent-name",
      "agent-role",
      "agent-instructions",
      "agent-policy-preset",
      "agent-max-tokens",
      "agent-temperature",
      "agent-submit",
    ]) {
      expect(has(id), id).toBe(true);
    }
    expect(attributes("agent-row", "data-slug")).toEqual(expect.arrayContaining(["writer", "critic"]));

    cleanup();
    const detail = await render(ws, "member", () => h(AgentDetailPage, { agent: "writer" }));
    for (const id of ["agent-form", "agent-name", "agent-instructions", "agent-submit", "agent-version-row", "agent-diff", "agent-archive"])
      expect(has(id), id).toBe(true);
    expect(has("agent-slug")).toBe(false); // a slug never changes
    expect(screen.getAllByTestId("agent-version-row")).toHaveLength(2);
    // the version that is not current can be restored; the current one cannot
    expect(screen.getAllByTestId("version-restore")).toHaveLength(1);
    expect(screen.getByTestId("version-restore").closest("[data-version]")?.getAttribute("data-version")).toBe("1");
    expect(detail.container.querySelector('[data-op="remove"]')).not.toBeNull();
    expect(screen.getAllByText(/three/).length).toBeGreaterThan(0);
  });

  it("a viewer reads but gets no form to create, save or archive", async () => {
    const ws = await setup();
    await render(ws, "viewer", () => h(AgentsPage));
    expect(has("agent-row")).toBe(true);
    expect(has("agent-new")).toBe(false);
    expect(has("agent-form")).toBe(false);
    cleanup();
    await render(ws, "viewer", () => h(AgentDetailPage, { agent: "writer" }));
    expect(has("agent-form")).toBe(true); // read-only
    expect(has("agent-submit")).toBe(false);
    expect(has("agent-archive")).toBe(false);
    expect(has("version-restore")).toBe(false);
    expect(has("agent-diff")).toBe(true);
  });
});

describe("Teams pages", () => {
  it("a member sees the list and the new-team form; the team page has the graph, the editor, problems, history and diff", async () => {
    const ws = await setup();
    await render(ws, "member", () => h(TeamsPage));
    expect(has("team-form")).toBe(false);
    fireEvent.click(screen.getByTestId("team-new"));
    for (const id of ["team-row", "team-form", "team-slug", "team-name", "team-json", "team-problems", "team-submit"]) expect(has(id), id).toBe(true);
    expect(attributes("team-row", "data-slug")).toContain("duo");

    cleanup();
    const detail = await render(ws, "member", () => h(TeamDetailPage, { team: "duo" }));
    for (const id of [
      "team-graph",
      "team-form",
      "team-topology",
      "team-agent-select",
      "team-rounds",
      "team-on-unmet",
      "team-json",
      "team-json-apply",
      "team-problems",
      "team-problem",
      "team-quality-gate",
      "team-agent-gates",
      "team-submit",
      "team-version-row",
      "team-diff",
    ]) {
      expect(has(id), id).toBe(true);
    }
    // a maker-checker's unmet gate fails the run unless the spec says otherwise
    expect(screen.getByTestId<HTMLSelectElement>("team-on-unmet").value).toBe("fail");
    // context budget: cut fairly unless the spec says otherwise; "keep the last few" writes the option with its count
    expect(screen.getByTestId<HTMLSelectElement>("team-context-budget").value).toBe("truncate");
    expect(has("team-context-keep")).toBe(false);
    fireEvent.change(screen.getByTestId("team-context-budget"), { target: { value: "last_k" } });
    expect(screen.getByTestId<HTMLInputElement>("team-context-keep").value).toBe("3");
    expect(JSON.parse(screen.getByTestId<HTMLTextAreaElement>("team-json").value).contextBudget).toEqual({ strategy: "last_k", keep: 3 });
    // one select per agent slot, in order: maker, then the checkers
    expect(attributes("team-agent-select", "data-path")).toEqual(["maker", "checkers.0"]);
    expect(detail.container.querySelector('[data-count="1"]')).not.toBeNull();
    expect(screen.getAllByText(/spec\.checkers\.0/).length).toBeGreaterThan(0);
    // the graph: React Flow renders the nodes of topologyGraph server-side too
    expect(attributes("team-graph-node", "data-node-id")).toEqual(["input", "maker", "checker0", "output"]);
    // a brief per node of the graph (what it is for, what it must produce)
    expect(has("team-briefs")).toBe(true);
    expect(attributes("team-brief-task", "data-node")).toEqual(["maker", "checker0"]);
    expect(attributes("team-brief-expected", "data-node")).toEqual(["maker", "checker0"]);
  });

  it("a viewer reads the team and its graph but gets no save, JSON apply or archive", async () => {
    const ws = await setup();
    cleanup();
    await render(ws, "viewer", () => h(TeamDetailPage, { team: "duo" }));
    expect(has("team-graph")).toBe(true);
    expect(has("team-submit")).toBe(false);
    expect(has("team-json-apply")).toBe(false);
    expect(has("team-archive")).toBe(false);
    // a read-only view, not a disabled form: what the team is and who plays which part, the spec as text
    expect(has("team-spec-view")).toBe(true);
    expect(has("team-json")).toBe(false);
    expect(has("team-agent-select")).toBe(false);
    expect(screen.getByTestId("team-spec-topology").textContent).toContain("Maker-checker");
    expect(attributes("team-spec-member", "data-node-id")).toEqual(["maker", "checker0"]);
    expect(JSON.parse(screen.getByTestId("team-json-view").textContent ?? "{}")).toMatchObject({ maxIterations: 5 });
    cleanup();
    await render(ws, "viewer", () => h(TeamsPage));
    expect(has("team-new")).toBe(false);
    expect(has("team-form")).toBe(false);
  });
});

describe("spec editor helpers", () => {
  it("starter specs of every topology are valid with enough agents", () => {
    for (const t of TOPOLOGIES) {
      const spec = starterSpec(t, ["a", "b", "c", "d", "e"]);
      expect(topologySpecSchema.safeParse(spec).success, t).toBe(true);
    }
    for (const inner of BASE_TOPOLOGIES) expect(topologySpecSchema.safeParse(starterSpec("hybrid", ["a", { team: "t" }], inner)).success, inner).toBe(true);
    // with one agent it still makes a spec of the shape (repeating the agent)
    expect(topologySpecSchema.safeParse(starterSpec("debate", ["a"])).success).toBe(true);
  });

  it("draftRefs, resizeGrid and setIn", () => {
    expect(draftRefs({ topology: "star", hub: "h", spokes: ["a", "b"] })).toEqual(["h", "a", "b"]);
    expect(draftRefs({ topology: "star" })).toEqual([]);
    const grid = resizeGrid({ topology: "grid", rows: 2, columns: 2, cells: ["a", "b", "c", "d"] }, 2, 3, "x");
    expect(grid.cells).toEqual(["a", "b", "x", "c", "d", "x"]);
    expect(resizeGrid(grid, 1, 2, "x").cells).toEqual(["a", "b"]);
    expect(setIn({ a: [1, { b: 2 }] }, ["a", 1, "b"], 3)).toEqual({ a: [1, { b: 3 }] });
    expect(setIn({}, ["x", 0], "y")).toEqual({ x: ["y"] });
  });
});
