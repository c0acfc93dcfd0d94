// @vitest-environment happy-dom
/**
 * The MCP cards against the real router and database: on an agent's page a member switches "Available over MCP"
 * and "Share the instructions" (saved as the agent's settings, shown in the workspace settings' list of offered
 * tools); a team's card offers the team; a viewer sees the switches disabled and cannot change anything.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { testDb as db } from "@/test/db";
import { addAgent, addTeam, makeRunWorkspace } from "@/test/fixtures/runs";
import { renderWithRouter } from "@/test/ui-harness";
import { McpEndpointCard } from "./mcp-endpoint-card";
import { McpExposureCard } from "./mcp-exposure-card";

afterEach(cleanup);

describe("MCP cards", () => {
  it("a member offers an agent and its instructions, and a team; the settings card lists them", async () => {
    const rw = await makeRunWorkspace("mcp-cards");
    const agent = await addAgent(rw.ctx, "helper");
    await addAgent(rw.ctx, "other");
    const team = await addTeam(rw.ctx, "pair", { topology: "sequential", agents: ["helper", "other"] });
    const ui = userEvent.setup();
    const sent: unknown[] = [];
    const record = (path: string, input: unknown) => path.endsWith("setMcp") && sent.push(input);

    renderWithRouter(
      rw.ws,
      "member",
      () => h(McpExposureCard, { target: { kind: "agent", id: agent.id, slug: "helper", mcpExposed: false, mcpSharePrompt: false } }),
      record,
    );
    expect(screen.getByText("Available over MCP as the tool agent_helper")).toBeTruthy();
    expect(screen.getByTestId("mcp-endpoint-url").textContent).toMatch(new RegExp(`/api/mcp/${rw.ws.slug}$`));
    await ui.click(screen.getByTestId("mcp-exposed"));
    await waitFor(async () => expect((await db().agent.findUniqueOrThrow({ where: { id: agent.id } })).mcpExposed).toBe(true), { timeout: 20_000 });
    // the switches stay disabled until the first save's answer is back (the row changes before the answer arrives)
    await waitFor(() => expect((screen.getByTestId("mcp-share-prompt") as HTMLButtonElement).disabled).toBe(false), { timeout: 20_000 });
    await ui.click(screen.getByTestId("mcp-share-prompt"));
    await waitFor(async () => expect((await db().agent.findUniqueOrThrow({ where: { id: agent.id } })).mcpSharePrompt).toBe(true), { timeout: 20_000 });
    expect(sent).toEqual([
      { agent: agent.id, exposed: true },
      { agent: agent.id, sharePrompt: true },
    ]);
    cleanup();

    renderWithRouter(rw.ws, "member", () => h(McpExposureCard, { target: { kind: "team", id: team.id, slug: "pair", mcpExposed: false } }), record);
    expect(screen.queryByTestId("mcp-share-prompt")).toBeNull();
    await ui.click(screen.getByTestId("mcp-exposed"));
    await waitFor(async () => expect((await db().team.findUniqueOrThrow({ where: { id: team.id } })).mcpExposed).toBe(true), { timeout: 20_000 });
    cleanup();

    renderWithRouter(rw.ws, "member", () => h(McpEndpointCard));
    await waitFor(
      () => expect([...screen.getByTestId("mcp-offered").querySelectorAll("code")].map((c) => c.textContent)).toEqual(["agent_helper", "team_pair"]),
      {
        timeout: 20_000,
      },
    );
  });

  it("a viewer sees the switches disabled and changes nothing", async () => {
    const rw = await makeRunWorkspace("mcp-cards-ro");
    const agent = await addAgent(rw.ctx, "helper");
    renderWithRouter(rw.ws, "viewer", () =>
      h(McpExposureCard, { target: { kind: "agent", id: agent.id, slug: "helper", mcpExposed: false, mcpSharePrompt: false } }),
    );
    expect((screen.getByTestId("mcp-exposed") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("Your role cannot change what is offered.")).toBeTruthy();
    renderWithRouter(rw.ws, "viewer", () => h(McpEndpointCard));
    expect(await screen.findByTestId("mcp-offered-none")).toBeTruthy();
  });
});
