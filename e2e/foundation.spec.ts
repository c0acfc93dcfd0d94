import { expect, test, type Page } from "@playwright/test";

const stamp = Date.now().toString(36);
const owner = { name: "Olivia Owner", email: `olivia-${stamp}@example.test`, password: "correct-horse-42" };
const viewer = { name: "Victor Viewer", email: `victor-${stamp}@example.test`, password: "battery-staple-77" };
const slug = `acme-${stamp}`;

async function signUp(page: Page, who: { name: string; email: string; password: string }) {
  await page.getByTestId("signup-name").fill(who.name);
  await expect(page.getByTestId("signup-email")).toBeVisible();
  if ((await page.getByTestId("signup-email").inputValue()) !== who.email) await page.getByTestId("signup-email").fill(who.email);
  await page.getByTestId("signup-password").fill(who.password);
  await page.getByTestId("signup-submit").click();
}

test("sign up, create a workspace, use an API key, invite a viewer who sees no admin actions", async ({ page, browser, request, baseURL }) => {
  // 1. sign up and create a workspace
  await page.goto("/sign-up");
  await signUp(page, owner);
  await page.waitForURL(/\/new$/);
  await page.getByTestId("ws-name").fill("Acme Robotics");
  await page.getByTestId("ws-slug").fill(slug);
  await page.getByTestId("ws-submit").click();
  await page.waitForURL(new RegExp(`/w/${slug}$`));

  // 2. create an API key (all scopes) and use it like curl would
  await page.getByTestId("nav-api-keys").click();
  await page.getByTestId("apikey-open").click();
  await page.getByTestId("apikey-name").fill("CI script");
  await page.getByTestId("apikey-select-all").click();
  await page.getByTestId("apikey-submit").click();
  const key = (await page.getByTestId("apikey-created").textContent())?.trim() ?? "";
  expect(key).toMatch(/^cadre_/);
  const me = await request.get(`${baseURL}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
  expect(me.status()).toBe(200);
  const meBody = await me.json();
  expect(meBody.workspace.slug).toBe(slug);
  expect(meBody.scopes).toContain("members:invite");
  const members = await request.get(`${baseURL}/api/v1/members`, { headers: { authorization: `Bearer ${key}` } });
  expect((await members.json()).data.map((m: { email: string }) => m.email)).toEqual([owner.email]);
  const unauth = await request.get(`${baseURL}/api/v1/me`, { headers: { authorization: "Bearer cadre_not-a-real-key-000000000000000000" } });
  expect(unauth.status()).toBe(401);
  expect((await unauth.json()).error.code).toBe("UNAUTHORIZED");
  await page.getByTestId("apikey-done").click();
  await expect(page.getByTestId("apikey-dialog")).toBeHidden();
  await expect(page.getByTestId("apikey-row")).toHaveCount(1);

  // 3. invite a viewer; the link is shown to the inviter
  await page.getByTestId("nav-members").click();
  await page.getByTestId("invite-open").click();
  await page.getByTestId("invite-email").fill(viewer.email);
  await page.getByTestId("invite-role").selectOption("viewer");
  await page.getByTestId("invite-submit").click();
  const inviteUrl = await page.getByTestId("invite-url").inputValue();
  expect(inviteUrl).toContain("/invite/");
  await page.getByTestId("invite-done").click();

  // 4. the invitee signs up from the link, accepts, and as a viewer sees no admin actions
  const context = await browser.newContext();
  const guest = await context.newPage();
  await guest.goto(new URL(inviteUrl).pathname);
  await guest.getByRole("link", { name: /sign up/i }).click();
  await signUp(guest, viewer);
  await guest.waitForURL(/\/invite\//);
  await guest.getByTestId("invite-accept").click();
  await guest.waitForURL(new RegExp(`/w/${slug}$`));
  await expect(guest.getByTestId("nav-members")).toBeVisible();
  await expect(guest.getByTestId("nav-api-keys")).toHaveCount(0);
  await expect(guest.getByTestId("nav-audit")).toHaveCount(0);
  await guest.getByTestId("nav-members").click();
  await expect(guest.getByTestId("member-row")).toHaveCount(2);
  await expect(guest.getByTestId("invite-open")).toHaveCount(0);
  await expect(guest.getByTestId("invite-form")).toHaveCount(0);
  await expect(guest.getByTestId("member-role-select")).toHaveCount(0);
  await expect(guest.getByTestId("member-remove")).toHaveCount(0);
  await guest.getByTestId("nav-settings").click();
  await expect(guest.getByTestId("delete-workspace")).toHaveCount(0);
  await expect(guest.getByTestId("settings-save")).toHaveCount(0);

  // 5. the invitation link is single-use
  await guest.goto(new URL(inviteUrl).pathname);
  await expect(guest.getByTestId("invite-status")).toContainText(/accepted/i);
  await context.close();

  // 6. the owner sees the new member and the audit trail
  await page.reload();
  await expect(page.locator(`[data-testid="member-row"][data-email="${viewer.email}"]`)).toBeVisible();
  await page.getByTestId("nav-audit").click();
  await expect(page.getByText("invitation.accept")).toBeVisible();
  await expect(page.getByText("api_key.create")).toBeVisible();
});

test("security headers and request id on every response", async ({ request, baseURL }) => {
  const res = await request.get(`${baseURL}/api/health`, { headers: { "x-request-id": "req_e2e-check" } });
  expect(res.status()).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ok", database: "embedded" });
  const h = res.headers();
  expect(h["x-request-id"]).toBe("req_e2e-check");
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["referrer-policy"]).toBeTruthy();
  expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(h["content-security-policy"]).not.toContain("unsafe-eval");
  const page = await request.get(`${baseURL}/sign-in`);
  expect(page.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-/);
});
