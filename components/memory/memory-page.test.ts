// @vitest-environment happy-dom
/**
 * The Memory page against the real router and database: the list with each memory's provenance (the run link, the
 * document, the creator, the embedding model, the simulator's lexical label) and filters; the create and edit forms
 * validated by the shared schemas (nothing sent while invalid, only the changed fields sent); pin and delete after a
 * confirm; a viewer gets no actions; the recall test shows the ranked results with their explanation.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import type { Role } from "@/lib/permissions";
import { testDb as db } from "@/test/db";
import { renderWithRouter } from "@/test/ui-harness";
import { callerFor, makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { MemoryPage } from "./memory-page";

afterEach(cleanup);

function renderAs(ws: TestWorkspace, role: Role) {
  const calls: { path: string; input: unknown }[] = [];
  renderWithRouter(
    ws,
    role,
    () => h(MemoryPage),
    (path, input) => calls.push({ path, input }),
  );
  return { calls: (path: string) => calls.filter((c) => c.path === path).map((c) => c.input) };
}

/** A number field's value as typed (user-event cannot select a number input's text to replace it in happy-dom). */
const setNumber = (field: HTMLElement, value: string) => fireEvent.change(field, { target: { value } });
const rows = () => screen.queryAllByTestId("memory-row");
const rowOf = (id: string) => rows().find((r) => r.dataset.memoryId === id)!;

describe("Memory page: the list", () => {
  it("shows each memory's scope, kind, importance, pinned and provenance; the simulator's model is labelled lexical", async () => {
    const ws = await makeWorkspace("memory-ui-list");
    const owner = callerFor(ws.users.owner, ws.slug);
    const fromRun = await owner.memories.create({
      content: "Customer 42 prefers email",
      scope: { type: "subject", id: "customer:42" },
      kind: "episodic",
      importance: 0.8,
      pinned: true,
      source: "run",
      sourceRef: { runId: "run_abc123", stepId: "step-2" },
    });
    const fromDoc = await owner.memories.create({ content: "Refunds take 5 days", source: "document", sourceRef: { documentId: "doc_xyz" } });
    const mine = await callerFor(ws.users.member, ws.slug).memories.create({ content: "Ask before calling", sourceRef: { note: "from the kickoff" } });
    // a row a real model embedded: no lexical label
    await db().memory.updateMany({ where: { id: fromDoc.id }, data: { embeddingModel: "openai:text-embedding-3-small" } });

    renderAs(ws, "member");
    await waitFor(() => expect(rows()).toHaveLength(3));

    const run = within(rowOf(fromRun.id));
    expect(run.getByTestId("memory-content-text").textContent).toBe("Customer 42 prefers email");
    expect(run.getByTestId("memory-scope").textContent).toBe("subjectcustomer:42");
    expect(run.getByText("episodic")).toBeTruthy();
    expect(run.getByTestId("memory-importance-value").textContent).toBe("0.80");
    expect(run.getByTestId("memory-pinned-badge").textContent).toBe("pinned");
    expect(run.getByTestId("memory-source").textContent).toBe("run");
    expect(run.getByTestId("memory-run-link").getAttribute("href")).toBe(`/w/${ws.slug}/runs/run_abc123`);
    expect(run.getByText("step-2")).toBeTruthy();
    // another member by email, once the members have loaded
    await waitFor(() => expect(run.getByTestId("memory-created-by").textContent).toBe(`by ${ws.users.owner.email}`));
    expect(run.getByTestId("memory-embedding-model").textContent).toBe(fromRun.embeddingModel);
    expect(fromRun.embeddingModel).toMatch(/^simulator:.*\(lexical\)$/);
    expect(run.getByTestId("memory-lexical").textContent).toBe("lexical, not semantic");

    const doc = within(rowOf(fromDoc.id));
    expect(doc.getByTestId("memory-source").textContent).toBe("document");
    expect(doc.getByTestId("memory-document").textContent).toBe("Document doc_xyz");
    expect(doc.queryByTestId("memory-run-link")).toBeNull();
    expect(doc.getByTestId("memory-embedding-model").textContent).toBe("openai:text-embedding-3-small");
    expect(doc.queryByTestId("memory-lexical")).toBeNull();

    const own = within(rowOf(mine.id));
    expect(own.getByTestId("memory-source").textContent).toBe("person");
    expect(own.getByTestId("memory-created-by").textContent).toBe("by you");
    expect(own.getByTestId("memory-note-text").textContent).toBe("“from the kickoff”");
    expect(own.getByTestId("memory-scope").textContent).toBe("workspace");
  });

  it("filters by scope, scope id and kind (an id the API would refuse is not sent), says when nothing matches", async () => {
    const ws = await makeWorkspace("memory-ui-filter");
    const owner = callerFor(ws.users.owner, ws.slug);
    const a = await owner.memories.create({ content: "A", scope: { type: "subject", id: "customer:42" } });
    const b = await owner.memories.create({ content: "B", scope: { type: "subject", id: "customer:7" }, kind: "working" });
    await owner.memories.create({ content: "C" });
    const ui = userEvent.setup();
    const { calls } = renderAs(ws, "viewer");
    await waitFor(() => expect(rows()).toHaveLength(3));

    await ui.selectOptions(screen.getByLabelText("Scope"), "subject");
    await waitFor(() => expect(rows().map((r) => r.dataset.memoryId)).toEqual([b.id, a.id]));
    await ui.type(screen.getByLabelText("Scope id"), "customer 42");
    expect((await screen.findByRole("alert")).textContent).toContain("Use letters, digits");
    await ui.clear(screen.getByLabelText("Scope id"));
    await ui.type(screen.getByLabelText("Scope id"), "customer:42");
    await ui.click(screen.getByTestId("memory-filter-submit"));
    await waitFor(() => expect(rows().map((r) => r.dataset.memoryId)).toEqual([a.id]));
    expect(calls("memories.list").some((i) => (i as { scopeId?: string }).scopeId === "customer 42")).toBe(false);
    expect(calls("memories.list").at(-1)).toMatchObject({ scopeType: "subject", scopeId: "customer:42", limit: 25 });

    await ui.selectOptions(screen.getByLabelText("Kind"), "working");
    expect((await screen.findByTestId("memory-empty")).textContent).toContain("No memories match these filters.");
    await ui.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(rows()).toHaveLength(3));
  });

  it("a viewer reads, with no New memory, edit, pin or delete", async () => {
    const ws = await makeWorkspace("memory-ui-viewer");
    await callerFor(ws.users.owner, ws.slug).memories.create({ content: "Something" });
    renderAs(ws, "viewer");
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.queryByTestId("memory-new")).toBeNull();
    expect(screen.queryByTestId("memory-edit")).toBeNull();
    expect(screen.queryByTestId("memory-pin")).toBeNull();
    expect(screen.queryByTestId("memory-delete")).toBeNull();
  });
});

