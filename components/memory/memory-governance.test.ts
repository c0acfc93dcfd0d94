// @vitest-environment happy-dom
/**
 * The Memory page's governance tabs against the real router and database. "Subjects": a subject's export downloads
 * its memories as a JSON file and says how many; erase asks first, naming the subject and what goes, then removes its
 * memories, sessions and messages and shows the counts; a viewer cannot erase. "Settings": the settings and usage
 * shown; the form validates with the shared schema (nothing sent while invalid), saves, shows the server's refusal on
 * its field; read-only for a role without settings:update.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import type { Role } from "@/lib/permissions";
import { createAgent } from "@/server/agents/service";
import { env } from "@/server/env";
import { createSession, sendMessage } from "@/server/sessions/service";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { testDb as db } from "@/test/db";
import { fakeApi, renderAs as renderFake, renderWithRouter } from "@/test/ui-harness";
import { auditRows, callerFor, makeWorkspace, type TestWorkspace, uniq } from "@/test/helpers";
import { MemoryPage } from "./memory-page";
import { MemorySubjects } from "./memory-subjects";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

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

const setNumber = (field: HTMLElement, value: string) => fireEvent.change(field, { target: { value } });

/** Catches the file a download link saves: its name and its text. */
function catchDownloads() {
  const files: { name: string; blob: Blob }[] = [];
  let last: Blob | null = null;
  vi.spyOn(URL, "createObjectURL").mockImplementation((blob) => {
    last = blob as Blob;
    return "blob:test";
  });
  vi.spyOn(URL, "revokeObjectURL").mockImplementation(() => undefined);
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    files.push({ name: this.download, blob: last! });
  });
  return files;
}

async function openTab(ui: ReturnType<typeof userEvent.setup>, name: string) {
  await ui.click(await screen.findByRole("tab", { name }));
}

describe("Memory page: subjects", () => {
  it("exports a subject's memories as a file; erase asks first, removes its memories, sessions and messages and shows the counts", async () => {
    const ws = await makeWorkspace("memory-ui-subject");
    const owner = callerFor(ws.users.owner, ws.slug);
    const a = await owner.memories.create({ content: "Lives in Lyon", scope: { type: "subject", id: "customer:42" } });
    await owner.memories.create({ content: "Allergic to peanuts", scope: { type: "subject", id: "customer:42" }, pinned: true });
    const neighbour = await owner.memories.create({ content: "Lives in Lille", scope: { type: "subject", id: "customer:43" } });
    const ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
    await createAgent(ctx, { slug: "concierge", name: "Concierge" });
    const session = await createSession(ctx, { agent: "concierge", subject: "customer:42" });
    await sendMessage(ctx, session.id, { content: "I live in Lyon." });
    const files = catchDownloads();

    const ui = userEvent.setup();
    const { calls } = renderAs(ws, "member");
    await openTab(ui, "Subjects");
    const input = await screen.findByTestId("memory-subject-input");

    // the shared schema's rule: nothing is asked of the server for an id it would refuse
    await ui.type(input, "customer 42");
    await ui.click(screen.getByTestId("memory-subject-export"));
    expect(await screen.findByText("Use letters, digits and _ . : @ - (e.g. customer:42)")).toBeTruthy();
    await ui.click(screen.getByTestId("memory-subject-erase"));
    expect(screen.queryByTestId("confirm-dialog")).toBeNull();
    expect(calls("memories.exportSubject")).toEqual([]);

    await ui.clear(input);
    await ui.type(input, "customer:42");
    await ui.click(screen.getByTestId("memory-subject-export"));
    expect((await screen.findByTestId("memory-subject-exported")).textContent).toBe("Exported 2 memories of customer:42 to subject-customer-42.json.");
    expect(files.map((f) => f.name)).toEqual(["subject-customer-42.json"]);
    const doc = JSON.parse(await files[0]!.blob.text());
    expect(doc).toMatchObject({ format: "cadre.subject-export.v1", subject: "customer:42", truncated: false });
    expect(doc.memories).toHaveLength(2);
    expect(doc.memories.map((m: { id: string }) => m.id)).toContain(a.id);

    // cancel: nothing erased
    await ui.click(screen.getByTestId("memory-subject-erase"));
    const dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("Erase the subject customer:42?");
    expect(dialog.textContent).toContain("removes the memories, sessions and messages of customer:42");
    expect(dialog.textContent).toContain("for good");
    await ui.click(screen.getByTestId("confirm-cancel"));
    expect(calls("memories.eraseSubject")).toEqual([]);

    await ui.click(screen.getByTestId("memory-subject-erase"));
    await ui.click(await screen.findByTestId("confirm-ok"));
    expect((await screen.findByTestId("memory-subject-erased")).textContent).toBe(
      "Erased customer:42: removed 2 memories, 1 session, 1 message, 0 memories of its sessions.",
    );
    expect(calls("memories.eraseSubject")).toEqual([{ subject: "customer:42" }]);
    expect((await db().memory.findMany({ where: { workspaceId: ws.id } })).map((m) => m.id)).toEqual([neighbour.id]);
    expect(await db().session.count({ where: { workspaceId: ws.id } })).toBe(0);
    expect(await db().sessionMessage.count({ where: { workspaceId: ws.id } })).toBe(0);
    const [entry] = await auditRows(ws.id, "memory.subject.erase");
    expect(entry).toMatchObject({ targetId: "customer:42", actorId: ws.users.member.id });
  });

  it("says when an export was truncated", async () => {
    // more than SUBJECT_EXPORT_MAX (10,000) memories is too many to store here: the tab against a fake API
    const files = catchDownloads();
    const ui = userEvent.setup();
    renderFake(
      "viewer",
      fakeApi({
        "memories.exportSubject": () => ({ format: "cadre.subject-export.v1", subject: "customer:1", exportedAt: new Date(), memories: [], truncated: true }),
      }),
      () => h(MemorySubjects),
    );
    await ui.type(await screen.findByTestId("memory-subject-input"), "customer:1");
    await ui.click(screen.getByTestId("memory-subject-export"));
    expect((await screen.findByTestId("memory-subject-exported")).textContent).toBe(
      "Exported 0 memories of customer:1 to subject-customer-1.json (truncated: the export holds the newest; there are more).",
    );
    expect(files).toHaveLength(1);
  });

  it("a viewer exports but cannot erase", async () => {
    const ws = await makeWorkspace("memory-ui-subject-viewer");
    await callerFor(ws.users.owner, ws.slug).memories.create({ content: "Lives in Lyon", scope: { type: "subject", id: "customer:42" } });
    const files = catchDownloads();
    const ui = userEvent.setup();
    renderAs(ws, "viewer");
    await openTab(ui, "Subjects");
    await ui.type(await screen.findByTestId("memory-subject-input"), "customer:42");
    expect(screen.queryByTestId("memory-subject-erase")).toBeNull();
    await ui.click(screen.getByTestId("memory-subject-export"));
    expect((await screen.findByTestId("memory-subject-exported")).textContent).toContain("Exported 1 memory of customer:42");
    expect(files).toHaveLength(1);
    expect(await db().memory.count({ where: { workspaceId: ws.id } })).toBe(1);
  });
});

