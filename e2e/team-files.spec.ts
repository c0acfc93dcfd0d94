/**
 * A team from a template in one click, its export as a YAML file, and that file imported into another workspace
 * (and refused, with nothing written, where its slugs are taken).
 */
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { createWorkspace, person, signUp } from "./support";

let stub: LlmStub;
test.beforeAll(async () => {
  stub = await startLlmStub();
});
test.afterAll(async () => {
  await stub?.close();
});

test("first real result: the setup connects a key, adds the provider's models, makes a team from a template and runs it", async ({ page }) => {
  const stamp = Date.now().toString(36);
  const key = `sk-setup-e2e-${stamp}-4242`;
  await signUp(page, person("Setter"));
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "First result", `first-${stamp}`);
  await page.getByTestId("checklist-connect_model").getByRole("link").click();
  await page.waitForURL(new RegExp(`/w/first-${stamp}/setup$`));

  // the provider's API is the local stub (as a proxy would be): it lists two models Cadre knows
  stub.modelList({ ids: ["gpt-4o", "gpt-4o-mini"] });
  await page.getByTestId("setup-kind").selectOption("openai");
  await page.getByTestId("setup-api-key").fill(key);
  await page.getByTestId("setup-base-url").fill(stub.url);
  await page.getByTestId("setup-connect-submit").click();
  await expect(page.getByTestId("setup-connected")).toContainText("gpt-4o");
  expect(await page.content()).not.toContain(key);

  await page.locator('[data-testid="setup-template"][data-template="research-brief"]').getByTestId("setup-template-use").click();
  await expect(page.getByTestId("setup-team-made")).toContainText("Research brief");
  await expect(page.getByTestId("setup-run-input")).not.toHaveValue("");
  await page.getByTestId("setup-run-submit").click();
  await page.waitForURL(new RegExp(`/w/first-${stamp}/runs/run_[^/]+$`));
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
  // a real (stub) model answered, not the simulator
  await expect(page.getByTestId("run-output")).toContainText("[stub gpt-4o");
  expect(stub.calls.some((c) => c.apiKey === key)).toBe(true);
});

test("a team from a template, exported as YAML and imported into another workspace", async ({ page }) => {
  const stamp = Date.now().toString(36);
  await signUp(page, person("Templater"));
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Templates", `tpl-${stamp}`);
  await page.goto(`/w/tpl-${stamp}/teams`);
  await page.getByTestId("team-templates-open").click();
  const research = page.locator('[data-testid="team-template"][data-template="research-brief"]');
  await expect(research).toContainText("Sequential");
  await research.getByTestId("team-template-use").click();
  await page.waitForURL(new RegExp(`/w/tpl-${stamp}/teams/research-brief$`));
  await expect(page.getByTestId("team-page")).toHaveAttribute("data-slug", "research-brief");

  // the breadcrumbs lead back; the tab names the team; the command palette (Ctrl+K) finds it and runs it in the playground
  await expect(page.getByTestId("breadcrumbs")).toContainText("Teams");
  await expect(page).toHaveTitle(/^Research brief · Teams · Templates · Cadre$/);
  await page.keyboard.press("Control+k");
  await page.getByTestId("command-palette-input").fill("run research");
  await page.locator('[data-testid="command-palette-item"][data-item="team-run:research-brief"]').click();
  await page.waitForURL(new RegExp(`/w/tpl-${stamp}/playground\\?target=team%3Aresearch-brief$`));
  await expect(page.getByTestId("playground-target")).toHaveValue("team:research-brief");
  // the palette closed with the navigation before it is opened again
  await expect(page.getByTestId("command-palette-input")).toBeHidden();
  // ... or opens the runs page's start form with an agent preselected; list pages' tabs name the workspace
  await page.keyboard.press("Control+k");
  await page.getByTestId("command-palette-input").fill("start a run of researcher");
  await page.locator('[data-testid="command-palette-item"][data-item="agent-start:researcher"]').click();
  await page.waitForURL(new RegExp(`/w/tpl-${stamp}/runs\\?target=agent%3Aresearcher$`));
  await expect(page.getByTestId("run-target")).toHaveValue("agent:researcher");
  await expect(page).toHaveTitle(`Runs · tpl-${stamp} · Cadre`);

  // the overview's checklist now counts an agent and a team
  await page.goto(`/w/tpl-${stamp}`);
  await expect(page.getByTestId("checklist-create_agent")).toHaveAttribute("data-done", "true");
  await expect(page.getByTestId("checklist-create_team")).toHaveAttribute("data-done", "true");

  await page.goto(`/w/tpl-${stamp}/teams/research-brief`);
  await page.getByTestId("team-export").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("team-export-yaml").click()]);
  expect(download.suggestedFilename()).toBe("research-brief.cadre-team.yaml");
  const yaml = await readFile(await download.path(), "utf8");
  expect(yaml).toContain("kind: cadre.team");
  expect(yaml).toContain("slug: researcher");

  // the canvas: click a node of the graph, take it out of the team (the form and the JSON follow), save a new version
  await page.locator('[data-testid="team-graph-node"][data-node-id="s1"]').click();
  await expect(page.getByTestId("canvas-inspector")).toHaveAttribute("data-node-id", "s1");
  await page.getByTestId("canvas-node-remove").click();
  await expect(page.locator('[data-testid="team-graph-node"][data-node-id="s2"]')).toHaveCount(0);
  expect(JSON.parse(await page.getByTestId("team-json").inputValue()).agents).toEqual(["researcher", "editor"]);
  await page.getByTestId("team-submit").click();
  await expect(page.getByTestId("team-saved")).toContainText("version 2");
  // drag an agent from the palette onto a node: it takes that place
  await page.locator('[data-testid="canvas-palette-item"][data-ref="writer"]').dragTo(page.locator('[data-testid="team-graph-node"][data-node-id="s1"]'));
  await expect.poll(async () => JSON.parse(await page.getByTestId("team-json").inputValue()).agents).toEqual(["researcher", "writer"]);

  // the same file here: every slug is taken, nothing is written
  await page.goto(`/w/tpl-${stamp}/teams`);
  await page.getByTestId("team-import-open").click();
  await page.getByTestId("team-import-text").fill(yaml);
  await page.getByTestId("team-import-submit").click();
  await expect(page.getByTestId("team-import-error")).toContainText('agent "researcher"');
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("team-row")).toHaveCount(1);

  // another workspace imports it from the file
  await createWorkspace(page, "Imports", `imp-${stamp}`);
  await page.goto(`/w/imp-${stamp}/teams`);
  await page.getByTestId("team-import-open").click();
  await page.getByTestId("team-import-file").setInputFiles({ name: "research-brief.cadre-team.yaml", mimeType: "application/yaml", buffer: Buffer.from(yaml) });
  await expect(page.getByTestId("team-import-text")).toHaveValue(yaml);
  await page.getByTestId("team-import-submit").click();
  await page.waitForURL(new RegExp(`/w/imp-${stamp}/teams/research-brief$`));
  await page.goto(`/w/imp-${stamp}/agents`);
  await expect(page.getByText("Researcher", { exact: true })).toBeVisible();
});
