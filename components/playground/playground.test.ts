// @vitest-environment happy-dom
/**
 * The playground in a DOM (Testing Library), its tRPC calls answered by the real router in process (tRPC's local
 * link, as the rendered role: test/ui-harness.ts) and its runs executed by the in-process executor on the simulator. Without an
 * EventSource the answer is read by polling the run's events (the hook's fallback). A chat is a session:
 * - a member's first message (Enter) creates a session (titled after it, in the URL) and sends the message: a run of
 *   the target with the session; while it is answered the composer is disabled; the answer shows with its model, cost
 *   and run. The second message goes to the same session and its run sees the first turns (what its model saw).
 *   Rendered again from the URL (a reload) the page shows the session's history; "New chat" clears it and the URL;
 *   the recent chats list reopens it.
 * - a subject is checked by the shared schema before anything is sent, and the session and its runs carry it;
 * - a message sent while another (from "another tab") is being answered gets the 409 explained, keeps the text, and
 *   the page then follows the other message's answer;
 * - an earlier version of the target answers when chosen;
 * - a viewer reads a chat's history but cannot send; a workspace without agents or teams gets the empty state.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { act, cleanup, fireEvent, screen } from "@testing-library/react";
import type { Role } from "@/lib/permissions";
import { callerFor } from "@/test/helpers";
import { renderWithRouter } from "@/test/ui-harness";
import { addAgent, addTeam, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { updateAgent } from "@/server/agents/service";
import { settleObservations } from "@/server/models/gateway";
import { createSession, sendMessage } from "@/server/sessions/service";
import { testDb as db } from "@/test/db";
import { resetTestNavigation } from "@/test/next-navigation";
import { PlaygroundPage } from "./playground-page";

let rw: RunWorkspace;
let executor: Executor;

beforeAll(async () => {
  rw = await makeRunWorkspace("render-playground");
  executor = startExecutor({ workspaceIds: [rw.ws.id], pollMs: 50, leaseMs: 5_000 });
  await addAgent(rw.ctx, "writer");
  await addAgent(rw.ctx, "editor");
  await addTeam(rw.ctx, "pair", { topology: "sequential", agents: ["writer", "editor"] });
});

const at = (search: string) => window.history.replaceState(null, "", `/w/playground${search}`);
const urlSession = () => new URLSearchParams(window.location.search).get("session");

beforeEach(() => {
  // the page's URL is happy-dom's: the page writes ?session= into it, and a render after that reads it back (a reload)
  resetTestNavigation({ followLocation: true });
  window.localStorage.clear();
  at("?target=agent:writer");
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

/** The page for `role`, its tRPC calls answered by the real router and database as that member (tRPC's local link). */
const render = (role: Role, ws: RunWorkspace["ws"] = rw.ws) => renderWithRouter(ws, role, () => h(PlaygroundPage));

const enter = (el: HTMLElement) => act(() => void fireEvent.keyDown(el, { key: "Enter" }));

