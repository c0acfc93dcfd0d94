// @vitest-environment happy-dom
/**
 * The run pages in a DOM (Testing Library): the runs list, the start-run form and the live run page render (from a
 * filled query cache, with real runs executed by the in-process executor on the simulator) with the test ids the e2e
 * journeys use. Before any live event arrives, the run page already shows the fetched run: status, progress, node
 * states from its steps, output and steps. The page's live stream is an EventSource (replaced here by one the test
 * drives): the run's real events, delivered one by one, move the graph (a nested team's node runs, then is done with
 * its outcome) and the stream ends after the terminal event. A step whose answer was cut and retried says so in its
 * details. Viewers get no form and no Cancel.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createElement as h, type ReactElement } from "react";
import { act, cleanup, fireEvent, render as rtlRender, screen, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import type { ListRunsInput, RunDetailOut } from "@/lib/schemas/runs";
import { MAX_GATE_JUDGES } from "@/lib/schemas/quality-gate";
import { TRPCProvider } from "@/lib/trpc/react";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "@/components/workspace/workspace-context";
import { roleCan, type Role } from "@/lib/permissions";
import { callerFor } from "@/test/helpers";
import { addAgent, addTeam, makeRunWorkspace, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { settleObservations } from "@/server/models/gateway";
import { newId } from "@/lib/ids";
import { startRun } from "@/server/runs/service";
import { resetTestNavigation } from "@/test/next-navigation";
import { RunsPage } from "./runs-page";
import { RunPage } from "./run-page";
import { StartRunForm } from "./start-run-form";

// no app router outside Next: the pages only navigate after a start

/** The run page's stream, driven by the test: what it was opened with, and the server's side of it. */
class TestEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static opened: TestEventSource[] = [];
  readyState = TestEventSource.CONNECTING;
  constructor(
    readonly url: string,
    readonly init?: EventSourceInit,
  ) {
    super();
    TestEventSource.opened.push(this);
  }
  close() {
    this.readyState = TestEventSource.CLOSED;
  }
  /** the server accepted the stream */
  open() {
    this.readyState = TestEventSource.OPEN;
    act(() => void this.dispatchEvent(new Event("open")));
  }
  /** one event as the server sends it: `id: <seq>`, `event: <type>`, `data: <the whole event>` */
  send(e: { seq: number; type: string; data: unknown; createdAt: Date }) {
    const data = JSON.stringify({ seq: e.seq, type: e.type, data: e.data, createdAt: e.createdAt.toISOString() });
    act(() => void this.dispatchEvent(new MessageEvent(e.type, { data, lastEventId: String(e.seq) })));
  }
}

let rw: RunWorkspace;
let executor: Executor;
let teamRunId: string;
let agentRunId: string;
let gatedRunId: string;
let nestedRunId: string;

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
  await addTeam(rw.ctx, "nested", { topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: "gated" }, "editor"] } });
  nestedRunId = (await owner.runs.start({ team: "nested", input: "Write a checked line, then edit it." })).id;
  for (const runId of [teamRunId, agentRunId, gatedRunId, nestedRunId]) await waitForRun(runId);
});

beforeEach(() => {
  TestEventSource.opened = [];
  vi.stubGlobal("EventSource", TestEventSource);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  resetTestNavigation();
});

afterAll(async () => {
  await executor?.stop();
  await settleObservations();
});

