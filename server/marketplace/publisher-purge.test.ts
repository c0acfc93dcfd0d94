/**
 * A publisher's workspace deleted and purged past its recovery window takes its listings with it; the installs of
 * them elsewhere lose their records only: the installed agent is the installer's own and stays.
 */
import { describe, expect, it } from "vitest";
import { createAgent } from "@/server/agents/service";
import { purgeDeletedWorkspaces } from "@/server/retention/purge";
import { testDb as db } from "@/test/db";
import { makeRunWorkspace } from "@/test/fixtures/runs";
import { uniq } from "@/test/helpers";
import { installConsent, installListing } from "./install";
import { listInstalls } from "./installs";
import { publishListing } from "./listings";

describe("a publisher's workspace purged", () => {
  it("deletes its listings; an installer keeps the installed agent and loses only the install's record", async () => {
    const A = await makeRunWorkspace("purged-publisher");
    const B = await makeRunWorkspace("keeps-install");
    await createAgent(A.ctx, { slug: "helper", name: "Helper", instructions: "Help." });
    const listing = await publishListing(A.ctx, {
      source: { kind: "agent", ref: "helper" },
      slug: `helper-${uniq()}`,
      name: "Helper",
      summary: "Helps",
      category: "other",
    });
    const consent = await installConsent(B.ctx, { listing: listing.id });
    const install = await installListing(B.ctx, { listing: listing.id, consentDigest: consent.consentDigest });

    await db().workspace.update({ where: { id: A.ws.id }, data: { deletedAt: new Date(), purgeAfter: new Date(Date.now() - 1000) } });
    await purgeDeletedWorkspaces(new Date(), 1000);

    expect(await db().workspace.count({ where: { id: A.ws.id } })).toBe(0);
    expect(await db().listing.count({ where: { id: listing.id } })).toBe(0);
    expect(await db().listingInstall.count({ where: { id: install.id } })).toBe(0);
    expect(await listInstalls(B.ctx)).toEqual([]);
    const agent = await db().agent.findUniqueOrThrow({ where: { id: install.root.id } });
    expect({ workspaceId: agent.workspaceId, archivedAt: agent.archivedAt }).toEqual({ workspaceId: B.ws.id, archivedAt: null });
  });
});
