import { expect, test } from "@playwright/test";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { addStubModel, addStubProvider, createWorkspace, openDialog, person, signUp } from "./support";

/**
 * Memory, end to end against a production build: a document ingested into a subject's memory (the Memory page's
 * Documents tab, a background job), an agent whose policy recalls that subject's memory, a question in the playground
 * that only the document answers (the stub answers with the code only when the prompt carries it), the memory cited
 * in the run's memory step; then the subject erased (the Subjects tab) and recall for it empty.
 */
let stub: LlmStub;
test.beforeAll(async () => {
  stub = await startLlmStub();
  // every text embeds to one 384-dimensional vector (the stub's own are 8 long): recall ranks by the full-text match
  stub.embedding({ when: "", vector: Array.from({ length: 384 }, (_, i) => (i === 0 ? 1 : 0)) });
});
test.afterAll(async () => {
  await stub?.close();
});

test("a document's fact reaches the agent's answer with its memory cited; erasing the subject empties recall", async ({ page }) => {
  test.setTimeout(240_000);
  const owner = person("Mira");
  const slug = `memory-${Date.now().toString(36)}`;
  await signUp(page, owner);
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Memory Lab", slug);
  await addStubProvider(page, stub.url);
  await addStubModel(page);
  // and an embedding model on the same provider: memory's
  await openDialog(page, "model-new", "model-provider");
  await page.getByTestId("model-provider").selectOption({ label: "Local stub (OpenAI-compatible)" });
  await page.getByTestId("model-id").fill("embed-small");
  await page.getByTestId("model-display-name").fill("Embed Small");
  await page.getByTestId("model-input-price").fill("0.02");
  await page.getByTestId("model-output-price").fill("0");
  await page.getByTestId("model-context").fill("8000");
  await page.getByTestId("model-quality").fill("0.9");
  await page.getByTestId("model-capability-embeddings").check();
  await page.getByTestId("model-submit").click();
  await expect(page.locator('[data-testid="model-row"][data-model-id="embed-small"]')).toBeVisible();

  // the document, into the memory of subject customer:7
  await page.getByTestId("nav-memory").click();
  await page.getByTestId("memory-tab-documents").click();
  const docs = page.getByRole("tabpanel", { name: "Documents" });
  await docs.getByLabel("Scope", { exact: true }).selectOption("subject");
  await docs.getByLabel("Scope id").fill("customer:7");
  await docs.getByLabel("Title (optional)").fill("Office notes");
  await docs.getByLabel("Text, Markdown or HTML").fill("# Lyon office\n\nThe vault door code of the Lyon office is ZEBRA-42.\n");
  await docs.getByRole("button", { name: "Add to memory" }).click();
  await expect(docs.getByTestId("memory-document")).toHaveAttribute("data-status", "ready", { timeout: 60_000 });

  // an agent that recalls the run's subject's memory
  await page.getByTestId("nav-agents").click();
  await openDialog(page, "agent-new", "agent-slug");
  await page.getByTestId("agent-slug").fill("concierge");
  await page.getByTestId("agent-name").fill("Concierge");
  await page.getByTestId("agent-policy-kind").selectOption("pinned");
  await page.getByTestId("agent-policy-model").selectOption({ label: "Local stub · Stub Large" });
  await page.getByTestId("agent-memory-read-subject").click();
  await page.getByTestId("agent-submit").click();
  await expect(page.getByTestId("agent-form")).toBeHidden();

  // the question, in the playground, for customer:7: the stub answers with the code only if the prompt has it
  stub.reply({ content: "The vault door code is ZEBRA-42 (memory cited).", when: "ZEBRA-42" });
  await page.getByTestId("nav-playground").click();
  await page.getByTestId("playground-target").selectOption("agent:concierge");
  await page.getByTestId("playground-subject").fill("customer:7");
  await page.getByTestId("playground-message").fill("What is the vault door code of the Lyon office?");
  await page.keyboard.press("Enter");
  const answer = page.getByTestId("playground-answer");
  await expect(answer).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(answer).toContainText("ZEBRA-42");

  // the run's memory step names the memory that entered the prompt
  await answer.getByTestId("playground-answer-run").click();
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
  const recallStep = page.locator('[data-testid="run-trace-row"][data-step-id="agent~memory"]');
  await recallStep.getByTestId("run-trace-bar").click();
  const detail = page.getByTestId("run-trace-step");
  await expect(detail.getByTestId("run-step-memory")).toHaveCount(1);
  await expect(detail.getByTestId("run-step-output")).toContainText("ZEBRA-42");
  const memoryId = await detail.getByTestId("run-step-memory").getAttribute("data-id");
  expect(memoryId).toMatch(/^memo_/);

  // erase the subject; recall for it comes back empty
  await page.keyboard.press("Escape");
  await expect(detail).toBeHidden();
  await page.getByTestId("nav-memory").click();
  await page.getByTestId("memory-tab-subjects").click();
  await page.getByTestId("memory-subject-input").fill("customer:7");
  await page.getByTestId("memory-subject-erase").click();
  await page.getByRole("alertdialog").getByRole("button", { name: /erase/i }).click();
  await expect(page.getByTestId("memory-subject-erased")).toContainText("customer:7");
  await page.getByTestId("memory-tab-recall").click();
  await page.getByTestId("recall-query").fill("vault door code");
  await page.getByTestId("recall-scope-type").first().selectOption("subject");
  await page.getByTestId("recall-scope-id").first().fill("customer:7");
  await page.getByTestId("recall-submit").click();
  await expect(page.getByTestId("recall-none")).toBeVisible();
  await expect(page.getByTestId("recall-result")).toHaveCount(0);
});
