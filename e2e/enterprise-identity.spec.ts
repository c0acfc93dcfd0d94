/**
 * Enterprise identity end to end: an organisation verifies its domain through DNS (the journeys' DNS server, which the
 * app asks through CADRE_DNS_SERVERS), signs its people in through its OpenID provider (a real one on 127.0.0.1, its
 * own login and consent pages) with their groups mapped to workspace roles, and cuts a person off through SCIM.
 */
import { type APIRequestContext, type Browser, expect, type Page, test } from "@playwright/test";
import { E2E_DNS_PORT, startTestDns, type TestDns } from "../test/dns-server";
import { startTestIdp, type TestIdp } from "../test/sso-idp";
import { openDialog, person, signUp } from "./support";

let dns: TestDns;

test.beforeAll(async () => {
  dns = await startTestDns(E2E_DNS_PORT);
});
test.afterAll(async () => {
  await dns?.close();
});

interface Organisation {
  slug: string;
  domain: string;
  workspace: string;
  group: string;
  idp: TestIdp;
}

/**
 * The administrator's part, all in the UI: sign up, create the organisation, claim its domain and verify it through
 * DNS, create a workspace in it, configure and enable OIDC against the test provider, map `group` to admin there.
 */
async function setUpOrganisation(page: Page, baseURL: string, label: string): Promise<Organisation> {
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const slug = `${label}-${stamp}`;
  const domain = `${label}-${stamp}.example`;
  const workspace = `${label}-ws-${stamp}`;
  const group = `cadre-admins-${stamp}`;
  const idp = await startTestIdp([`${baseURL}/api/sso/${slug}/callback`], { forms: true });

  await signUp(page, person(`${label}-admin`));
  await page.waitForURL(/\/new$/);
  await page.goto("/orgs");
  await page.getByTestId("org-create-name").fill(`Org ${stamp}`);
  await page.getByTestId("org-create-slug").fill(slug);
  await page.getByTestId("org-create-submit").click();
  await page.waitForURL(new RegExp(`/orgs/${slug}/settings$`));

  // the domain: claimed, its TXT record published on the DNS server, verified
  await page.getByRole("link", { name: "Domains" }).click();
  await page.getByTestId("domain-input").fill(domain);
  await page.getByTestId("domain-add").click();
  const row = page.getByTestId(`domain-row-${domain}`);
  await expect(row).toContainText("unverified");
  await expect(row).toContainText(`_cadre-verification.${domain}`);
  const value = /cadre-verification=[A-Za-z0-9_-]+/.exec((await row.textContent()) ?? "")?.[0];
  expect(value).toBeTruthy();
  // before the record exists the app says what to publish
  await page.getByTestId(`domain-verify-${domain}`).click();
  await expect(page.getByTestId("org-domains").getByTestId("form-error")).toContainText(`No TXT record "${value}"`);
  dns.setTxt(`_cadre-verification.${domain}`, [["v=spf1 -all"], [value!]]);
  await page.getByTestId(`domain-verify-${domain}`).click();
  await expect(row).toContainText("verified (dns)");

  // a workspace of the organisation
  await page.getByRole("link", { name: "Workspaces" }).click();
  await page.getByTestId("org-workspace-name").fill(`Research ${stamp}`);
  await page.getByTestId("org-workspace-slug").fill(workspace);
  await page.getByTestId("org-workspace-create").click();
  await expect(page.getByTestId(`org-workspace-${workspace}`)).toBeVisible();

  // OIDC against the test provider: discovery works, then saved and enabled
  await page.getByRole("link", { name: "Single sign-on" }).click();
  await page.getByTestId("sso-issuer").fill(idp.issuer);
  await page.getByTestId("sso-client-id").fill(idp.clientId);
  await page.getByTestId("sso-client-secret").fill(idp.clientSecret);
  await page.getByTestId("sso-scopes").fill("openid email profile groups");
  await page.getByTestId("sso-test").click();
  await expect(page.getByTestId("sso-test-result")).toContainText(`Discovery found ${idp.issuer}`);
  await page.getByTestId("sso-enabled").click();
  await expect(page.getByTestId("sso-enabled")).toHaveAttribute("aria-checked", "true");
  await page.getByTestId("sso-save").click();
  await expect(page.getByTestId("sso-redirect-uri")).toContainText(`${baseURL}/api/sso/${slug}/callback`);
  await page.reload();
  await expect(page.getByTestId("sso-enabled")).toHaveAttribute("aria-checked", "true");

  // the provider's group → admin of the workspace
  await page.getByRole("link", { name: "Groups" }).click();
  await page.getByTestId("group-add").click();
  await page.getByTestId("group-name-0").fill(group);
  await page.getByTestId("group-workspace-0").selectOption(workspace);
  await page.getByTestId("group-role-0").selectOption("admin");
  await page.getByTestId("group-save").click();
  await expect(page.getByTestId("org-groups")).toContainText("Saved");
  return { slug, domain, workspace, group, idp };
}

/** A fresh browser for the person: only 127.0.0.1 is reachable (the provider's page asks for a web font). */
async function freshBrowser(browser: Browser) {
  const context = await browser.newContext();
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  return { context, page: await context.newPage() };
}

