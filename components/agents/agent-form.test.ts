// @vitest-environment happy-dom
/**
 * The agent form on the server's schemas (createAgentInputSchema, updateAgentInputSchema): the slug follows the name
 * until it is typed, a bad value shows its field's error before anything is sent, what it sends, the server's issues
 * on their fields, and a viewer's disabled form.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { TRPCClientError } from "@trpc/client";
import type { AgentOutput } from "@/lib/schemas/agents";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { AgentForm } from "./agent-form";

afterEach(cleanup);

const day = new Date("2026-01-02T10:00:00Z");
const writer: AgentOutput = {
  id: "agt_1",
  slug: "writer",
  name: "Writer",
  roleDescription: "Writes.",
  instructions: "one",
  modelPolicy: { type: "preset", preset: "fast" },
  maxOutputTokens: 2048,
  temperature: 0.3,
  outageWaitSeconds: 60,
  callTimeoutSeconds: null,
  contextBudget: { strategy: "last_k", keep: 5 },
  allowedTools: [],
  toolApprovals: {},
  memoryPolicy: null,
  qualityGate: null,
  currentVersion: 2,
  latestVersion: 2,
  promotionRule: null,
  versionCount: 2,
  archivedAt: null,
  createdAt: day,
  updatedAt: day,
  mcpExposed: false,
  mcpSharePrompt: false,
};

const tool = (name: string, enabled = true) => ({ id: null, name, kind: "builtin", description: `The ${name} tool`, enabled, grantedTo: [] });
const TOOLS = [tool("calculator"), tool("web_fetch"), tool("old_lookup", false)];

const invalid = (issues: { path: string; message: string }[]) =>
  TRPCClientError.from({ error: { message: "invalid", code: -32600, data: { code: "BAD_REQUEST", httpStatus: 400, issues } } });

function api(handlers: Record<string, (input: unknown) => unknown> = {}) {
  return fakeApi({
    "routing.presets.list": () => [{ name: "fast" }, { name: "balanced" }, { name: "capable" }],
    "tools.list": () => TOOLS,
    "agents.create": (input) => ({ ...writer, ...(input as object), id: "agt_2", currentVersion: 1, latestVersion: 1, versionCount: 1 }),
    "agents.update": (input) => ({ ...writer, ...(input as object), currentVersion: 3, latestVersion: 3, versionCount: 3 }),
    ...handlers,
  });
}

const value = (testId: string) => (screen.getByTestId(testId) as HTMLInputElement).value;

describe("AgentForm", () => {
  it("derives the slug from the name until it is typed, shows a bad value's error once the field is left, and sends the agent", async () => {
    const ui = userEvent.setup();
    const calls = api();
    const created: AgentOutput[] = [];
    renderAs("member", calls, () => h(AgentForm, { bare: true, onCreated: (a: AgentOutput) => created.push(a) }));

    await ui.type(screen.getByTestId("agent-name"), "Lead Researcher");
    expect(value("agent-slug")).toBe("lead-researcher");

    // out of range: the schema's message on the field once it is left, nothing sent
    await ui.clear(screen.getByTestId("agent-max-tokens"));
    await ui.type(screen.getByTestId("agent-max-tokens"), "40000");
    await ui.tab();
    expect(await screen.findByText("Max output tokens is at most 32000")).toBeTruthy();
    expect(screen.getByTestId("agent-max-tokens").getAttribute("aria-invalid")).toBe("true");
    // an emptied required number
    await ui.clear(screen.getByTestId("agent-temperature"));
    await ui.click(screen.getByTestId("agent-submit"));
    expect(await screen.findByText("Required")).toBeTruthy();
    expect(calls["agents.create"]).not.toHaveBeenCalled();

    await ui.clear(screen.getByTestId("agent-max-tokens"));
    await ui.type(screen.getByTestId("agent-max-tokens"), "4000");
    await ui.type(screen.getByTestId("agent-temperature"), "1");
    // a typed slug stays
    await ui.clear(screen.getByTestId("agent-slug"));
    await ui.type(screen.getByTestId("agent-slug"), "Lead");
    await ui.type(screen.getByTestId("agent-name"), "!");
    expect(value("agent-slug")).toBe("lead");
    await ui.selectOptions(screen.getByTestId("agent-context-strategy"), "last_k");
    expect(value("agent-context-keep")).toBe("3");
    // memory: recall from the agent's own scope and the run's subject, remember episodes
    await ui.click(screen.getByTestId("agent-memory-read-agent"));
    await ui.click(screen.getByTestId("agent-memory-read-subject"));
    await ui.selectOptions(screen.getByTestId("agent-memory-write"), "episodic");
    await ui.click(screen.getByTestId("agent-submit"));

    await waitFor(() => expect(created).toHaveLength(1));
    expect(calls["agents.create"]).toHaveBeenCalledWith({
      slug: "lead",
      name: "Lead Researcher!",
      roleDescription: "",
      instructions: "",
      modelPolicy: { type: "preset", preset: "balanced" },
      maxOutputTokens: 4000,
      temperature: 1,
      outageWaitSeconds: 120,
      callTimeoutSeconds: null,
      contextBudget: { strategy: "last_k", keep: 3 },
      memoryPolicy: { read: ["agent", "subject"], k: 5, tokenBudget: 1000, write: "episodic", extractFacts: false, writeScope: "agent" },
      qualityGate: null,
    });
  });

  it("asks for the model to pin before sending", async () => {
    const ui = userEvent.setup();
    const calls = api({ "models.list": () => ({ items: [], nextCursor: null }) });
    renderAs("member", calls, () => h(AgentForm, {}));
    await ui.type(screen.getByTestId("agent-name"), "Pinned");
    await ui.selectOptions(screen.getByTestId("agent-policy-kind"), "pinned");
    await ui.click(screen.getByTestId("agent-submit"));
    expect(await screen.findByText("Choose the model to pin")).toBeTruthy();
    expect(calls["agents.create"]).not.toHaveBeenCalled();
  });

  it("checks the constraints as typed and keeps each policy kind's choice when switching", async () => {
    const ui = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => h(AgentForm, {}));
    await ui.type(screen.getByTestId("agent-name"), "Picky");
    await ui.selectOptions(screen.getByTestId("agent-policy-preset"), "capable");
    await ui.selectOptions(screen.getByTestId("agent-policy-kind"), "constraints");
    await ui.type(screen.getByTestId("agent-policy-max-p95"), "-5");
    await ui.selectOptions(screen.getByTestId("agent-policy-kind"), "preset");
    expect(value("agent-policy-preset")).toBe("capable");
    await ui.selectOptions(screen.getByTestId("agent-policy-kind"), "constraints");
    expect(value("agent-policy-max-p95")).toBe("-5");
    await ui.click(screen.getByTestId("agent-submit"));
    expect(await screen.findByText(/Max p95 latency is a whole number/)).toBeTruthy();
    expect(calls["agents.create"]).not.toHaveBeenCalled();
    await ui.clear(screen.getByTestId("agent-policy-max-p95"));
    await ui.type(screen.getByTestId("agent-policy-max-p95"), "900");
    await ui.click(screen.getByTestId("agent-submit"));
    await waitFor(() => expect(calls["agents.create"]).toHaveBeenCalledTimes(1));
    expect(calls["agents.create"]).toHaveBeenCalledWith(
      expect.objectContaining({
        modelPolicy: {
          type: "constraints",
          constraints: { maxP95LatencyMs: 900, requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false },
        },
      }),
    );
    // the form starts again after a create
    await ui.selectOptions(screen.getByTestId("agent-policy-kind"), "preset");
    expect(value("agent-policy-preset")).toBe("balanced");
  });

  it("puts the server's issues on their fields and saves an edit from its base version", async () => {
    const ui = userEvent.setup();
    let refuse = true;
    const calls = api({
      "agents.update": (input) => {
        if (refuse) throw invalid([{ path: "name", message: "That name is reserved" }]);
        return { ...writer, ...(input as object), currentVersion: 3, latestVersion: 3, versionCount: 3 };
      },
    });
    renderAs("member", calls, () => h(AgentForm, { agent: writer }));
    expect(screen.queryByTestId("agent-slug")).toBeNull();
    expect(value("agent-context-keep")).toBe("5");
    await ui.type(screen.getByTestId("agent-instructions"), " two");
    expect(screen.getByText(/7 \/ 20,000/)).toBeTruthy();
    await ui.click(screen.getByTestId("agent-submit"));
    expect(await screen.findByText("That name is reserved")).toBeTruthy();
    expect(screen.getByTestId("agent-name").getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByTestId("form-error")).toBeNull();

    refuse = false;
    await ui.click(screen.getByTestId("agent-submit"));
    expect((await screen.findByTestId("agent-saved")).textContent).toBe("Saved as version 3.");
    expect(calls["agents.update"]).toHaveBeenLastCalledWith({
      agent: "agt_1",
      name: "Writer",
      roleDescription: "Writes.",
      instructions: "one two",
      modelPolicy: { type: "preset", preset: "fast" },
      maxOutputTokens: 2048,
      temperature: 0.3,
      outageWaitSeconds: 60,
      callTimeoutSeconds: null,
      contextBudget: { strategy: "last_k", keep: 5 },
      memoryPolicy: null,
      qualityGate: null,
      baseVersion: 2,
    });
  });

  it("shows a viewer the agent's fields disabled, without a save button", async () => {
    renderAs("viewer", api(), () => h(AgentForm, { agent: writer }));
    // the fields sit in a disabled fieldset
    expect(screen.getByTestId("agent-name").closest("fieldset")?.disabled).toBe(true);
    expect(value("agent-name")).toBe("Writer");
    expect(screen.queryByTestId("agent-submit")).toBeNull();
  });
});

describe("the tool picker", () => {
  const checkbox = (name: string) => screen.getByTestId(`agent-tool-${name}`);
  const isChecked = (name: string) => checkbox(name).getAttribute("data-state") === "checked";

  it("grants tools to a new agent (tools:grant); a disabled tool is greyed and cannot be added", async () => {
    const ui = userEvent.setup();
    const calls = api();
    renderAs("admin", calls, () => h(AgentForm, {}));
    await waitFor(() => expect(screen.getAllByTestId("agent-tool")).toHaveLength(3));
    expect(screen.queryByTestId("agent-tools-no-grant")).toBeNull();
    const old = screen.getAllByTestId("agent-tool").find((r) => r.dataset.name === "old_lookup")!;
    expect(old.textContent).toContain("disabled");
    expect(checkbox("old_lookup").hasAttribute("disabled")).toBe(true);
    await ui.type(screen.getByTestId("agent-name"), "Mathy");
    await ui.click(checkbox("web_fetch"));
    await ui.click(checkbox("calculator"));
    await ui.click(checkbox("web_fetch"));
    expect(isChecked("calculator")).toBe(true);
    // a granted tool's own approval policy: web_fetch's is dropped with its grant
    await ui.click(checkbox("web_fetch"));
    await ui.selectOptions(screen.getByTestId("agent-tool-approval-web_fetch"), "not_get");
    await ui.selectOptions(screen.getByTestId("agent-tool-approval-calculator"), "always");
    await ui.click(checkbox("web_fetch"));
    expect(screen.queryByTestId("agent-tool-approval-web_fetch")).toBeNull();
    await ui.click(screen.getByTestId("agent-submit"));
    await waitFor(() => expect(calls["agents.create"]).toHaveBeenCalledTimes(1));
    expect(calls["agents.create"]).toHaveBeenCalledWith(
      expect.objectContaining({ slug: "mathy", allowedTools: ["calculator"], toolApprovals: { calculator: { mode: "always" } } }),
    );
  });

  it("an edit sends the grant policies only when they changed; one set over the API shows as a custom rule and is kept", async () => {
    const ui = userEvent.setup();
    const calls = api();
    const custom = { mode: "rule" as const, hostsExcept: ["api.example.com"] };
    renderAs("owner", calls, () => h(AgentForm, { agent: { ...writer, allowedTools: ["calculator", "web_fetch"], toolApprovals: { web_fetch: custom } } }));
    await waitFor(() => expect(screen.getAllByTestId("agent-tool")).toHaveLength(3));
    expect((screen.getByTestId("agent-tool-approval-web_fetch") as HTMLSelectElement).value).toBe("custom");
    await ui.click(screen.getByTestId("agent-submit"));
    await waitFor(() => expect(calls["agents.update"]).toHaveBeenCalledTimes(1));
    expect(calls["agents.update"]).not.toHaveBeenCalledWith(expect.objectContaining({ toolApprovals: expect.anything() }));
    await ui.selectOptions(screen.getByTestId("agent-tool-approval-calculator"), "always");
    await ui.click(screen.getByTestId("agent-submit"));
    await waitFor(() => expect(calls["agents.update"]).toHaveBeenCalledTimes(2));
    expect(calls["agents.update"]).toHaveBeenLastCalledWith(expect.objectContaining({ toolApprovals: { web_fetch: custom, calculator: { mode: "always" } } }));
  });

  it("without tools:grant: says why nothing can be added, and removing a tool still works", async () => {
    const ui = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => h(AgentForm, { agent: { ...writer, allowedTools: ["calculator"] } }));
    await waitFor(() => expect(screen.getAllByTestId("agent-tool")).toHaveLength(3));
    expect(screen.getByTestId("agent-tools-no-grant").textContent).toContain("tools:grant");
    expect(isChecked("calculator")).toBe(true);
    expect(checkbox("calculator").hasAttribute("disabled")).toBe(false);
    expect(checkbox("web_fetch").hasAttribute("disabled")).toBe(true);
    await ui.click(checkbox("web_fetch"));
    expect(isChecked("web_fetch")).toBe(false);
    await ui.click(checkbox("calculator"));
    // taken away by mistake: it can be put back (it is the version's), as long as the edit is not saved
    expect(checkbox("calculator").hasAttribute("disabled")).toBe(false);
    await ui.click(screen.getByTestId("agent-submit"));
    await waitFor(() => expect(calls["agents.update"]).toHaveBeenCalledTimes(1));
    expect(calls["agents.update"]).toHaveBeenCalledWith(expect.objectContaining({ agent: "agt_1", allowedTools: [] }));
  });

  it("an edit that leaves the tools alone does not send them; a granted name the registry lacks stays listed, to be removed", async () => {
    const ui = userEvent.setup();
    const calls = api();
    renderAs("owner", calls, () => h(AgentForm, { agent: { ...writer, allowedTools: ["gone_tool", "calculator"] } }));
    await waitFor(() => expect(screen.getAllByTestId("agent-tool")).toHaveLength(4));
    expect(screen.getAllByTestId("agent-tool").find((r) => r.dataset.name === "gone_tool")!.textContent).toContain("not in the registry");
    await ui.click(screen.getByTestId("agent-submit"));
    await waitFor(() => expect(calls["agents.update"]).toHaveBeenCalledTimes(1));
    expect(calls["agents.update"]).not.toHaveBeenCalledWith(expect.objectContaining({ allowedTools: expect.anything() }));
    await ui.click(checkbox("gone_tool"));
    await ui.click(screen.getByTestId("agent-submit"));
    await waitFor(() => expect(calls["agents.update"]).toHaveBeenCalledTimes(2));
    expect(calls["agents.update"]).toHaveBeenLastCalledWith(expect.objectContaining({ allowedTools: ["calculator"] }));
  });
});
