import { expect, test, type Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { person, signUp } from "./support";

/** The code the authenticator app would show now, from the manual key shown at enrolment. */
function totpCode(secret: string, at = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret.replace(/\s+/g, "")), digits: 6, period: 30, algorithm: "SHA1" }).generate({ timestamp: at });
}

/** A code of the next 30-second step: a code is accepted once, so a second sign-in must not reuse the first one's. */
async function freshCode(secret: string, used: Set<string>): Promise<string> {
  let code = totpCode(secret);
  // the server accepts one step either side of now: the next step's code is valid already and was never used
  if (used.has(code)) code = totpCode(secret, Date.now() + 30_000);
  used.add(code);
  return code;
}

async function signOut(page: Page) {
  await page.goto("/account");
  await page.getByTestId("sign-out").click();
  await page.waitForURL(/\/sign-in/);
}

async function signInWithPassword(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.getByTestId("signin-email").fill(email);
  await page.getByTestId("signin-password").fill(password);
  await page.getByTestId("signin-submit").click();
}

test("TOTP: enrol on the account page, then sign in with a code and with a recovery code", async ({ page }) => {
  const who = person("Tess");
  await signUp(page, who);
  await page.waitForURL(/\/new$/);

  // 1. enrol: the manual key computes the first code, the recovery codes are shown once
  await page.goto("/account");
  await page.getByTestId("mfa-start").click();
  const secret = ((await page.getByTestId("mfa-secret").textContent()) ?? "").trim();
  expect(secret).toMatch(/^[A-Z2-7]+$/);
  const used = new Set<string>();
  await page.getByTestId("mfa-code").fill(await freshCode(secret, used));
  await page.getByTestId("mfa-confirm").click();
  // the codes appear once the server confirmed the first code
  await expect(page.getByTestId("mfa-recovery-codes").locator("li")).toHaveCount(10);
  const codes = (await page.getByTestId("mfa-recovery-codes").locator("li").allTextContents()).map((c) => c.trim());
  expect(codes).toHaveLength(10);
  await page.getByTestId("mfa-codes-done").click();
  await expect(page.getByTestId("mfa-status")).toContainText("10 of 10 recovery codes left");

  // 2. the password alone now asks for a code; the app's code signs in
  await signOut(page);
  await signInWithPassword(page, who.email, who.password);
  await expect(page.getByTestId("signin-code")).toBeVisible();
  await page.getByTestId("signin-code").fill(await freshCode(secret, used));
  await page.getByTestId("signin-submit").click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));

  // 3. a recovery code signs in once; the account page then counts one fewer
  await signOut(page);
  await signInWithPassword(page, who.email, who.password);
  await page.getByTestId("signin-code").fill(codes[0]!);
  await page.getByTestId("signin-submit").click();
  await page.waitForURL((url) => !url.pathname.startsWith("/sign-in"));
  await page.goto("/account");
  await expect(page.getByTestId("mfa-status")).toContainText("9 of 10 recovery codes left");

  // 4. the spent recovery code is refused the second time
  await signOut(page);
  await signInWithPassword(page, who.email, who.password);
  await page.getByTestId("signin-code").fill(codes[0]!);
  await page.getByTestId("signin-submit").click();
  // by test id: Next's route announcer is an alert too
  await expect(page.getByTestId("form-error")).toContainText("This code is not right");
});
