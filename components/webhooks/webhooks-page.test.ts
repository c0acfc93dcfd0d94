// @vitest-environment happy-dom
/**
 * The webhooks page: the subscriptions of the query, the create dialog (validation, then the secret shown once), the
 * delivery log of a webhook with a delivery's detail (attempts, redeliver), rotation showing the new secret once, and
 * the roles: a member reads without the manage actions, a viewer sees nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { WebhooksPage } from "./webhooks-page";

afterEach(cleanup);

const hook = (id: string, url: string, enabled = true) => ({
  id,
  url,
  description: "",
  eventTypes: ["run.failed"],
  enabled,
  disabledReason: enabled ? null : "The receiver answered 410 Gone: deliveries stopped until the webhook is enabled again",
  previousSecretExpiresAt: null,
  createdByType: "user",
  createdById: "usr_me",
  createdAt: new Date("2026-01-02T10:00:00Z"),
  updatedAt: new Date("2026-01-02T10:00:00Z"),
});

const delivery = {
  id: "whd_abcdef123456",
  webhookId: "whk_1",
  eventType: "run.failed",
  status: "failed",
  attempts: 2,
  lastStatus: 500,
  lastError: "The receiver answered HTTP 500",
  nextAttemptAt: null,
  createdAt: new Date("2026-01-03T10:00:00Z"),
  finishedAt: new Date("2026-01-03T10:01:00Z"),
};

function api() {
  const rows = [hook("whk_1", "https://hooks.example.com/a"), hook("whk_2", "https://hooks.example.com/b", false)];
  return fakeApi({
    "webhooks.list": () => ({ items: [...rows], nextCursor: null }),
    "webhooks.create": (input) => {
      const { url, eventTypes } = input as { url: string; eventTypes: string[] };
      const created = { ...hook("whk_3", url), eventTypes };
      rows.push(created);
      return { ...created, secret: "whsec_the-secret-shown-once" };
    },
    "webhooks.rotateSecret": () => ({ ...rows[0]!, secret: "whsec_the-rotated-secret" }),
    "webhooks.deliveries": () => ({ items: [delivery], nextCursor: null }),
    "webhooks.delivery": () => ({
      ...delivery,
      body: '{"type":"run.failed","timestamp":"2026-01-03T10:00:00.000Z","data":{"runId":"run_1"}}',
      attemptLog: [
        {
          id: "wha_1",
          number: 1,
          manual: false,
          url: "https://hooks.example.com/a",
          requestHeaders: { "webhook-id": delivery.id, "webhook-signature": "v1,abc" },
          responseStatus: 500,
          responseBody: "oops",
          error: "The receiver answered HTTP 500",
          durationMs: 42,
          createdAt: new Date("2026-01-03T10:00:01Z"),
        },
      ],
    }),
    "webhooks.redeliver": () => ({ ...delivery, status: "queued" }),
  });
}

const rowIds = () => screen.getAllByTestId("webhook-row").map((r) => r.getAttribute("data-webhook-id"));

describe("Webhooks page", () => {
  it("lists the webhooks with their status and the reason Cadre disabled one", async () => {
    renderAs("admin", api(), () => h(WebhooksPage));
    await waitFor(() => expect(rowIds()).toEqual(["whk_1", "whk_2"]));
    expect(screen.getAllByTestId("webhook-status").map((b) => b.textContent)).toEqual(["enabled", "disabled"]);
    expect(screen.getByText(/410 Gone/)).toBeTruthy();
    expect(screen.getAllByRole("button", { name: "Enable" })).toHaveLength(1);
  });

  it("creates a webhook: the form refuses no event and a bad URL, then shows the secret once", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("owner", calls, () => h(WebhooksPage));
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await user.click(screen.getByRole("button", { name: "Create webhook" }));
    const dialog = await screen.findByRole("dialog", { name: "Create a webhook" });
    await user.type(within(dialog).getByLabelText("Endpoint URL"), "not a url");
    await user.click(within(dialog).getByTestId("webhook-submit"));
    expect(await within(dialog).findByText("Pick at least one event")).toBeTruthy();
    expect(within(dialog).getByText(/Enter an http\(s\) URL/)).toBeTruthy();
    expect(calls["webhooks.create"]).not.toHaveBeenCalled();
    await user.clear(within(dialog).getByLabelText("Endpoint URL"));
    await user.type(within(dialog).getByLabelText("Endpoint URL"), "https://hooks.example.com/new");
    await user.click(within(dialog).getByTestId("webhook-event-run.succeeded"));
    await user.click(within(dialog).getByTestId("webhook-submit"));
    expect((await screen.findByTestId("webhook-secret")).textContent).toBe("whsec_the-secret-shown-once");
    expect(calls["webhooks.create"]!.mock.calls[0]![0]).toMatchObject({ url: "https://hooks.example.com/new", eventTypes: ["run.succeeded"] });
    await user.click(screen.getByTestId("webhook-secret-done"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(screen.queryByText("whsec_the-secret-shown-once")).toBeNull();
    await waitFor(() => expect(rowIds()).toEqual(["whk_1", "whk_2", "whk_3"]));
  });

  it("shows a webhook's deliveries and a delivery's attempts; redeliver asks for a new attempt", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("admin", calls, () => h(WebhooksPage));
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await user.click(screen.getAllByRole("button", { name: "Deliveries" })[0]!);
    const card = await screen.findByTestId("webhook-deliveries-card");
    await waitFor(() => expect(within(card).getAllByTestId("delivery-row")).toHaveLength(1));
    await user.click(within(card).getByRole("button", { name: "Details" }));
    const detail = await screen.findByRole("dialog", { name: `Delivery ${delivery.id}` });
    await waitFor(() => expect(within(detail).getAllByTestId("delivery-attempt")).toHaveLength(1));
    expect(within(detail).getByTestId("attempt-outcome").textContent).toBe("HTTP 500");
    expect(within(detail).getByTestId("delivery-body").textContent).toContain('"type":"run.failed"');
    await user.click(within(detail).getByRole("button", { name: "Redeliver" }));
    await waitFor(() => expect(calls["webhooks.redeliver"]).toHaveBeenCalledOnce());
    expect(calls["webhooks.redeliver"]!.mock.calls[0]![0]).toEqual({ deliveryId: delivery.id });
  });

  it("rotating the secret asks first, then shows the new secret once", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("owner", calls, () => h(WebhooksPage));
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    await user.click(screen.getAllByRole("button", { name: "Rotate secret" })[0]!);
    const confirm = await screen.findByRole("alertdialog");
    await user.click(within(confirm).getByRole("button", { name: "Rotate secret" }));
    expect((await screen.findByTestId("webhook-secret")).textContent).toBe("whsec_the-rotated-secret");
    expect(calls["webhooks.rotateSecret"]!.mock.calls[0]![0]).toEqual({ webhookId: "whk_1" });
  });

  it("a member reads the webhooks and their deliveries without the manage actions; a viewer sees none", async () => {
    const calls = api();
    renderAs("member", calls, () => h(WebhooksPage));
    await waitFor(() => expect(rowIds()).toHaveLength(2));
    expect(screen.queryByRole("button", { name: "Create webhook" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Rotate secret" })).toBeNull();
    expect(screen.getAllByRole("button", { name: "Deliveries" })).toHaveLength(2);
    cleanup();
    const viewer = api();
    renderAs("viewer", viewer, () => h(WebhooksPage));
    expect(screen.getByTestId("no-access").textContent).toContain("Your role cannot see the webhooks");
    expect(viewer["webhooks.list"]).not.toHaveBeenCalled();
  });
});
