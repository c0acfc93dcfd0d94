import { expect, type Page } from "@playwright/test";

export interface Person {
  name: string;
  email: string;
  password: string;
}

export function person(label: string): Person {
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return { name: label, email: `${label.toLowerCase()}-${stamp}@example.test`, password: "correct-horse-42" };
}

/** Signs up on /sign-up (or the page it is on) and waits until the app moved on. */
export async function signUp(page: Page, who: Person) {
  if (!page.url().includes("/sign-up")) await page.goto("/sign-up");
  await page.getByTestId("signup-name").fill(who.name);
  await page.getByTestId("signup-email").fill(who.email);
  await page.getByTestId("signup-password").fill(who.password);
  await page.getByTestId("signup-submit").click();
}

export async function createWorkspace(page: Page, name: string, slug: string) {
  await page.goto("/new");
  await page.getByTestId("ws-name").fill(name);
  await page.getByTestId("ws-slug").fill(slug);
  await page.getByTestId("ws-submit").click();
  await page.waitForURL(new RegExp(`/w/${slug}$`));
  await expect(page.getByTestId("workspace-name")).toHaveText(name);
}

/**
 * Opens the dialog behind the button `trigger` and waits for its field `inside`: a click that lands before the page
 * has hydrated opens nothing, so it clicks again until the dialog shows.
 */
export async function openDialog(page: Page, trigger: string, inside: string) {
  await expect(async () => {
    if (!(await page.getByTestId(inside).isVisible())) await page.getByTestId(trigger).click();
    await expect(page.getByTestId(inside)).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
}

/** Adds an OpenAI-compatible provider "Local stub" at `baseUrl` (optionally keyed by a vault secret, by its option label). */
export async function addStubProvider(page: Page, baseUrl: string, secretLabel?: string) {
  await page.getByTestId("nav-providers").click();
  // the create form is in the "New provider" dialog; it closes once saved
  await openDialog(page, "provider-new", "provider-kind");
  await page.getByTestId("provider-kind").selectOption("openai_compatible");
  await page.getByTestId("provider-name").fill("Local stub");
  await page.getByTestId("provider-base-url").fill(baseUrl);
  if (secretLabel) await page.getByTestId("provider-secret").selectOption({ label: secretLabel });
  await page.getByTestId("provider-submit").click();
  await expect(page.getByTestId("provider-form")).toBeHidden();
  await expect(page.locator('[data-testid="provider-row"][data-name="Local stub"]')).toBeVisible();
}

/** Adds the model "stub-large" (Stub Large: $1/$2 per M tokens, quality 0.95; with `capabilities` ticked) on the "Local stub" provider. */
export async function addStubModel(page: Page, capabilities: string[] = []) {
  await page.getByTestId("nav-models").click();
  // the create form is in the "New model" dialog; it closes once saved
  await openDialog(page, "model-new", "model-provider");
  await page.getByTestId("model-provider").selectOption({ label: "Local stub (OpenAI-compatible)" });
  await page.getByTestId("model-id").fill("stub-large");
  await page.getByTestId("model-display-name").fill("Stub Large");
  await page.getByTestId("model-input-price").fill("1");
  await page.getByTestId("model-output-price").fill("2");
  await page.getByTestId("model-context").fill("32000");
  await page.getByTestId("model-quality").fill("0.95");
  for (const c of capabilities) await page.getByTestId(`model-capability-${c}`).check();
  await page.getByTestId("model-submit").click();
  await expect(page.getByTestId("model-form")).toBeHidden();
  await expect(page.locator('[data-testid="model-row"][data-model-id="stub-large"]')).toBeVisible();
}