/** Renders a page from a query cache filled by the real API; `runs` replaces what runs.get returns for a run. */
async function render(
  role: Role,
  page: () => ReactElement,
  runs: Record<string, (run: RunDetailOut) => RunDetailOut> = {},
  /** runs lists filtered as the page will ask for them (a link's query string), filled from the real API too */
  filteredLists: Omit<ListRunsInput, "limit">[] = [],
) {
  const ws = rw.ws;
  const owner = callerFor(ws.users.owner, ws.slug);
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  // never answers: every query the pages make is in the cache already
  const trpcClient = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "http://127.0.0.1:1/api/trpc", transformer: superjson })] });
  const trpc = createTRPCOptionsProxy<AppRouter, { keyPrefix: true }>({ client: trpcClient, queryClient, keyPrefix: ws.slug });
  queryClient.setQueryData(trpc.routing.presets.list.queryKey(), await owner.routing.presets.list());
  // the pickers read every page of teams and agents
  queryClient.setQueryData(trpc.teams.list.infiniteQueryKey({ limit: 200 }), { pages: [await owner.teams.list({ limit: 200 })], pageParams: [null] });
  queryClient.setQueryData(trpc.agents.list.infiniteQueryKey({ limit: 200 }), { pages: [await owner.agents.list({ limit: 200 })], pageParams: [null] });
  for (const slug of ["pair", "gated", "nested"]) {
    const team = await owner.teams.get({ team: slug });
    const key = { team: team.id, version: team.currentVersion };
    queryClient.setQueryData(trpc.teams.version.queryKey(key), await owner.teams.version(key));
  }
  for (const runId of [teamRunId, agentRunId, gatedRunId, nestedRunId]) {
    const run = await owner.runs.get({ runId });
    queryClient.setQueryData(trpc.runs.get.queryKey({ runId }), runs[runId]?.(run) ?? run);
    queryClient.setQueryData(trpc.judges.runVerdicts.queryKey({ runId }), await owner.judges.runVerdicts({ runId }));
    // each model step's calls, shown in its details
    for (const step of run.steps) {
      if (step.kind === "tool") continue;
      queryClient.setQueryData(trpc.runs.stepCalls.queryKey({ runId, stepId: step.stepId }), await owner.runs.stepCalls({ runId, stepId: step.stepId }));
    }
  }
  // the start form's judges
  queryClient.setQueryData(trpc.judges.list.queryKey({ limit: MAX_GATE_JUDGES * 20 }), await owner.judges.list({ limit: MAX_GATE_JUDGES * 20 }));
  const list = await owner.runs.list({ limit: 25 });
  queryClient.setQueryData(
    trpc.runs.list.infiniteQueryKey({ limit: 25, team: undefined, agent: undefined, status: undefined, from: undefined, to: undefined }),
    { pages: [list], pageParams: [null] },
  );
  for (const filters of filteredLists) {
    const input = { limit: 25, ...filters };
    queryClient.setQueryData(trpc.runs.list.infiniteQueryKey(input), { pages: [await owner.runs.list(input)], pageParams: [null] });
  }
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
      h(TRPCProvider, { trpcClient, queryClient, keyPrefix: ws.slug, children: h(WorkspaceContextProvider, { value: workspace }, page()) }),
    ),
  );
}

/** A run as fetched when it had just been queued: nothing recorded yet. */
const asQueued = (run: RunDetailOut): RunDetailOut => ({
  ...run,
  status: "queued",
  steps: [],
  stepsDone: 0,
  output: null,
  outcome: null,
  startedAt: null,
  finishedAt: null,
  durationMs: null,
});

const has = (id: string) => screen.queryAllByTestId(id).length > 0;
const attributes = (id: string, attribute: string) => screen.queryAllByTestId(id).map((el) => el.getAttribute(attribute));
/** the graph's nodes: id -> state */
const graphStates = () =>
  Object.fromEntries(screen.getAllByTestId("run-graph-node").map((n) => [n.getAttribute("data-node-id"), n.getAttribute("data-state")]));
const graphNode = (id: string) => screen.getAllByTestId("run-graph-node").find((n) => n.getAttribute("data-node-id") === id)!;

