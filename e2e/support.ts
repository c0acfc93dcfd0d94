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