describe("Playground", () => {
  it("a chat is a session: each message a run that sees the earlier turns; the history comes back from the URL; New chat clears", async () => {
    const owner = callerFor(rw.ws.users.owner, rw.ws.slug);
    render("member");
    const target = (await screen.findByTestId("playground-target", {}, { timeout: 10_000 })) as HTMLSelectElement;
    expect(target.value).toBe("agent:writer");
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    expect(box.disabled).toBe(false);
    fireEvent.change(box, { target: { value: "Say hello.\nThen stop." } });
    enter(box);
    // the first message made a session, kept in the URL (the ?target= gives way)
    await vi.waitFor(() => expect(urlSession()).toMatch(/^ses_/), { timeout: 10_000 });
    const sessionId = urlSession()!;
    expect(new URLSearchParams(window.location.search).get("target")).toBeNull();
    const session = await owner.sessions.get({ sessionId });
    expect(session).toMatchObject({ targetType: "agent", agent: { slug: "writer" }, title: "Say hello.", subject: null });
    expect(await screen.findByTestId("playground-user-turn", {}, { timeout: 5_000 })).toBeTruthy();
    // answered one at a time: the composer waits for the answer
    await screen.findByTestId("playground-pending", {}, { timeout: 5_000 });
    expect(box.disabled).toBe(true);
    const answer = await screen.findByTestId("playground-answer", {}, { timeout: 20_000 });
    expect(answer.getAttribute("data-status")).toBe("succeeded");
    await vi.waitFor(() => expect(screen.getByTestId("playground-answer-model").textContent).toBeTruthy(), { timeout: 5_000 });
    expect(screen.getByTestId("playground-answer-cost").textContent).toMatch(/\$/);
    await vi.waitFor(() => expect(box.disabled).toBe(false));
    const runId = screen.getByTestId("playground-answer-run").getAttribute("href")!.split("/runs/")[1]!;
    const first = await owner.runs.get({ runId });
    expect(first.input).toBe("Say hello.\nThen stop.");

    // the second message goes to the same session; its run sees the first turns (server side, not in its input)
    fireEvent.change(box, { target: { value: "And again." } });
    enter(box);
    await vi.waitFor(() => expect(screen.getAllByTestId("playground-answer")).toHaveLength(2), { timeout: 20_000 });
    const history = await owner.sessions.messages({ sessionId });
    expect(history.items.map((m) => [m.role, m.status])).toEqual([
      ["user", "ok"],
      ["assistant", "ok"],
      ["user", "ok"],
      ["assistant", "ok"],
    ]);
    const second = await owner.runs.get({ runId: history.items[3]!.runId! });
    expect(second.input).toBe("And again.");
    expect(second.steps.find((s) => s.kind === "agent")?.inputSeen).toContain("Say hello.");
    expect(urlSession()).toBe(sessionId);

    // a reload: the page reads the session from the URL and shows its history
    cleanup();
    render("member");
    await vi.waitFor(() => expect(screen.getAllByTestId("playground-answer")).toHaveLength(2), { timeout: 10_000 });
    expect(screen.getAllByTestId("playground-user-turn").map((t) => t.textContent)).toEqual(["Say hello.\nThen stop.", "And again."]);
    expect(screen.getAllByTestId("playground-answer-run").map((a) => a.getAttribute("href"))).toEqual(
      history.items.filter((m) => m.role === "assistant").map((m) => `/w/${rw.ws.slug}/runs/${m.runId}`),
    );
    await vi.waitFor(() => expect((screen.getByTestId("playground-target") as HTMLSelectElement).value).toBe("agent:writer"));

    // New chat clears the page and the URL; the recent chats list reopens the session
    act(() => void fireEvent.click(screen.getByTestId("playground-new")));
    expect(screen.queryAllByTestId("playground-answer")).toHaveLength(0);
    expect(urlSession()).toBeNull();
    const listed = await vi.waitFor(
      () => {
        const item = screen.getAllByTestId("playground-chat").find((b) => b.getAttribute("data-session-id") === sessionId);
        expect(item?.textContent).toContain("Say hello.");
        expect(item?.textContent).toContain("4 messages");
        return item!;
      },
      { timeout: 5_000 },
    );
    act(() => void fireEvent.click(listed));
    await vi.waitFor(() => expect(screen.getAllByTestId("playground-answer")).toHaveLength(2), { timeout: 10_000 });
    expect(urlSession()).toBe(sessionId);
    expect(listed.getAttribute("aria-current")).toBe("true");
  }, 90_000);

  it("a chat for a subject: the subject is checked before anything is sent, and the session and its runs carry it", async () => {
    const owner = callerFor(rw.ws.users.owner, rw.ws.slug);
    const before = (await owner.sessions.list({ limit: 200 })).items.length;
    render("member");
    await screen.findByTestId("playground-target", {}, { timeout: 10_000 });
    const subject = screen.getByLabelText("Subject (optional)") as HTMLInputElement;
    fireEvent.change(subject, { target: { value: "customer 42" } });
    expect(screen.getByText(/Use letters, digits/)).toBeTruthy();
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "Where is my order?" } });
    expect((screen.getByTestId("playground-send") as HTMLButtonElement).disabled).toBe(true);
    enter(box);
    expect((await owner.sessions.list({ limit: 200 })).items).toHaveLength(before);

    fireEvent.change(subject, { target: { value: "customer:42" } });
    enter(box);
    const answer = await screen.findByTestId("playground-answer", {}, { timeout: 20_000 });
    const session = await owner.sessions.get({ sessionId: urlSession()! });
    expect(session.subject).toBe("customer:42");
    expect(screen.getByTestId("playground-session-subject").textContent).toContain("customer:42");
    const runId = answer.querySelector('[data-testid="playground-answer-run"]')!.getAttribute("href")!.split("/runs/")[1]!;
    expect((await db().run.findUniqueOrThrow({ where: { id: runId } })).subject).toBe("customer:42");
  }, 60_000);

  it("a message sent while another tab's is being answered: the 409 is explained, the text kept, and that answer followed", async () => {
    // no executor here: the other tab's message stays being answered
    const busy = await makeRunWorkspace("render-playground-busy");
    await addAgent(busy.ctx, "helper");
    const chat = await createSession(busy.ctx, { agent: "helper", title: "Busy" });
    at(`?session=${chat.id}`);
    render("member", busy.ws);
    await screen.findByText("Send a message to start a chat.", {}, { timeout: 10_000 });
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement;
    await vi.waitFor(() => expect(box.disabled).toBe(false));
    const other = await sendMessage(busy.ctx, chat.id, { content: "From another tab." });
    try {
      fireEvent.change(box, { target: { value: "Mine." } });
      enter(box);
      const error = await screen.findByTestId("playground-error", {}, { timeout: 10_000 });
      expect(error.getAttribute("data-code")).toBe("CONFLICT");
      expect(error.textContent).toContain("already answering a message, sent from another tab or by someone else");
      expect(box.value).toBe("Mine.");
      // the page now shows the other message and follows its answer, the composer waiting for it
      expect((await screen.findByTestId("playground-user-turn", {}, { timeout: 10_000 })).textContent).toBe("From another tab.");
      expect((await screen.findByTestId("playground-pending", {}, { timeout: 10_000 })).getAttribute("data-run-id")).toBe(other.runId);
      expect(box.disabled).toBe(true);
      expect((await callerFor(busy.ws.users.owner, busy.ws.slug).sessions.messages({ sessionId: chat.id })).items).toHaveLength(1);
    } finally {
      await callerFor(busy.ws.users.owner, busy.ws.slug).runs.cancel({ runId: other.runId });
    }
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
    const runId = screen.getByTestId("playground-answer-run").getAttribute("href")!.split("/runs/")[1]!;
    const run = await callerFor(rw.ws.users.owner, rw.ws.slug).runs.get({ runId });
    expect(run.agent).toMatchObject({ slug: "editor", version: 1 });
    // another target starts a new chat, at its current version
    act(() => void fireEvent.change(target, { target: { value: "agent:writer" } }));
    expect(version.value).toBe("");
    expect(urlSession()).toBeNull();
    expect(screen.queryAllByTestId("playground-answer")).toHaveLength(0);
  }, 60_000);

  it("a workspace with nothing to talk to shows the empty state with a link to create an agent", async () => {
    const empty = await makeRunWorkspace("render-playground-empty");
    render("member", empty.ws);
    const state = await screen.findByTestId("playground-empty", {}, { timeout: 10_000 });
    expect(state.querySelector(`a[href="/w/${empty.ws.slug}/agents"]`)).not.toBeNull();
    expect(screen.queryByTestId("playground-message")).toBeNull();
  });

  it("a viewer reads a chat's history but cannot send, and says why", async () => {
    const chat = await createSession(rw.ctx, { agent: "writer", title: "For the viewer" });
    await sendMessage(rw.ctx, chat.id, { content: "Hello from the owner." }, { waitMs: 20_000 });
    at(`?session=${chat.id}`);
    render("viewer");
    expect((await screen.findByTestId("playground-user-turn", {}, { timeout: 10_000 })).textContent).toBe("Hello from the owner.");
    expect((await screen.findByTestId("playground-answer", {}, { timeout: 10_000 })).getAttribute("data-status")).toBe("succeeded");
    expect((await screen.findByTestId("playground-session")).textContent).toContain("Chat with writer");
    expect((screen.getByLabelText("Message") as HTMLTextAreaElement).disabled).toBe(true);
    expect(screen.getByText(/Your role cannot start runs/)).toBeTruthy();
    expect((screen.getByTestId("playground-send") as HTMLButtonElement).disabled).toBe(true);
  }, 60_000);
});