describe("Memory page: create, edit, pin, delete", () => {
  it("the create form shows the shared schema's problems and sends nothing until they are fixed", async () => {
    const ws = await makeWorkspace("memory-ui-create");
    const ui = userEvent.setup();
    const { calls } = renderAs(ws, "member");
    await ui.click(await screen.findByTestId("memory-new"));
    const dialog = within(await screen.findByRole("dialog", { name: "New memory" }));

    await ui.click(dialog.getByTestId("memory-submit"));
    expect(await dialog.findByText("A memory says something")).toBeTruthy();
    expect(dialog.getByTestId("memory-content").getAttribute("aria-invalid")).toBe("true");

    await ui.type(dialog.getByTestId("memory-content"), "Customer 42 prefers email");
    await ui.selectOptions(dialog.getByTestId("memory-scope-type"), "subject");
    await ui.click(dialog.getByTestId("memory-submit"));
    expect(await dialog.findByText("A subject scope needs an id")).toBeTruthy();
    await ui.type(dialog.getByTestId("memory-scope-id"), "customer 42");
    setNumber(dialog.getByTestId("memory-importance"), "2");
    await ui.click(dialog.getByTestId("memory-submit"));
    expect(await dialog.findByText("Use letters, digits and _ . : @ - (e.g. customer:42)")).toBeTruthy();
    expect(await dialog.findByText("At most 1")).toBeTruthy();
    expect(calls("memories.create")).toEqual([]);

    await ui.clear(dialog.getByTestId("memory-scope-id"));
    await ui.type(dialog.getByTestId("memory-scope-id"), "customer:42");
    setNumber(dialog.getByTestId("memory-importance"), "0.9");
    await ui.selectOptions(dialog.getByTestId("memory-kind"), "episodic");
    await ui.click(dialog.getByTestId("memory-pinned"));
    await ui.type(dialog.getByTestId("memory-note"), "support call");
    await ui.click(dialog.getByTestId("memory-submit"));
    await waitFor(() => expect(calls("memories.create")).toHaveLength(1));
    expect(calls("memories.create")[0]).toEqual({
      scope: { type: "subject", id: "customer:42" },
      kind: "episodic",
      content: "Customer 42 prefers email",
      importance: 0.9,
      pinned: true,
      sourceRef: { note: "support call" },
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(rows()).toHaveLength(1));
    const row = await db().memory.findFirstOrThrow({ where: { workspaceId: ws.id } });
    expect(row).toMatchObject({
      scopeType: "subject",
      scopeId: "customer:42",
      kind: "episodic",
      pinned: true,
      source: "person",
      createdById: ws.users.member.id,
    });
    expect(within(rows()[0]!).getByTestId("memory-created-by").textContent).toBe("by you");
  });

  it("edit sends only what changed, refuses empty content; pin and unpin; delete asks first", async () => {
    const ws = await makeWorkspace("memory-ui-edit");
    const m = await callerFor(ws.users.owner, ws.slug).memories.create({ content: "Ask before calling", importance: 0.5 });
    const ui = userEvent.setup();
    const { calls } = renderAs(ws, "member");
    await waitFor(() => expect(rows()).toHaveLength(1));

    await ui.click(within(rowOf(m.id)).getByTestId("memory-edit"));
    const dialog = within(await screen.findByRole("dialog", { name: "Edit memory" }));
    expect((dialog.getByTestId("memory-save") as HTMLButtonElement).disabled).toBe(true);
    await ui.clear(dialog.getByTestId("memory-content"));
    await ui.click(dialog.getByTestId("memory-save"));
    expect(await dialog.findByText("A memory says something")).toBeTruthy();
    expect(calls("memories.update")).toEqual([]);
    await ui.type(dialog.getByTestId("memory-content"), "Ask before calling");
    setNumber(dialog.getByTestId("memory-importance"), "0.9");
    await ui.click(dialog.getByTestId("memory-save"));
    await waitFor(() => expect(calls("memories.update")).toHaveLength(1));
    // the content typed back as it was is not sent (it would be embedded again)
    expect(calls("memories.update")[0]).toEqual({ memoryId: m.id, importance: 0.9 });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(within(rowOf(m.id)).getByTestId("memory-importance-value").textContent).toBe("0.90"));

    await ui.click(within(rowOf(m.id)).getByTestId("memory-pin"));
    await waitFor(() => expect(within(rowOf(m.id)).getByTestId("memory-pinned-badge")).toBeTruthy());
    expect(within(rowOf(m.id)).getByTestId("memory-pin").textContent).toBe("Unpin");
    expect((await db().memory.findFirstOrThrow({ where: { id: m.id } })).pinned).toBe(true);

    await ui.click(within(rowOf(m.id)).getByTestId("memory-delete"));
    const confirm = await screen.findByTestId("confirm-dialog");
    expect(confirm.textContent).toContain("Delete this memory?");
    await ui.click(screen.getByTestId("confirm-cancel"));
    expect(calls("memories.delete")).toEqual([]);
    await ui.click(within(rowOf(m.id)).getByTestId("memory-delete"));
    await ui.click(await screen.findByTestId("confirm-ok"));
    expect(await screen.findByTestId("memory-empty")).toBeTruthy();
    expect(await db().memory.findFirst({ where: { id: m.id } })).toBeNull();
  });
});