describe("Memory page: settings", () => {
  it("shows the settings and usage; the form validates with the shared schema, saves, and shows the server's refusal", async () => {
    const ws = await makeWorkspace("memory-ui-settings");
    const owner = callerFor(ws.users.owner, ws.slug);
    await owner.memories.create({ content: "A" });
    await owner.memories.create({ content: "B", pinned: true });
    const ui = userEvent.setup();
    const { calls } = renderAs(ws, "admin");
    await openTab(ui, "Settings");

    const e = env();
    expect((await screen.findByTestId("memory-settings-usage")).textContent).toBe("2 memories, 1 pinned");
    expect(screen.getByTestId("memory-settings-ttl").textContent).toContain("No rules");
    expect(screen.getByTestId("memory-settings-decay").textContent).toBe("off");
    expect(screen.getByTestId("memory-settings-cap").textContent).toContain(
      `${e.CADRE_MEMORY_LIMIT.toLocaleString("en-US")} memories not pinned (the server's default)`,
    );
    expect(screen.getByTestId("memory-settings-cap").textContent).toContain(`at most ${e.CADRE_MEMORY_LIMIT_MAX.toLocaleString("en-US")}`);
    expect(screen.queryByTestId("memory-settings-readonly")).toBeNull();

    const form = within(screen.getByTestId("memory-settings-form"));
    // three rules: every subject, and one exact subject twice (the shared schema refuses 1.5 days, a half-life of 0, then the duplicate)
    await ui.click(form.getByTestId("memory-ttl-add"));
    await ui.click(form.getByTestId("memory-ttl-add"));
    await ui.click(form.getByTestId("memory-ttl-add"));
    const ids = () => form.getAllByTestId("memory-ttl-scope-id");
    const dayFields = () => form.getAllByTestId("memory-ttl-days");
    await ui.type(ids()[1]!, "customer:42");
    await ui.type(ids()[2]!, "customer:42");
    setNumber(dayFields()[1]!, "1.5");
    setNumber(form.getByTestId("memory-settings-decay-input"), "0");
    await ui.click(form.getByTestId("memory-settings-save"));
    expect(await form.findByText("A whole number of days")).toBeTruthy();
    expect(dayFields()[1]!.getAttribute("aria-invalid")).toBe("true");
    expect(form.getByTestId("memory-settings-decay-input").getAttribute("aria-invalid")).toBe("true");
    setNumber(dayFields()[1]!, "0");
    setNumber(form.getByTestId("memory-settings-decay-input"), "14");
    await ui.click(form.getByTestId("memory-settings-save"));
    expect(await form.findByText("Two rules for subject customer:42")).toBeTruthy();
    expect(calls("memories.updateSettings")).toEqual([]);

    // fixed: the duplicate removed, whole days, a half-life; a cap above the server's limit is the server's refusal
    await ui.click(form.getAllByTestId("memory-ttl-remove")[2]!);
    setNumber(form.getByTestId("memory-settings-cap-input"), String(e.CADRE_MEMORY_LIMIT_MAX + 1));
    await ui.click(form.getByTestId("memory-settings-save"));
    expect(await form.findByText(`At most ${e.CADRE_MEMORY_LIMIT_MAX}`)).toBeTruthy();
    expect(form.getByTestId("memory-settings-cap-input").getAttribute("aria-invalid")).toBe("true");

    setNumber(form.getByTestId("memory-settings-cap-input"), "500");
    await ui.click(form.getByTestId("memory-settings-save"));
    expect(await screen.findByTestId("memory-settings-saved")).toBeTruthy();
    expect(calls("memories.updateSettings").at(-1)).toEqual({
      ttl: [
        { scopeType: "subject", scopeId: null, days: 30 },
        { scopeType: "subject", scopeId: "customer:42", days: 0 },
      ],
      decayHalfLifeDays: 14,
      maxMemories: 500,
    });
    expect(
      await db().workspace.findUniqueOrThrow({ where: { id: ws.id }, select: { memoryTtl: true, memoryDecayHalfLifeDays: true, memoryMaxCount: true } }),
    ).toEqual({
      memoryTtl: [
        { scopeType: "subject", scopeId: null, days: 30 },
        { scopeType: "subject", scopeId: "customer:42", days: 0 },
      ],
      memoryDecayHalfLifeDays: 14,
      memoryMaxCount: 500,
    });
    await waitFor(() =>
      expect(screen.getAllByTestId("memory-settings-ttl-rule").map((r) => r.textContent)).toEqual([
        "every subject: deleted 30 days after its last change",
        "subject customer:42: kept forever",
      ]),
    );
    expect(screen.getByTestId("memory-settings-decay").textContent).toBe("halves every 14 days since the last change or recall");
    expect(screen.getByTestId("memory-settings-cap").textContent).toContain("500 memories not pinned (this workspace's;");

    // removing every rule and blanking the rest puts the defaults back
    await ui.click(form.getAllByTestId("memory-ttl-remove")[1]!);
    await ui.click(form.getAllByTestId("memory-ttl-remove")[0]!);
    setNumber(form.getByTestId("memory-settings-decay-input"), "");
    setNumber(form.getByTestId("memory-settings-cap-input"), "");
    await ui.click(form.getByTestId("memory-settings-save"));
    await waitFor(() => expect(calls("memories.updateSettings").at(-1)).toEqual({ ttl: [], decayHalfLifeDays: null, maxMemories: null }));
    await waitFor(() => expect(screen.getByTestId("memory-settings-decay").textContent).toBe("off"));
    expect(await auditRows(ws.id, "memory.settings.update")).toHaveLength(2);
  });

  it("a member without settings:update sees the settings read-only", async () => {
    const ws = await makeWorkspace("memory-ui-settings-ro");
    await callerFor(ws.users.owner, ws.slug).memories.updateSettings({
      ttl: [{ scopeType: "session", scopeId: null, days: 7 }],
      decayHalfLifeDays: 30,
      maxMemories: 1000,
    });
    const ui = userEvent.setup();
    renderAs(ws, "member");
    await openTab(ui, "Settings");
    expect((await screen.findByTestId("memory-settings-readonly")).textContent).toContain("Owners and admins");
    expect(screen.getAllByTestId("memory-settings-ttl-rule").map((r) => r.textContent)).toEqual(["every session: deleted 7 days after its last change"]);
    expect(screen.getByTestId("memory-settings-cap").textContent).toContain("1,000 memories not pinned");
    expect(screen.queryByTestId("memory-settings-form")).toBeNull();
    expect(screen.queryByTestId("memory-settings-save")).toBeNull();
  });
});
