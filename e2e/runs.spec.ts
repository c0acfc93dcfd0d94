import { expect, test, type Page } from "@playwright/test";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { addStubModel, addStubProvider, createWorkspace, openDialog, person, signUp } from "./support";

/**
 * The run journey: two agents pinned to a model on the local LLM stub (each call waits LATENCY_MS, then a streamed
 * answer comes a word every CHUNK_DELAY_MS, so the live states and the growing text can be watched), a sequential
 * team, a run watched live on its page (nodes running then done, the running step's text growing, progress to 100%,
 * output, steps), a reload that loses nothing; then the team becomes parallel (a new version) and its two branches
 * run at the same time (the stub holds both calls until both arrived and the page showed both running); finally the
 * runs list and its filters, a re-run, and the playground's chat (a session: two messages, a reload, a new chat).
 */
const LATENCY_MS = 800;
/** the second step's answer has ~35 words: ~2 s of streaming, several `node.delta` events (one per 200 ms at most) */
const CHUNK_DELAY_MS = 60;

let stub: LlmStub;
test.beforeAll(async () => {
  stub = await startLlmStub({ latencyMs: LATENCY_MS, chunkDelayMs: CHUNK_DELAY_MS });
});
test.afterAll(async () => {
  await stub?.close();
});

interface Recorded {
  /** every "<nodeId>:<state>" a graph node showed, in the order first seen */
  states: string[];
  /** the sets of nodes running at the same moment */
  running: string[][];
  liveOutput: boolean;
  /** per node, every text its running step's live output showed, in the order seen */
  live: Record<string, string[]>;
}

/**
 * Records, in the page, every state the run graph's nodes show however briefly (a MutationObserver), so that the
 * assertions do not depend on polling at the right moment. Installed for every document the page loads.
 */
async function recordRunGraph(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __run: Recorded };
    w.__run = { states: [], running: [], liveOutput: false, live: {} };
    const snapshot = () => {
      const running: string[] = [];
      for (const n of Array.from(document.querySelectorAll('[data-testid="run-graph-node"]'))) {
        const id = n.getAttribute("data-node-id") ?? "";
        const state = n.getAttribute("data-state") ?? "";
        const key = `${id}:${state}`;
        if (!w.__run.states.includes(key)) w.__run.states.push(key);
        if (state === "running") running.push(id);
      }
      const last = w.__run.running[w.__run.running.length - 1];
      if (running.length && (!last || last.join() !== running.join())) w.__run.running.push(running);
      if (document.querySelector('[data-testid="run-live-output"]')) w.__run.liveOutput = true;
      for (const step of Array.from(document.querySelectorAll('[data-testid="run-live-step"]'))) {
        const id = step.getAttribute("data-node-id") ?? "";
        const text = step.querySelector('[data-testid="run-live-text"]')?.textContent ?? "";
        const seen = (w.__run.live[id] ??= []);
        if (seen[seen.length - 1] !== text) seen.push(text);
      }
    };
    new MutationObserver(snapshot).observe(document, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["data-state"],
    });
  });
}

const recorded = (page: Page) => page.evaluate(() => (window as unknown as { __run: Recorded }).__run);
const resetRecorder = (page: Page) =>
  page.evaluate(() => {
    (window as unknown as { __run: Recorded }).__run = { states: [], running: [], liveOutput: false, live: {} };
  });

async function createAgent(page: Page, slug: string, role: string) {
  await openDialog(page, "agent-new", "agent-slug");
  await page.getByTestId("agent-slug").fill(slug);
  await page.getByTestId("agent-name").fill(slug);
  await page.getByTestId("agent-role").fill(role);
  await page.getByTestId("agent-instructions").fill(`You are the ${slug}. ${role}`);
  await page.getByTestId("agent-policy-kind").selectOption("pinned");
  await page.getByTestId("agent-policy-model").selectOption({ label: "Local stub · Stub Large" });
  await page.getByTestId("agent-submit").click();
  // the dialog closes once the agent is saved; the list shows it
  await expect(page.getByTestId("agent-form")).toBeHidden();
  await expect(page.locator(`[data-testid="agent-row"][data-slug="${slug}"]`)).toBeVisible();
}