/** The numbers of "a × (1 + b × c + d × e) = f" */
function scoreParts(text: string) {
  const n = text.match(/-?\d+(\.\d+)?(e-?\d+)?/g)!.map(Number);
  return { fused: n[0]!, wr: n[2]!, recency: n[3]!, wi: n[4]!, importance: n[5]!, score: n[6]! };
}

describe("Memory page: test recall", () => {
  it("shows the ranked results with why each ranked, the model and that it was simulated; weight overrides are sent", async () => {
    const ws = await makeWorkspace("memory-ui-recall");
    const owner = callerFor(ws.users.owner, ws.slug);
    const email = await owner.memories.create({ content: "Customer 42 prefers email over phone calls", scope: { type: "subject", id: "customer:42" } });
    const refund = await owner.memories.create({
      content: "Customer 42 asked about a refund by email",
      scope: { type: "subject", id: "customer:42" },
      pinned: true,
    });
    const office = await owner.memories.create({ content: "The Berlin office moved to Alexanderplatz" });
    await owner.memories.create({ content: "Customer 7 prefers email too", scope: { type: "subject", id: "customer:7" } });

    const ui = userEvent.setup();
    const { calls } = renderAs(ws, "viewer");
    await ui.click(await screen.findByRole("tab", { name: "Test recall" }));
    const form = within(await screen.findByTestId("recall-form"));

    // the form validates with the shared schema: a query, and an id for a subject scope
    await ui.selectOptions(form.getByTestId("recall-scope-type"), "subject");
    await ui.click(form.getByTestId("recall-submit"));
    expect(await form.findByText("A subject scope needs an id")).toBeTruthy();
    expect(form.getByText("Required")).toBeTruthy();
    expect(calls("memories.recall")).toEqual([]);

    await ui.type(form.getByTestId("recall-query"), "customer 42 email");
    await ui.type(form.getByTestId("recall-scope-id"), "customer:42");
    await ui.click(form.getByTestId("recall-scope-add"));
    await ui.selectOptions(form.getAllByTestId("recall-scope-type")[1]!, "workspace");
    await ui.click(screen.getByText("Weights (optional overrides)"));
    setNumber(form.getByTestId("recall-weight-importance"), "0.5");
    await ui.click(form.getByTestId("recall-submit"));

    const results = await screen.findByTestId("recall-results");
    expect(calls("memories.recall")).toEqual([
      {
        query: "customer 42 email",
        scopes: [
          { type: "subject", id: "customer:42" },
          { type: "workspace", id: null },
        ],
        k: 10,
        weights: { importance: 0.5 },
      },
    ]);
    const items = within(results).getAllByTestId("recall-result");
    // customer 7's memory is of another scope; the office shares no word with the query but is a vector candidate
    expect(items.map((r) => r.dataset.memoryId)).toEqual([refund.id, email.id, office.id]);
    expect(within(results).getByTestId("recall-simulated").textContent).toContain("lexical (shared words), not semantic");
    expect(within(results).getAllByTestId("memory-lexical")).toHaveLength(1);
    expect(within(results).getByTestId("memory-embedding-model").textContent).toBe(email.embeddingModel);

    const why = (item: HTMLElement, part: string) => within(item).getByTestId(`recall-why-${part}`).textContent!;
    const [first, , last] = items as [HTMLElement, HTMLElement, HTMLElement];
    expect(why(first, "vector")).toContain("rank ");
    expect(why(first, "vector")).toContain("cosine distance");
    expect(why(first, "text")).toContain("text score");
    expect(why(first, "importance")).toBe("1 (pinned counts as 1)");
    expect(why(last, "text")).toBe("no full-text match (adds 0)");
    expect(why(last, "importance")).toBe("0.5");
    for (const item of items) {
      // the score line is the formula with the weights used (the override among them), and it adds up
      const s = scoreParts(why(item, "score"));
      expect(s.wi).toBe(0.5);
      expect(s.wr).toBe(0.2);
      expect(s.score).toBeCloseTo(s.fused * (1 + s.wr * s.recency + s.wi * s.importance), 3);
      expect(within(item).getByTestId("recall-score").textContent).toBe(`score ${s.score}`);
    }

    // the tabs keep their state: back to the list and again to the results
    await ui.click(screen.getByRole("tab", { name: "Memories" }));
    expect(screen.getByTestId("recall-form").closest("[role=tabpanel]")?.hasAttribute("hidden")).toBe(true);
    await waitFor(() => expect(rows()).toHaveLength(4));
    await ui.click(screen.getByRole("tab", { name: "Test recall" }));
    expect(within(screen.getByTestId("recall-results")).getAllByTestId("recall-result")).toHaveLength(3);
  });
});
