import { expect, test, type Page } from "@playwright/test";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { addStubModel, addStubProvider, createWorkspace, openDialog, person, signUp } from "./support";

/**
 * The quality gate, end to end: two judges made on the Judges page (the rubric editor's default criterion), attached
 * to an agent in its editor's "Quality gate" section; a run of the agent whose judges (the LLM stub's scripted
 * replies) ask for a revision, then pass it: the run page's verdicts panel shows iteration 1 "revise" and iteration 2
 * "pass" with each judge's verdict, and the run's output is the revised draft.
 */
let stub: LlmStub;
test.beforeAll(async () => {
  stub = await startLlmStub();
});
test.afterAll(async () => {
  await stub?.close();
});

const marker = (who: string) => `[[e2e:${who}]]`;
const verdict = (score: number, label: string, issues: string[] = []) =>
  JSON.stringify({ scores: { accuracy: score }, verdict: label, rationale: `${label}: scored ${score}`, issues });

async function createJudge(page: Page, slug: string) {
  await page.getByTestId("nav-judges").click();
  await openDialog(page, "judge-new", "judge-name");
  await page.getByTestId("judge-name").fill(slug);
  await page.getByTestId("judge-slug").fill(slug);
  await page.getByTestId("judge-instructions").fill(`Judge the answer. ${marker(slug)}`);
  await page.getByTestId("judge-submit").click();
  await expect(page.getByTestId("judge-form")).toBeHidden();
  await expect(page.locator(`[data-testid="judge-row"][data-slug="${slug}"]`)).toBeVisible();
}

test("attach two judges to an agent, run it, see a revise then a pass in the trace", async ({ page }) => {
  const slug = `quality-${Date.now().toString(36)}`;
  await signUp(page, person("Quality"));
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Quality", slug);
  await addStubProvider(page, stub.url);
  await addStubModel(page, ["json"]);
  await createJudge(page, "ja");
  await createJudge(page, "jb");

  await page.getByTestId("nav-agents").click();
  await openDialog(page, "agent-new", "agent-slug");
  await page.getByTestId("agent-slug").fill("writer");
  await page.getByTestId("agent-name").fill("writer");
  await page.getByTestId("agent-instructions").fill(`Write the note. ${marker("writer")}`);
  await page.getByTestId("agent-policy-kind").selectOption("pinned");
  await page.getByTestId("agent-policy-model").selectOption({ label: "Local stub · Stub Large" });
  await page.getByTestId("agent-gate-judge-ja").check();
  await page.getByTestId("agent-gate-judge-jb").check();
  await page.getByTestId("agent-gate-revisions").fill("2");
  await page.getByTestId("agent-submit").click();
  await expect(page.getByTestId("agent-form")).toBeHidden();

  stub.reply({ when: marker("writer"), content: "DRAFT-ONE" });
  // 3 and 4 on the 1-5 scale are 0.5 and 0.75: their mean 0.625 sits between the default fail (0.4) and pass (0.7)
  // thresholds, so the consensus asks for a revision
  stub.reply({ when: marker("ja"), content: verdict(3, "revise", ["Name the source."]) });
  stub.reply({ when: marker("jb"), content: verdict(4, "revise", ["Shorter, please."]) });
  stub.reply({ when: marker("writer"), content: "DRAFT-TWO" });
  stub.reply({ when: marker("ja"), content: verdict(5, "pass") });
  stub.reply({ when: marker("jb"), content: verdict(5, "pass") });

  await page.goto(`/w/${slug}/agents/writer`);
  await page.getByTestId("run-input").fill("Write a note about judges.");
  await page.getByTestId("run-submit").click();
  await page.waitForURL(/\/runs\/run_/);

  const panel = page.getByTestId("run-verdicts");
  await expect(panel.locator('[data-testid="gate-iteration"][data-iteration="1"]')).toHaveAttribute("data-verdict", "revise", { timeout: 60_000 });
  await expect(panel.locator('[data-testid="gate-iteration"][data-iteration="2"]')).toHaveAttribute("data-verdict", "pass", { timeout: 60_000 });
  await expect(panel.locator('[data-testid="judge-verdict"][data-verdict="revise"]')).toHaveCount(2);
  await expect(panel.locator('[data-testid="judge-verdict"][data-verdict="pass"]')).toHaveCount(2);
  await expect(panel.getByTestId("judge-issues").first()).toContainText("Name the source.");
  await expect(page.getByTestId("run-output")).toContainText("DRAFT-TWO");
  // the revision saw the judges' issues
  const revised = stub.calls.filter((c) => JSON.stringify(c.body).includes(marker("writer")))[1];
  expect(JSON.stringify(revised?.body)).toContain("Shorter, please.");
});
