/**
 * The marketplace, end to end against a production build: workspace A publishes a team whose agent calls a custom
 * HTTP tool that needs a secret; workspace B finds it, reads the consent screen, installs it binding its OWN secret,
 * runs it (the tool's request carries B's secret, never A's), and rates it; A sees one install and the rating,
 * and nothing naming B.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { addStubModel, addStubProvider, createWorkspace, openDialog, person, signUp } from "./support";

let stub: LlmStub;
let orders: Server;
let ordersPort: number;
const received: { url: string; authorization: string }[] = [];

test.beforeAll(async () => {
  stub = await startLlmStub();
  orders = createServer((req, res) => {
    received.push({ url: req.url ?? "", authorization: String(req.headers.authorization ?? "") });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ order: req.url?.split("/").pop(), status: "shipped" }));
  });
  await new Promise<void>((resolve) => orders.listen(0, "127.0.0.1", resolve));
  ordersPort = (orders.address() as AddressInfo).port;
});

test.afterAll(async () => {
  await stub?.close();
  await new Promise((resolve) => orders?.close(resolve));
});

async function addSecret(page: Page, name: string, value: string) {
  await page.getByTestId("nav-vault").click();
  await openDialog(page, "secret-open", "secret-name");
  await page.getByTestId("secret-name").fill(name);
  await page.getByTestId("secret-value").fill(value);
  await page.getByTestId("secret-submit").click();
  await expect(page.locator(`[data-testid="secret-row"][data-name="${name}"]`)).toBeVisible();
}

test("A publishes a team with a secret-bound HTTP tool; B installs it with its own secret, runs it and rates it; A sees one install", async ({ browser }) => {
  test.setTimeout(300_000);
  const word = `mkt${Date.now().toString(36)}`;
  const slugA = `pub-${word}`;
  const slugB = `ins-${word}`;

  // --- A: a workspace with a model, a secret, a custom HTTP tool bound to it, an agent granted the tool, a team
  const a = await (await browser.newContext()).newPage();
  await signUp(a, person("Pia"));
  await a.waitForURL(/\/new$/);
  await createWorkspace(a, "Publisher Works", slugA);
  await addStubProvider(a, stub.url);
  await addStubModel(a, ["tools"]);
  await addSecret(a, "ORDERS_KEY", "A-SECRET-111");

  await a.getByTestId("nav-tools").click();
  await openDialog(a, "tool-new", "tool-name");
  await a.getByTestId("tool-name").fill("lookup_order");
  await a.getByTestId("tool-description").fill("Looks an order up by its number");
  await a.getByTestId("tool-method").selectOption("GET");
  await a.getByTestId("tool-url").fill(`http://127.0.0.1:${ordersPort}/orders/{{order}}`);
  await a.getByTestId("tool-input-schema").fill(JSON.stringify({ type: "object", properties: { order: { type: "string" } }, required: ["order"] }));
  await a.getByTestId("tool-header-add").click();
  await a.getByTestId("tool-header-name").fill("Authorization");
  await a.getByTestId("tool-header-value").fill("Bearer {{secret}}");
  await a.getByTestId("tool-secret").selectOption({ label: "ORDERS_KEY" });
  await a.getByTestId("tool-secret-host").fill("127.0.0.1");
  await a.getByTestId("tool-submit").click();
  await expect(a.locator('[data-testid="tool-row"][data-name="lookup_order"]')).toBeVisible({ timeout: 30_000 });

  await a.getByTestId("nav-agents").click();
  await openDialog(a, "agent-new", "agent-slug");
  await a.getByTestId("agent-slug").fill("clerk");
  await a.getByTestId("agent-name").fill("clerk");
  await a.getByTestId("agent-role").fill("Answers questions about orders.");
  await a.getByTestId("agent-policy-kind").selectOption("pinned");
  await a.getByTestId("agent-policy-model").selectOption({ label: "Local stub · Stub Large" });
  await a.getByTestId("agent-tool-lookup_order").click();
  await a.getByTestId("agent-submit").click();
  await expect(a.getByTestId("agent-form")).toBeHidden();

  await a.getByTestId("nav-teams").click();
  await openDialog(a, "team-new", "team-slug");
  await a.getByTestId("team-slug").fill("orders");
  await a.getByTestId("team-name").fill("Orders desk");
  await a.getByTestId("team-topology").selectOption("sequential");
  await a.getByTestId("team-json").fill(JSON.stringify({ topology: "sequential", agents: ["clerk"], context: "last" }, null, 2));
  await a.getByTestId("team-submit").click();
  await a.waitForURL(new RegExp(`/w/${slugA}/teams/orders$`));

  // --- A publishes it: the preview shows the computed manifest (the tool's host, its secret as a slot)
  await a.goto(`/w/${slugA}/marketplace/publish`);
  await a.getByTestId("publish-source").selectOption("team:orders");
  const preview = a.getByTestId("publish-preview");
  await expect(preview.getByTestId("manifest")).toContainText("127.0.0.1", { timeout: 30_000 });
  await expect(preview.getByTestId("manifest")).toContainText("lookup_order_secret");
  await a.getByTestId("publish-slug").fill(`orders-${word}`);
  await a.getByTestId("publish-name").fill(`Orders desk ${word}`);
  await a.getByTestId("publish-summary").fill("Answers questions about orders");
  await a.getByTestId("publish-tags").fill(word);
  await a.getByTestId("publish-submit").click();
  await expect(a.getByTestId("listing-detail")).toBeVisible({ timeout: 30_000 });
  await expect(a.getByTestId("signature")).toHaveAttribute("data-verified", "true");

  // --- B: its own workspace, model and secret; finds the listing, reads the consent screen, installs it
  const b = await (await browser.newContext()).newPage();
  await signUp(b, person("Bo"));
  await b.waitForURL(/\/new$/);
  await createWorkspace(b, "Installer Co", slugB);
  await addStubProvider(b, stub.url);
  await addStubModel(b, ["tools"]);
  await addSecret(b, "MY_ORDERS_KEY", "B-SECRET-222");

  await b.goto(`/w/${slugB}/marketplace`);
  await b.getByTestId("marketplace-tag-input").fill(word);
  await b.getByTestId("marketplace-search-submit").click();
  const card = b.getByTestId("listing-card").filter({ hasText: `Orders desk ${word}` });
  await expect(card).toBeVisible({ timeout: 30_000 });
  await expect(card.getByTestId("listing-publisher")).toContainText("Publisher Works");
  await card.getByTestId("listing-link").click();
  await expect(b.getByTestId("listing-detail")).toBeVisible();
  await expect(b.getByTestId("manifest")).toContainText("127.0.0.1");
  await b.getByTestId("listing-install").click();
  const dialog = b.getByTestId("install-dialog");
  await dialog.getByTestId("install-slot-lookup_order_secret").selectOption({ label: "MY_ORDERS_KEY" });
  await dialog.getByTestId("install-consent").click();
  await dialog.getByTestId("install-submit").click();
  await expect(b.getByTestId("install-done")).toBeVisible({ timeout: 30_000 });

  // --- B runs the installed team: the model asks for the tool; its request carries B's secret
  await b.goto(`/w/${slugB}/teams/orders`);
  await expect(b.getByTestId("installed-from")).toBeVisible();
  stub.toolCalls({ calls: [{ name: "lookup_order", arguments: { order: "B-7" } }] });
  await b.getByTestId("run-input").fill("Where is order B-7?");
  await b.getByTestId("run-submit").click();
  await b.waitForURL(new RegExp(`/w/${slugB}/runs/run_[^/]+$`));
  await expect(b.getByTestId("run-status")).toHaveText("succeeded", { timeout: 90_000 });
  expect(received).toEqual([{ url: "/orders/B-7", authorization: "Bearer B-SECRET-222" }]);

  // --- B rates it
  await b.goto(`/w/${slugB}/marketplace`);
  await b.getByTestId("marketplace-tag-input").fill(word);
  await b.getByTestId("marketplace-search-submit").click();
  await b
    .getByTestId("listing-card")
    .filter({ hasText: `Orders desk ${word}` })
    .getByTestId("listing-link")
    .click();
  await b.getByRole("radio", { name: "4 stars" }).click();
  await b.getByTestId("review-body").fill("Saved us an afternoon.");
  await b.getByTestId("review-submit").click();
  await expect(b.getByTestId("review").filter({ hasText: "Saved us an afternoon." })).toBeVisible({ timeout: 30_000 });

  // --- A sees one install and B's rating, and nothing that names B
  await a.goto(`/w/${slugA}/marketplace/mine`);
  const mine = a.getByTestId("my-listing").filter({ hasText: `Orders desk ${word}` });
  await expect(mine.getByTestId("my-listing-installs")).toHaveText("1 install", { timeout: 30_000 });
  await expect(mine.getByTestId("rating")).toContainText("4.0");
  await expect(a.locator("body")).not.toContainText("Installer Co");
  await a.goto(`/w/${slugA}/marketplace`);
  await a.getByTestId("marketplace-tag-input").fill(word);
  await a.getByTestId("marketplace-search-submit").click();
  await a
    .getByTestId("listing-card")
    .filter({ hasText: `Orders desk ${word}` })
    .getByTestId("listing-link")
    .click();
  await expect(a.getByTestId("review").filter({ hasText: "Saved us an afternoon." })).toBeVisible();
  await expect(a.locator("body")).not.toContainText("Installer Co");
  await expect(a.locator("body")).not.toContainText(slugB);
});
