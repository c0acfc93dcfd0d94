/**
 * Webhook deliveries under Inngest: the drain (the function's body) claims the due deliveries with a lease and makes
 * the same attempt as the in-process worker, leaving alone what is not due or leased by someone else; the function runs
 * every minute and on `cadre/webhook-deliveries.due`, which a test event sends when Inngest is configured.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { TenantContext } from "@/server/context";
import { createEgressGuard, type EgressGuard, setEgressGuard } from "@/server/egress";
import { setEnv } from "@/server/env";
import { createWebhook } from "@/server/webhooks/service";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { testDb as db } from "@/test/db";
import { makeWorkspace, uniq } from "@/test/helpers";
import { inngest } from "./inngest";
import { claimDelivery, sendTestEvent } from "./webhook-deliveries";
import { DELIVERIES_DUE_EVENT, drainWebhookDeliveries, webhookDeliveriesFunction } from "./webhook-deliveries-inngest";

let ctx: TenantContext;
let workspaceId: string;
let server: Server;
let port: number;
let guard: EgressGuard;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(String(req.headers["webhook-id"]));
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  guard = createEgressGuard({ allow: "127.0.0.1" });
  setEgressGuard(guard);
  const ws = await makeWorkspace("webhooks-inngest");
  workspaceId = ws.id;
  ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
});
afterEach(() => {
  vi.restoreAllMocks();
  setEnv("INNGEST_EVENT_KEY", "");
  setEnv("INNGEST_SIGNING_KEY", "");
});
afterAll(async () => {
  setEgressGuard(undefined);
  await guard.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("the Inngest drain of webhook deliveries", () => {
  it("sends the due deliveries once; one leased by another worker waits", async () => {
    const hook = await createWebhook(ctx, { url: `http://127.0.0.1:${port}/inngest`, eventTypes: ["run.failed"] });
    const a = await sendTestEvent(ctx, hook.id);
    const b = await sendTestEvent(ctx, hook.id);
    const leased = await claimDelivery({ owner: "someone-else", leaseMs: 60_000, workspaceIds: [workspaceId], exclude: [a.id] });
    expect(leased?.id).toBe(b.id);
    expect(await drainWebhookDeliveries({ workspaceIds: [workspaceId] })).toBe(1);
    expect(hits).toEqual([a.id]);
    expect((await db().webhookDelivery.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("delivered");
    expect((await db().webhookDelivery.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("processing");
    // nothing more is due
    expect(await drainWebhookDeliveries({ workspaceIds: [workspaceId] })).toBe(0);
  });

  it("runs every minute and on the wake-up event; a test event sends that event when Inngest is configured", async () => {
    const triggers = (webhookDeliveriesFunction as unknown as { opts: { triggers: unknown[] } }).opts.triggers;
    expect(triggers).toEqual([{ cron: "* * * * *" }, { event: DELIVERIES_DUE_EVENT }]);
    setEnv("INNGEST_EVENT_KEY", "test-event-key");
    setEnv("INNGEST_SIGNING_KEY", "signkey-test-00000000000000000000000000000000");
    const sent = vi.spyOn(inngest, "send").mockResolvedValue({ ids: ["x"] } as never);
    const hook = await createWebhook(ctx, { url: `http://127.0.0.1:${port}/woken`, eventTypes: ["run.failed"] });
    const delivery = await sendTestEvent(ctx, hook.id);
    expect(sent).toHaveBeenCalledWith({ name: DELIVERIES_DUE_EVENT, data: {} });
    expect((await db().webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status).toBe("queued");
  });
});