/** The sign-in page routes the address to its organisation's SSO; the provider's login and consent; back signed in. */
async function signInThroughSso(page: Page, org: Organisation, email: string, login: string) {
  await page.goto("/sign-in");
  await page.getByTestId("signin-email").fill(email);
  await page.getByTestId("signin-email").blur();
  await expect(page.getByTestId("signin-sso")).toBeVisible();
  await page.getByTestId("signin-sso-continue").click();
  // oidc-provider's login form (any password), then its consent
  await page.waitForURL((url) => url.href.startsWith(`${org.idp.issuer}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any-password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  // the callback, the ticket, then home: the workspace the group mapping gave
  await page.waitForURL(new RegExp(`/w/${org.workspace}$`));
}

const roleOf = (page: Page, email: string) => page.locator(`[data-testid="member-row"][data-email="${email}"]`).getByTestId("member-role-select");

async function scim(request: APIRequestContext, baseURL: string, org: Organisation, token: string, method: string, path: string, body?: unknown) {
  const res = await request.fetch(`${baseURL}/api/scim/v2/${org.slug}/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status(), body: await res.json() };
}

test("OIDC: the organisation verifies its domain, configures its provider and maps a group; a new person signs in with the mapped role", async ({
  page,
  browser,
  baseURL,
}) => {
  const org = await setUpOrganisation(page, baseURL!, "oidc");
  try {
    const email = `sam@${org.domain}`;
    org.idp.addAccount({ sub: "sam", email, email_verified: true, name: "Sam Single", groups: ["engineering", org.group] });

    const sam = await freshBrowser(browser);
    await signInThroughSso(sam.page, org, email, "sam");
    await expect(sam.page.getByTestId("workspace-name")).toHaveText(/^Research /);
    // they are an admin there: the admins' pages are theirs, and the members page says so
    await sam.page.goto(`/w/${org.workspace}/members`);
    await expect(roleOf(sam.page, email)).toHaveValue("admin");
    await sam.context.close();

    // the administrator sees the new person with the mapped role
    await page.goto(`/w/${org.workspace}/members`);
    await expect(roleOf(page, email)).toHaveValue("admin");
  } finally {
    await org.idp.close();
  }
});

test("SCIM: a provisioned person signed in with an API key is deactivated; their session and key die at once", async ({ page, browser, baseURL, request }) => {
  const org = await setUpOrganisation(page, baseURL!, "scim");
  try {
    // the administrator creates the provisioning token
    await page.getByRole("link", { name: "Provisioning" }).click();
    await expect(page.getByTestId("scim-base-url")).toHaveText(`${baseURL}/api/scim/v2/${org.slug}`);
    await openDialog(page, "orgtoken-create", "orgtoken-name");
    await page.getByTestId("orgtoken-name").fill("Test IdP");
    await page.getByTestId("orgtoken-submit").click();
    const token = ((await page.getByTestId("orgtoken-created").textContent()) ?? "").trim();
    expect(token.length).toBeGreaterThan(20);
    await page.getByTestId("orgtoken-created-done").click();
    await expect(page.getByTestId("orgtoken-row")).toHaveCount(1);

    // the provider provisions Pat and puts them in the mapped group (SCIM gives the role; the ID token has no groups)
    const email = `pat@${org.domain}`;
    const created = await scim(request, baseURL!, org, token, "POST", "Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: email,
      name: { givenName: "Pat", familyName: "Provisioned" },
      emails: [{ value: email, primary: true }],
      active: true,
    });
    expect(created.status).toBe(201);
    const group = await scim(request, baseURL!, org, token, "POST", "Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: org.group,
      members: [{ value: created.body.id }],
    });
    expect(group.status).toBe(201);

    // Pat signs in through SSO and makes an API key in the UI
    org.idp.addAccount({ sub: "pat", email, email_verified: true, name: "Pat Provisioned" });
    const pat = await freshBrowser(browser);
    await signInThroughSso(pat.page, org, email, "pat");
    await pat.page.getByTestId("nav-api-keys").click();
    await openDialog(pat.page, "apikey-open", "apikey-name");
    await pat.page.getByTestId("apikey-name").fill("Pat's script");
    await pat.page.getByTestId("apikey-scope-members:read").check();
    await pat.page.getByTestId("apikey-submit").click();
    const key = ((await pat.page.getByTestId("apikey-created").textContent()) ?? "").trim();
    expect(key).toMatch(/^cadre_/);
    await pat.page.getByTestId("apikey-done").click();
    await expect(pat.page.getByTestId("apikey-dialog")).toBeHidden();
    const before = await request.get(`${baseURL}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(before.status()).toBe(200);

    // the provider deactivates Pat
    const off = await scim(request, baseURL!, org, token, "PATCH", `Users/${created.body.id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);

    // their open page is signed out on its next load, and the key is refused
    await pat.page.reload();
    await pat.page.waitForURL(/\/sign-in/);
    await expect(pat.page.getByTestId("signin-email")).toBeVisible();
    const after = await request.get(`${baseURL}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(after.status()).toBe(401);
    await pat.context.close();

    // the administrator no longer sees them in the workspace
    await page.goto(`/w/${org.workspace}/members`);
    await expect(page.locator('[data-testid="member-row"]').first()).toBeVisible();
    await expect(page.locator(`[data-testid="member-row"][data-email="${email}"]`)).toHaveCount(0);
  } finally {
    await org.idp.close();
  }
});
