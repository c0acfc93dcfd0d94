import { expect, test } from "@playwright/test";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { addStubModel, addStubProvider, createWorkspace, openDialog, person, signUp } from "./support";

/**
 * Labels and calibration, end to end: three runs of an agent with one judge (the LLM stub's scripted verdicts), then
 * three outputs labelled in the Labelling view with the keyboard only (p/r/f, 1-5, n, Enter), the judge's verdicts
 * never shown there; the judge page's agreement panel moves from 0 to 3 labelled pairs.
 */
let stub: LlmStub;
test.beforeAll(async () => {
  stub = await startLlmStub();
});
test.afterAll(async () => {
  await stub?.close();
});

const marker = (who: string) => `[[e2e:${who}]]`;
const verdict = (score: number, label: string) => JSON.stringify({ scores: { accuracy: score }, verdict: label, rationale: `JUDGE-SAYS-${label}`, issues: [] });

test("label three outputs with the keyboard and see the judge's agreement figures move", async ({ page }) => {
  const slug = `labels-${Date.now().toString(36)}`;
  await signUp(page, person("Labels"));
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Labels", slug);
  await addStubProvider(page, stub.url);
  await addStubModel(page, ["json"]);

  await page.getByTestId("nav-judges").click();
  await openDialog(page, "judge-new", "judge-name");
  await page.getByTestId("judge-name").fill("ja");
  await page.getByTestId("judge-slug").fill("ja");
  await page.getByTestId("judge-instructions").fill(`Judge the answer. ${marker("ja")}`);
  await page.getByTestId("judge-submit").click();
  await expect(page.getByTestId("judge-form")).toBeHidden();

  await page.getByTestId("nav-agents").click();
  await openDialog(page, "agent-new", "agent-slug");
  await page.getByTestId("agent-slug").fill("writer");
  await page.getByTestId("agent-name").fill("writer");
  await page.getByTestId("agent-instructions").fill(`Write the note. ${marker("writer")}`);
  await page.getByTestId("agent-policy-kind").selectOption("pinned");
  await page.getByTestId("agent-policy-model").selectOption({ label: "Local stub · Stub Large" });
  await page.getByTestId("agent-gate-judge-ja").check();
  await page.getByTestId("agent-submit").click();
  await expect(page.getByTestId("agent-form")).toBeHidden();

  for (const [i, [score, label]] of (
    [
      [5, "pass"],
      [1, "fail"],
      [5, "pass"],
    ] as const
  ).entries()) {
    stub.reply({ when: marker("writer"), content: `OUTPUT-${i}` });
    stub.reply({ when: marker("ja"), content: verdict(score, label) });
    await page.goto(`/w/${slug}/agents/writer`);
    await page.getByTestId("run-input").fill(`Note number ${i}`);
    await page.getByTestId("run-submit").click();
    await page.waitForURL(/\/runs\/run_/);
    await expect(page.getByTestId("run-verdicts").locator('[data-testid="gate-iteration"][data-iteration="1"]')).toHaveAttribute("data-verdict", label, {
      timeout: 60_000,
    });
  }

  await page.goto(`/w/${slug}/judges/ja`);
  const pairs = page.getByTestId("agreement-pairs");
  await expect(pairs).toHaveAttribute("data-labelled", "0");
  await expect(page.getByTestId("agreement-kappa")).toContainText("not enough data");

  await page.getByTestId("nav-labels").click();
  for (const keys of [
    ["p", "5"],
    ["r", "2"],
    ["f", "1"],
  ]) {
    const form = page.getByTestId("label-form");
    await expect(form).toBeVisible();
    const runId = await form.getAttribute("data-run");
    await expect(page.getByTestId("label-output")).toContainText("OUTPUT-");
    // no anchoring: nothing of the judge's verdict is on the page
    await expect(page.locator("body")).not.toContainText("JUDGE-SAYS");
    for (const key of keys) await page.keyboard.press(key);
    await page.keyboard.press("n");
    await page.keyboard.type("checked by hand");
    await page.keyboard.press("Escape");
    await page.keyboard.press("Enter");
    await expect(page.locator(`[data-testid="label-form"][data-run="${runId}"]`)).toBeHidden();
  }
  await expect(page.getByTestId("label-queue-empty")).toBeVisible();

  await page.goto(`/w/${slug}/judges/ja`);
  await expect(pairs).toHaveAttribute("data-labelled", "3");
  const heldOut = Number(await pairs.getAttribute("data-held-out"));
  expect(heldOut).toBeGreaterThanOrEqual(0);
  expect(heldOut).toBeLessThanOrEqual(3);
  await expect(page.getByTestId("agreement-kappa")).toContainText(`n=${heldOut}`);
});
