import { expect, test } from "@playwright/test";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { addStubModel, addStubProvider, createWorkspace, person, signUp } from "./support";

let stub: LlmStub;
test.beforeAll(async () => {
  stub = await startLlmStub();
});
test.afterAll(async () => {
  await stub?.close();
});

test("vault key, OpenAI-compatible provider, model catalog, routing, a real call, usage and a budget refusal", async ({ page }) => {
  const owner = person("Mona");
  const slug = `models-${Date.now().toString(36)}`;
  const secretValue = `sk-stub-e2e-${Date.now()}-9876`;
  await signUp(page, owner);
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Model Lab", slug);

  // a fresh workspace can be tried offline: the simulator is there, labelled as such
  await page.getByTestId("nav-providers").click();
  await expect(page.getByTestId("simulator-badge").first()).toBeVisible();

  // vault: the value is write-only
  await page.getByTestId("nav-vault").click();
  await page.getByTestId("secret-open").click();
  await page.getByTestId("secret-name").fill("STUB_KEY");
  await page.getByTestId("secret-value").fill(secretValue);
  await page.getByTestId("secret-submit").click();
  const row = page.locator('[data-testid="secret-row"][data-name="STUB_KEY"]');
  await expect(row).toBeVisible();
  await expect(row.getByTestId("secret-last4")).toContainText("9876");
  // the dialog closed once saved: its form, value included, is gone
  await expect(page.getByTestId("secret-dialog")).toBeHidden();
  await expect(page.getByTestId("secret-value")).toHaveCount(0);
  expect(await page.content()).not.toContain(secretValue);

  // provider pointing at the local OpenAI-compatible stub, keyed by the secret
  await addStubProvider(page, stub.url, "STUB_KEY (…9876)");

  // a model on it, cheaper and better than the simulator's capable model
  await addStubModel(page);

  // test connection makes one real call, with the decrypted key
  await page.getByTestId("nav-providers").click();
  const provider = page.locator('[data-testid="provider-row"][data-name="Local stub"]');
  await provider.getByTestId("provider-test").click();
  await expect(provider.getByTestId("provider-test-result")).toContainText(/ok|connected|works/i);
  expect(stub.calls.some((c) => (c as { apiKey?: string }).apiKey === secretValue)).toBe(true);

  // the router explains its choice, then runs the call for real
  await page.getByTestId("nav-routing").click();
  await page.getByTestId("route-preset").selectOption("capable");
  await page.getByTestId("route-submit").click();
  await expect(page.getByTestId("route-chosen")).toContainText("Stub Large");
  await expect(page.getByTestId("route-candidate-row").first()).toBeVisible();
  await page.getByTestId("route-run").click();
  await expect(page.getByTestId("route-run-result")).toContainText("Stub Large");

  // every call is in the ledger
  await page.getByTestId("nav-usage").click();
  await expect(page.getByTestId("usage-row").first()).toBeVisible();
  expect(await page.getByTestId("usage-row").count()).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("usage-total-calls")).not.toContainText(/^0$/);

  // a zero monthly budget: alert banner, and the next call is refused before it is made
  await page.getByTestId("nav-budgets").click();
  await page.getByTestId("budget-monthly").fill("0");
  await page.getByTestId("budget-save").click();
  await expect(page.getByTestId("budget-alert")).toBeVisible();
  const callsBefore = stub.calls.length;
  await page.getByTestId("nav-routing").click();
  await page.getByTestId("route-preset").selectOption("capable");
  await page.getByTestId("route-run").click();
  await expect(page.getByText(/budget/i).first()).toBeVisible();
  expect(stub.calls.length).toBe(callsBefore);
});