/** The graph's nodes as { nodeId: state }. */
async function graphStates(page: Page): Promise<Record<string, string>> {
  const nodes = page.getByTestId("run-graph-node");
  const out: Record<string, string> = {};
  for (const n of await nodes.all()) out[(await n.getAttribute("data-node-id"))!] = (await n.getAttribute("data-state"))!;
  return out;
}

/** Waits for the run on the page to succeed with every node done and the progress at 100%. */
async function expectFinished(page: Page, nodeIds: string[]) {
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("run-graph-node")).toHaveCount(nodeIds.length);
  await expect(page.locator('[data-testid="run-graph-node"]:not([data-state="done"])')).toHaveCount(0);
  expect(Object.keys(await graphStates(page)).sort()).toEqual([...nodeIds].sort());
  await expect(page.getByTestId("run-progress")).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByTestId("run-cancel")).toHaveCount(0);
  await expect(page.getByTestId("run-output")).toBeVisible();
}

test("agents, a team, a run watched live: nodes turn running then done, output, steps, reload; then parallel", async ({ page }) => {
  test.setTimeout(240_000);
  await recordRunGraph(page);
  const owner = person("Rita");
  const slug = `runs-${Date.now().toString(36)}`;
  await signUp(page, owner);
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Run Lab", slug);

  // a model on the local stub: every call takes LATENCY_MS and more, so a step stays visibly "running"
  await addStubProvider(page, stub.url);
  await addStubModel(page);

  // two agents, pinned to that model
  await page.getByTestId("nav-agents").click();
  await createAgent(page, "writer", "Writes a first draft.");
  await createAgent(page, "editor", "Tightens the draft.");

  // a sequential team of the two
  await page.getByTestId("nav-teams").click();
  await openDialog(page, "team-new", "team-slug");
  await page.getByTestId("team-slug").fill("pipeline");
  await page.getByTestId("team-name").fill("Pipeline");
  await page.getByTestId("team-topology").selectOption("sequential");
  await page.getByTestId("team-json").fill(JSON.stringify({ topology: "sequential", agents: ["writer", "editor"], context: "last" }, null, 2));
  await page.getByTestId("team-submit").click();
  await page.waitForURL(new RegExp(`/w/${slug}/teams/pipeline$`));
  await expect(page.getByTestId("team-page")).toHaveAttribute("data-slug", "pipeline");

  // run it from the team's page; the run page opens at once
  const task = "Write a two-line poem about queues.";
  const stubCalls = () => stub.calls.filter((c) => c.model === "stub-large");
  // the stub holds the second step's call until the page showed that step running (the first step is done by
  // then): the page sees it running however busy the machine, and follows the run before its text streams
  stub.hold();
  try {
    await page.getByTestId("run-input").fill(task);
    await page.getByTestId("run-submit").click();
    await page.waitForURL(new RegExp(`/w/${slug}/runs/run_[^/]+$`));
    await expect.poll(() => stubCalls().length, { timeout: 60_000 }).toBe(1);
    stub.release();
    stub.hold();
    await expect.poll(() => stubCalls().length, { timeout: 60_000 }).toBe(2);
    await expect.poll(async () => (await recorded(page)).states, { timeout: 30_000 }).toEqual(expect.arrayContaining(["s0:done", "s1:running"]));
  } finally {
    stub.release();
  }
  const runUrl = page.url();
  await expect(page.getByTestId("run-graph")).toBeVisible();
  await expect(page.getByTestId("run-graph-node")).toHaveCount(4);
  // started from the web app: the run says so
  await expect(page.getByTestId("run-channel")).toHaveText("Web app");

  // live: the second step is seen running while the first is done, then done too; a sequential team never runs
  // both at once
  await expect.poll(async () => (await recorded(page)).states, { timeout: 60_000 }).toEqual(expect.arrayContaining(["s0:done", "s1:running", "s1:done"]));
  await expectFinished(page, ["input", "s0", "s1", "output"]);
  const seq = await recorded(page);
  expect(seq.states.indexOf("s0:done")).toBeLessThan(seq.states.indexOf("s1:done"));
  expect(seq.running.some((set) => set.includes("s0") && set.includes("s1"))).toBe(false);
  expect(seq.liveOutput).toBe(true);

  // the second step (the page followed the run by then, so it streamed) showed its text growing while it ran: a
  // non-empty part of its final output, then more of it; its final output is the stub's whole answer
  const seqCalls = stubCalls();
  expect(seqCalls).toHaveLength(2);
  const editorCall = seqCalls[1]!;
  expect(editorCall.stream).toBe(true);
  const answer = editorCall.reply!;
  expect(answer).toMatch(/^\[stub stub-large\] /);
  const liveTexts = seq.live.s1 ?? [];
  expect(
    liveTexts.some((t) => t.length > 0 && t.length < answer.length),
    `texts seen: ${JSON.stringify(liveTexts)}`,
  ).toBe(true);
  // the live text is rendered as Markdown: compared by its letters and digits, which must come in the answer's order
  // (the rendering drops line breaks, markup and raw HTML such as the <context> tags of the prompt echoed by the stub)
  const letters = (s: string) => s.replace(/[^\p{L}\p{N}]/gu, "");
  const inOrder = (part: string, whole: string) => {
    let at = 0;
    for (const ch of part) {
      at = whole.indexOf(ch, at) + 1;
      if (at === 0) return false;
    }
    return true;
  };
  for (const [i, t] of liveTexts.entries()) {
    expect(inOrder(letters(t), letters(answer)), `"${t}" is not a part of "${answer}"`).toBe(true);
    if (i > 0) expect(letters(t).length).toBeGreaterThanOrEqual(letters(liveTexts[i - 1]!).length);
  }

  // the result: output, totals and the two steps with agent versions and the model
  await expect(page.getByTestId("run-output")).toContainText("[stub stub-large]");
  await expect(page.getByTestId("run-cost")).not.toHaveText("—");
  await expect(page.getByTestId("run-elapsed")).toHaveText(/\d/);
  const steps = page.getByTestId("run-step-row");
  await expect(steps).toHaveCount(2);
  const first = page.locator('[data-testid="run-step-row"][data-step-id="s0"]');
  const second = page.locator('[data-testid="run-step-row"][data-step-id="s1"]');
  await expect(first.getByTestId("run-step-agent")).toHaveText("writer@v1");
  await expect(second.getByTestId("run-step-agent")).toHaveText("editor@v1");
  await expect(first.getByTestId("run-step-model")).toContainText(/stub-large|Stub Large/);
  await expect(first).toHaveAttribute("data-status", "succeeded");
  await first.getByTestId("run-step-expand").click();
  const detail = page.locator('[data-testid="run-step-detail"][data-step-id="s0"]');
  await expect(detail.getByTestId("run-step-input")).toContainText(task);
  await expect(detail.getByTestId("run-step-output")).toContainText("[stub stub-large]");
  await expect(detail.getByTestId("run-step-route-reason")).not.toHaveText("");
  await page.locator('[data-testid="run-step-row"][data-step-id="s1"]').getByTestId("run-step-expand").click();
  const secondDetail = page.locator('[data-testid="run-step-detail"][data-step-id="s1"]');
  // outputs render as Markdown (the stub's echo holds a <context> tag, which is not rendered); the raw text is exact
  await expect(secondDetail.getByTestId("run-step-output")).toContainText(`[stub stub-large] ${task}`);
  await expect(secondDetail.getByTestId("run-step-output")).not.toContainText("<context");
  await secondDetail.getByTestId("run-step-output-raw").click();
  await expect.poll(() => secondDetail.getByTestId("run-step-output").textContent()).toBe(answer);
  await page.getByTestId("run-output-text-raw").click();
  await expect.poll(() => page.getByTestId("run-output-text").textContent()).toBe(answer);

  // a reload loses nothing
  await page.reload();
  await expectFinished(page, ["input", "s0", "s1", "output"]);
  await expect(page.getByTestId("run-output")).toContainText("[stub stub-large]");
  await expect(page.getByTestId("run-step-row")).toHaveCount(2);
  expect(page.url()).toBe(runUrl);

  // the trace: both steps on one time axis; a bar opens its step with the model calls it made
  await expect(page.getByTestId("run-trace-row")).toHaveCount(2);
  await page.locator('[data-testid="run-trace-row"][data-step-id="s1"]').getByTestId("run-trace-bar").click();
  const traced = page.getByTestId("run-trace-step");
  await expect(traced.getByTestId("run-step-call")).toHaveCount(1);
  await expect(traced.getByTestId("run-step-call")).toHaveAttribute("data-outcome", "ok");
  await expect(traced.getByTestId("run-step-route-reason")).not.toHaveText("");
  await page.keyboard.press("Escape");
  await expect(traced).toHaveCount(0);

  // the same team, now parallel (version 2): both branches run at the same time
  await page.goto(`/w/${slug}/teams/pipeline`);
  await expect(page.getByTestId("team-page")).toHaveAttribute("data-slug", "pipeline");
  await page.getByTestId("team-topology").selectOption("parallel");
  await page.getByTestId("team-json").fill(JSON.stringify({ topology: "parallel", agents: ["writer", "editor"] }, null, 2));
  await page.getByTestId("team-submit").click();
  await expect(page.getByTestId("team-saved")).toContainText("version 2");
  await resetRecorder(page);
  const callsBefore = stub.calls.length;
  const parallelCalls = () => stub.calls.slice(callsBefore).filter((c) => c.model === "stub-large");
  // the stub answers nothing until both branches' calls arrived and the page showed both running: the overlap is
  // made certain, not left to timing (a sequential executor would never send the second call and time out here)
  stub.hold();
  try {
    await page.getByTestId("run-input").fill("Two takes on queues, please.");
    await page.getByTestId("run-submit").click();
    await page.waitForURL(new RegExp(`/w/${slug}/runs/run_[^/]+$`));
    await expect(page.getByTestId("run-graph-node")).toHaveCount(4);
    await expect.poll(() => parallelCalls().length, { timeout: 60_000 }).toBe(2);
    await expect.poll(async () => (await recorded(page)).running.some((set) => set.includes("p0") && set.includes("p1")), { timeout: 30_000 }).toBe(true);
  } finally {
    stub.release();
  }
  await expect.poll(async () => (await recorded(page)).states, { timeout: 60_000 }).toEqual(expect.arrayContaining(["p0:done", "p1:done"]));
  await expectFinished(page, ["input", "p0", "p1", "output"]);
  expect(parallelCalls()).toHaveLength(2);
  expect(parallelCalls().every((c) => c.reply?.startsWith("[stub stub-large]"))).toBe(true);
  await expect(page.getByTestId("run-step-row")).toHaveCount(2);
  await expect(page.locator('[data-testid="run-step-row"][data-step-id="p0"]').getByTestId("run-step-agent")).toHaveText("writer@v1");

  // the runs list: both runs, filterable by team and status
  await page.getByTestId("nav-runs").click();
  await expect(page.getByTestId("run-row")).toHaveCount(2);
  await expect(page.locator('[data-testid="run-row"][data-status="succeeded"]')).toHaveCount(2);
  await page.getByTestId("runs-filter-team").selectOption("pipeline");
  await expect(page.getByTestId("run-row")).toHaveCount(2);
  await page.getByTestId("runs-filter-status").selectOption("failed");
  await expect(page.getByTestId("runs-empty")).toBeVisible();
  await expect(page.getByTestId("run-row")).toHaveCount(0);
  await page.getByTestId("runs-filter-status").selectOption("succeeded");
  await expect(page.getByTestId("run-row")).toHaveCount(2);
  // the filters in force show as chips; removing one widens the list again
  await expect(page.getByTestId("runs-filter-chip")).toHaveCount(2);
  await page.locator('[data-testid="runs-filter-chip"][data-filter="team"]').click();
  await expect(page.getByTestId("runs-filter-chip")).toHaveCount(1);
  await expect(page.getByTestId("runs-filter-team")).toHaveValue("");
  await expect(page.getByTestId("run-row")).toHaveCount(2);
  await page.getByTestId("run-row").first().getByTestId("run-row-link").click();
  await page.waitForURL(new RegExp(`/w/${slug}/runs/run_[^/]+$`));
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");

  // a finished run runs again, with the versions it pinned, as a new run; the team's page lists its runs
  const rerunOf = page.url();
  await page.getByTestId("run-rerun").click();
  await page.getByTestId("run-rerun-pinned").click();
  await page.waitForURL((url) => /\/runs\/run_[^/]+$/.test(url.pathname) && url.href !== rerunOf);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
  await page.goto(`/w/${slug}/teams/pipeline`);
  await expect(page.getByTestId("target-recent-runs").getByTestId("compact-run")).toHaveCount(3);

  // the playground: a chat is a session; each message is a run that sees the earlier turns (on the server); the answer
  // streams in (the composer waits for it) and says what it cost; the chat comes back after a reload (?session= in the
  // URL) and "New chat" starts over
  await page.getByTestId("nav-playground").click();
  await page.getByTestId("playground-target").selectOption("agent:writer");
  await page.getByTestId("playground-message").fill("Say hello to the playground.");
  const chatCalls = () => stub.calls.filter((c) => c.model === "stub-large" && JSON.stringify(c.body).includes("the playground"));
  stub.hold();
  try {
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/[?&]session=ses_[a-z0-9]+/);
    await expect(page.getByTestId("playground-pending")).toBeVisible();
    await expect(page.getByTestId("playground-message")).toBeDisabled();
    await expect.poll(() => chatCalls().length, { timeout: 60_000 }).toBe(1);
  } finally {
    stub.release();
  }
  const reply = page.getByTestId("playground-answer");
  await expect(reply).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(reply).toContainText("[stub stub-large]");
  await expect(reply.getByTestId("playground-answer-model")).toContainText(/stub-large|Stub Large/);
  await expect(reply.getByTestId("playground-answer-cost")).toContainText("$");
  await expect(reply.getByTestId("playground-answer-run")).toHaveAttribute("href", new RegExp(`/w/${slug}/runs/run_`));
  const chatUrl = page.url();
  // the second message goes to the same session: its run's model sees the first turn
  await page.getByTestId("playground-message").fill("And once more, shorter.");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("playground-answer")).toHaveCount(2, { timeout: 60_000 });
  await expect(page.getByTestId("playground-answer").nth(1)).toHaveAttribute("data-status", "succeeded");
  expect(chatCalls()).toHaveLength(2);
  const secondCall = JSON.stringify(chatCalls()[1]!.body);
  expect(secondCall).toContain("And once more, shorter.");
  expect(secondCall).toContain("conversation, message 1 (the person)");
  expect(page.url()).toBe(chatUrl);
  await page.reload();
  await expect(page.getByTestId("playground-user-turn")).toHaveText(["Say hello to the playground.", "And once more, shorter."]);
  await expect(page.getByTestId("playground-answer")).toHaveCount(2);
  await expect(page.getByTestId("playground-chat").first()).toHaveAttribute("aria-current", "true");
  await page.getByTestId("playground-new").click();
  await expect(page.getByTestId("playground-answer")).toHaveCount(0);
  await expect(page.getByTestId("playground-user-turn")).toHaveCount(0);
  await expect(page).not.toHaveURL(/session=/);
});