describe("Runs list", () => {
  it("a member sees the start form, the filters and a row per run with status and target", async () => {
    await render("member", () => h(RunsPage));
    for (const id of [
      "run-form",
      "run-target",
      "run-input",
      "run-budget",
      "run-policy",
      "run-tags",
      "run-submit",
      "runs-filter-team",
      "runs-filter-agent",
      "runs-filter-status",
      "runs-filter-channel",
      "runs-filter-from",
      "runs-filter-to",
      "run-row",
    ]) {
      expect(has(id), id).toBe(true);
    }
    expect(attributes("run-row", "data-run-id")).toHaveLength(4);
    expect(has("run-row-outcome")).toBe(false); // only unmet outcomes are flagged in the list
    const row = screen.getAllByTestId("run-row").find((r) => r.getAttribute("data-run-id") === teamRunId)!;
    expect(row.getAttribute("data-status")).toBe("succeeded");
    expect(row.querySelector('[data-target-slug="pair"]')).not.toBeNull();
    expect(within(row).getByText("Write a short note about queues.")).toBeTruthy();
    // started in the web app (tRPC): its source column says so
    expect(within(row).getByTestId("run-row-channel").getAttribute("data-channel")).toBe("web");
    expect(within(row).getByTestId("run-row-channel").textContent).toBe("Web app");
    expect(screen.getAllByRole("option", { name: "Preset: balanced" }).length).toBeGreaterThan(0);
  });

  it("opens filtered on what started the runs (a trigger's link): its name on the chip, removing it lists every run", async () => {
    const triggerId = newId("whtr");
    const hooked = await startRun(rw.ctx, { agent: "writer", input: "From a webhook." }, { channel: "webhook", channelRef: triggerId });
    await waitForRun(hooked.id);
    resetTestNavigation({ searchParams: new URLSearchParams({ channel: "webhook", channelRef: triggerId, by: "GitHub pushes" }) });
    await render("member", () => h(RunsPage), {}, [{ channel: "webhook", channelRef: triggerId }]);
    expect(attributes("run-row", "data-run-id")).toEqual([hooked.id]);
    const chips = screen.getAllByTestId("runs-filter-chip");
    expect(chips.map((c) => [c.getAttribute("data-filter"), c.textContent])).toEqual([
      ["channel", "Source: Webhook trigger"],
      ["channelRef", "Started by: GitHub pushes"],
    ]);
    fireEvent.click(chips[1]!);
    fireEvent.click(screen.getByTestId("runs-filter-chip"));
    // the unfiltered list (in the cache): the other runs are back
    expect(await screen.findAllByTestId("run-row")).toHaveLength(5);
    expect(has("runs-filter-chips")).toBe(false);
  });

  it("a viewer sees the list but no start form", async () => {
    await render("viewer", () => h(RunsPage));
    expect(has("run-row")).toBe(true);
    expect(has("run-form")).toBe(false);
    expect(has("run-submit")).toBe(false);
  });

  it("the start form targets what it is given, and renders nothing for a viewer", async () => {
    await render("member", () => h(StartRunForm, { target: { agent: "writer" } }));
    expect(has("run-form")).toBe(true);
    expect(screen.getAllByText(/agent writer/).length).toBeGreaterThan(0);
    cleanup();
    const viewer = await render("viewer", () => h(StartRunForm, { target: { team: "pair" } }));
    expect(viewer.container.innerHTML).toBe("");
  });
});

