import { expect, test } from "@playwright/test";
import { createWorkspace, person, signUp } from "./support";

test("an organisation: create it, set its policy, claim a domain, create a workspace in it, see its people and audit", async ({ page }) => {
  const who = person("Olga");
  const stamp = Date.now().toString(36);
  await signUp(page, who);
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Olga's space", `olga-${stamp}`);

  // create the organisation: its owner lands on its policy
  await page.getByTestId("nav-organisations").click();
  await page.waitForURL(/\/orgs$/);
  await page.getByTestId("org-create-name").fill("Acme Corp");
  await page.getByTestId("org-create-slug").fill(`acme-${stamp}`);
  await page.getByTestId("org-create-submit").click();
  await page.waitForURL(new RegExp(`/orgs/acme-${stamp}/settings$`));
  await expect(page.getByTestId("org-name")).toHaveText("Acme Corp");

  // the policy: a second factor required, invitations limited to one domain
  await page.getByTestId("policy-mfa-required").click();
  await page.getByTestId("policy-invitation-domains").fill("acme.example");
  await page.getByTestId("policy-save").click();
  await expect(page.getByTestId("policy-saved")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("policy-mfa-required")).toHaveAttribute("aria-checked", "true");
  await expect(page.getByTestId("policy-invitation-domains")).toHaveValue("acme.example");

  // a domain: claimed, unverified, with the TXT record to publish
  await page.getByRole("link", { name: "Domains" }).click();
  await page.getByTestId("domain-input").fill(`acme-${stamp}.example`);
  await page.getByTestId("domain-add").click();
  const row = page.getByTestId(`domain-row-acme-${stamp}.example`);
  await expect(row).toContainText("unverified");
  await expect(row).toContainText(`_cadre-verification.acme-${stamp}.example`);

  // a workspace of the organisation, and the owner's own workspace brought in
  await page.getByRole("link", { name: "Workspaces" }).click();
  await page.getByTestId("org-workspace-name").fill("Acme research");
  await page.getByTestId("org-workspace-slug").fill(`acme-research-${stamp}`);
  await page.getByTestId("org-workspace-create").click();
  await expect(page.getByTestId(`org-workspace-acme-research-${stamp}`)).toBeVisible();
  await page.getByTestId("org-workspace-attach-select").selectOption(`olga-${stamp}`);
  await page.getByTestId("org-workspace-attach").click();
  await expect(page.getByTestId(`org-workspace-olga-${stamp}`)).toBeVisible();

  // people across its workspaces, and the audit trail of all of it
  await page.getByRole("link", { name: "People" }).click();
  await expect(page.getByTestId(`org-person-${who.email}`)).toContainText("Acme research");
  await page.getByRole("link", { name: "Audit" }).click();
  await expect(page.getByTestId("org-audit-row").first()).toBeVisible();
  await expect(page.getByTestId("org-audit")).toContainText("org.update_policy");
  await expect(page.getByTestId("org-audit")).toContainText("org.workspace_attach");

  // the policy now applies in its workspaces: no second factor, no workspace
  await page.goto(`/w/olga-${stamp}`);
  await expect(page.getByTestId("workspace-mfa-required")).toContainText("requires a second factor");
});