describe("Run page", () => {
  it("a finished team run: status, progress at 100%, totals, the graph with every node done, the output and two steps", async () => {
    await render("member", () => h(RunPage, { runId: teamRunId }));
    expect(screen.getByTestId("run-status").textContent).toBe("succeeded");
    expect(screen.getByRole("progressbar", { name: "Steps done" }).getAttribute("aria-valuenow")).toBe("100");
    for (const id of ["run-elapsed", "run-cost", "run-graph", "run-output", "run-step-row", "run-step-expand"]) expect(has(id), id).toBe(true);
    for (const id of ["run-cancel", "run-live-output", "run-error"]) expect(has(id), id).toBe(false);
    expect(screen.getByTestId("run-output-text").textContent).toContain("[simulated]");
    expect(screen.getByTestId("run-channel").textContent).toBe("Web app");
    expect(attributes("run-step-row", "data-step-id")).toEqual(["s0", "s1"]);
    expect(screen.getAllByTestId("run-step-agent").map((c) => c.textContent)).toEqual(["writer@v1", "editor@v1"]);
    // the topology of the pinned version; nodes done from the recorded steps, before any live event
    expect(graphStates()).toEqual({ input: "done", s0: "done", s1: "done", output: "done" });
    // the live stream: the run's events from the start, with the session's cookie
    expect(TestEventSource.opened.map((s) => [s.url, s.init?.withCredentials])).toEqual([
      [`/api/runs/${encodeURIComponent(teamRunId)}/events?workspace=${encodeURIComponent(rw.ws.slug)}`, true],
    ]);
    expect(screen.getByTestId("run-stream").getAttribute("data-stream")).toBe("connecting");
  });

  it("a maker-checker run shows its outcome: approved after 2 iterations (the simulator asks for one revision)", async () => {
    await render("viewer", () => h(RunPage, { runId: gatedRunId }));
    const outcome = screen.getByTestId("run-outcome");
    expect(outcome.textContent).toBe("approved after 2 iterations");
    expect(outcome.getAttribute("data-met")).toBe("true");
    cleanup();
    await render("viewer", () => h(RunPage, { runId: teamRunId }));
    expect(has("run-outcome")).toBe(false); // a sequential team has no gate to show
  });

  it("a single-agent run is drawn input -> agent -> output", async () => {
    await render("viewer", () => h(RunPage, { runId: agentRunId }));
    expect(graphStates()).toEqual({ input: "done", agent: "done", output: "done" });
    expect(attributes("run-step-row", "data-step-id")).toEqual(["agent"]);
  });

  it("live: the run's events move the page; a nested team's node runs, then is done with its outcome; the stream ends", async () => {
    const owner = callerFor(rw.ws.users.owner, rw.ws.slug);
    const events = await owner.runs.events({ runId: nestedRunId, after: 0, limit: 500 });
    await render("viewer", () => h(RunPage, { runId: nestedRunId }), { [nestedRunId]: asQueued });
    expect(graphStates()).toEqual({ input: "waiting", s0: "waiting", s1: "waiting", output: "waiting" });
    const [stream] = TestEventSource.opened;
    stream!.open();
    expect(screen.getByTestId("run-stream").getAttribute("data-stream")).toBe("open");

    const at = (type: string, stepId: string) => events.findIndex((e) => e.type === type && e.data.stepId === stepId);
    const teamStarted = at("node.started", "s0");
    const firstInner = at("node.started", "s0/i1.maker");
    const teamFinished = at("node.finished", "s0");
    expect(teamStarted).toBeGreaterThan(-1);
    expect(firstInner).toBeGreaterThan(teamStarted);
    expect(teamFinished).toBeGreaterThan(firstInner);

    for (const e of events.slice(0, teamStarted + 1)) stream!.send(e);
    expect(screen.getByTestId("run-status").textContent).toBe("running");
    expect(graphStates()).toMatchObject({ input: "done", s0: "running", s1: "waiting" });
    expect(screen.getByTestId("run-live-team").textContent).toBe("team gated");
    // between two of its inner steps the team's node still runs
    for (const e of events.slice(teamStarted + 1, at("node.started", "s0/i1.checker0"))) stream!.send(e);
    expect(graphStates().s0).toBe("running");
    for (const e of events.slice(at("node.started", "s0/i1.checker0"), teamFinished + 1)) stream!.send(e);
    expect(graphStates()).toMatchObject({ s0: "done", s1: "waiting" });
    expect(graphNode("s0").textContent).toContain("approved after 2 iterations");
    expect(has("run-live-team")).toBe(false);

    for (const e of events.slice(teamFinished + 1)) stream!.send(e);
    expect(graphStates()).toEqual({ input: "done", s0: "done", s1: "done", output: "done" });
    expect(screen.getByTestId("run-status").textContent).toBe("succeeded");
    // after the terminal event the page closes the stream and says so
    expect(stream!.readyState).toBe(TestEventSource.CLOSED);
    expect(screen.getByTestId("run-stream").getAttribute("data-stream")).toBe("closed");
  });

  it("every event type the server names reaches the page: a step waiting for its provider says so", async () => {
    await render("viewer", () => h(RunPage, { runId: agentRunId }), { [agentRunId]: asQueued });
    const [stream] = TestEventSource.opened;
    const step = { nodeId: "agent", stepId: "agent", agent: "writer" };
    const createdAt = new Date();
    stream!.send({ seq: 1, type: "run.started", data: { stepsExpected: 1 }, createdAt });
    stream!.send({ seq: 2, type: "node.started", data: { ...step, attempt: 1 }, createdAt });
    stream!.send({ seq: 3, type: "node.waiting", data: { ...step, waitingFor: "Stub", retryAt: null, reason: "cooling down" }, createdAt });
    expect(screen.getByTestId("run-step-waiting").textContent).toBe("waiting for Stub");
    stream!.send({ seq: 4, type: "node.resumed", data: { ...step, waitingFor: "Stub", waitedMs: 5 }, createdAt });
    expect(has("run-step-waiting")).toBe(false);
  });

  it("a step whose answer was cut and asked again with more room says so in its details", async () => {
    const retried = (run: RunDetailOut): RunDetailOut => ({
      ...run,
      steps: run.steps.map((s) => (s.stepId === "agent" ? { ...s, finishReason: "stop", finishReasons: ["length", "stop"] } : s)),
    });
    await render("viewer", () => h(RunPage, { runId: agentRunId }), { [agentRunId]: retried });
    expect(has("run-step-answer")).toBe(false); // details closed
    fireEvent.click(screen.getByRole("button", { name: "Details" }));
    expect(screen.getByTestId("run-step-answer-retried").textContent).toBe(
      "Cut at the output limit, then asked again with more room (finish reasons: length → stop).",
    );
    cleanup();
    // a plain answer has nothing to say
    await render("viewer", () => h(RunPage, { runId: teamRunId }));
    for (const button of screen.getAllByRole("button", { name: "Details" })) fireEvent.click(button);
    expect(attributes("run-step-detail", "data-step-id")).toEqual(["s0", "s1"]);
    expect(has("run-step-answer")).toBe(false);
  });
});
