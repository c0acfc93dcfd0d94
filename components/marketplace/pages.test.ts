// @vitest-environment happy-dom
/**
 * The marketplace's pages against the routers' contract (a fake API): browsing asks marketplace.search with the
 * filters; a listing's page installs through the consent's digest with the workspace's secrets; the installed page
 * reviews an update as a diff and updates; the publisher's pages preview, publish and act on their listings.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { consent, detail, diff, install, manifest, pkg, summary } from "@/test/marketplace-ui-fixtures";
import { MarketplaceBrowsePage } from "./browse-page";
import { ListingPage } from "./listing-page";
import { InstalledPage } from "./installed-page";
import { MyListingsPage } from "./mine-page";
import { PublishPage } from "./publish-page";
import { InstalledFromNote } from "./installed-from-note";
import { resetTestNavigation, testNavigation } from "@/test/next-navigation";

resetTestNavigation({ pathname: "/w/w/marketplace" });

const push = testNavigation.router.push;

afterEach(cleanup);

const secretPage = {
  items: [
    {
      id: "sec_crm0000001",
      name: "CRM_TOKEN",
      description: "",
      last4: "",
      keyVersion: "k",
      createdAt: new Date(),
      updatedAt: new Date(),
      lastUsedAt: null,
      usedBy: [],
    },
  ],
  nextCursor: null,
};

describe("Marketplace pages", () => {
  it("browse: searches with the filters chosen; a viewer browses without Publish", async () => {
    const user = userEvent.setup();
    const api = fakeApi({ "marketplace.search": () => ({ items: [summary()], nextCursor: null }) });
    renderAs("viewer", api, () => h(MarketplaceBrowsePage));
    await waitFor(() => expect(screen.getAllByTestId("listing-card")).toHaveLength(1));
    expect(api["marketplace.search"]!.mock.calls[0]![0]).toMatchObject({ sort: "installs" });
    expect(screen.queryByTestId("marketplace-publish-open")).toBeNull();
    await user.selectOptions(screen.getByTestId("marketplace-category"), "research");
    await waitFor(() => expect(api["marketplace.search"]!.mock.calls.at(-1)![0]).toMatchObject({ category: "research", sort: "installs" }));
  });

  it("a listing: install binds the slot to one of the workspace's secrets and sends the consent's digest", async () => {
    const user = userEvent.setup();
    const api = fakeApi({
      "marketplace.get": () => detail(),
      "marketplace.reviews": () => ({ items: [], nextCursor: null }),
      "marketplaceInstalls.consent": () => consent({ secretSlots: [consent().secretSlots[0]!] }),
      "secrets.list": () => secretPage,
      "marketplaceInstalls.install": () => install({ version: 2 }),
    });
    renderAs("member", api, () => h(ListingPage, { listing: "lst_crew000001" }));
    await user.click(await screen.findByTestId("listing-install"));
    const dialog = await screen.findByTestId("install-dialog");
    const slot = await within(dialog).findByTestId("install-slot-crm_token");
    await waitFor(() => expect((slot as HTMLSelectElement).options).toHaveLength(2));
    await user.selectOptions(slot, "sec_crm0000001");
    await user.click(within(dialog).getByTestId("install-consent"));
    await user.click(within(dialog).getByTestId("install-submit"));
    expect((await screen.findByTestId("install-open")).getAttribute("href")).toBe("/w/w/teams/crew");
    expect(api["marketplaceInstalls.consent"]!.mock.calls[0]![0]).toEqual({ listing: "lst_crew000001" });
    expect(api["marketplaceInstalls.install"]!.mock.calls[0]![0]).toEqual({
      listing: "lst_crew000001",
      version: 2,
      secretBindings: { crm_token: "sec_crm0000001" },
      consentDigest: "digest-of-v2",
    });
  });

  it("installed: an update is reviewed as a diff with its new permissions, then applied; uninstall", async () => {
    const user = userEvent.setup();
    const api = fakeApi({
      "marketplaceInstalls.list": () => [install()],
      "marketplaceInstalls.diff": () => diff(),
      "marketplaceInstalls.consent": () => consent({ secretSlots: [{ name: "crm_token", host: "api.crm.example", usedBy: [] }] }),
      "secrets.list": () => secretPage,
      "marketplaceInstalls.update": () => install({ version: 2, updateAvailable: false }),
      "marketplaceInstalls.uninstall": () => ({ deleted: true }),
    });
    renderAs("member", api, () => h(InstalledPage));
    await user.click(await screen.findByTestId("installed-review-update"));
    const dialog = await screen.findByTestId("update-dialog");
    expect((await within(dialog).findByTestId("diff-new-permissions")).textContent).toContain("crm_token");
    expect(api["marketplaceInstalls.diff"]!.mock.calls[0]![0]).toEqual({ install: "lin_one0000001", version: 2 });
    expect(api["marketplaceInstalls.consent"]!.mock.calls[0]![0]).toEqual({ listing: "lst_crew000001", version: 2 });
    const slot = within(dialog).getByTestId("install-slot-crm_token");
    await waitFor(() => expect((slot as HTMLSelectElement).options).toHaveLength(2));
    await user.selectOptions(slot, "sec_crm0000001");
    await user.click(within(dialog).getByTestId("update-submit"));
    await waitFor(() => expect(api["marketplaceInstalls.update"]).toHaveBeenCalledOnce());
    expect(api["marketplaceInstalls.update"]!.mock.calls[0]![0]).toEqual({
      install: "lin_one0000001",
      version: 2,
      secretBindings: { old_slot: "sec_old000001", crm_token: "sec_crm0000001" },
      consentDigest: "digest-of-update",
    });
    await waitFor(() => expect(screen.queryByTestId("update-dialog")).toBeNull());
    await user.click(screen.getByTestId("installed-uninstall"));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Uninstall" }));
    await waitFor(() => expect(api["marketplaceInstalls.uninstall"]!.mock.calls[0]![0]).toEqual({ install: "lin_one0000001" }));
  });

  it("publish: previews the source picked, then publishes and opens the listing; a member may not publish", async () => {
    const user = userEvent.setup();
    const api = fakeApi({
      "agents.list": () => ({ items: [{ id: "agt_1", slug: "researcher", name: "Researcher" }], nextCursor: null }),
      "teams.list": () => ({ items: [], nextCursor: null }),
      "marketplace.preview": () => ({ package: pkg, manifest: manifest(), problems: [] }),
      "marketplace.publish": () => detail({ id: "lst_new0000001" }),
    });
    renderAs("admin", api, () => h(PublishPage));
    const sourceSelect = await screen.findByTestId("publish-source");
    await waitFor(() => expect(within(sourceSelect).getAllByRole("option").length).toBe(2));
    await user.selectOptions(sourceSelect, "agent:researcher");
    expect(await screen.findByTestId("publish-preview")).toBeTruthy();
    expect(api["marketplace.preview"]!.mock.calls[0]![0]).toEqual({ source: { kind: "agent", ref: "researcher" }, knowledge: [] });
    await user.type(screen.getByTestId("publish-summary"), "Finds things");
    await user.click(screen.getByTestId("publish-submit"));
    await waitFor(() => expect(push).toHaveBeenCalledWith("/w/w/marketplace/lst_new0000001"));
    expect(api["marketplace.publish"]!.mock.calls[0]![0]).toMatchObject({
      source: { kind: "agent", ref: "researcher" },
      slug: "researcher",
      summary: "Finds things",
    });
    cleanup();
    renderAs("member", fakeApi({}), () => h(PublishPage));
    expect(screen.getByTestId("no-access").textContent).toContain("Only admins and owners publish");
  });

  it("my listings: the publisher's counts, and unpublishing", async () => {
    const user = userEvent.setup();
    const api = fakeApi({
      "marketplace.mine": () => [{ ...summary({ mine: true }), reports: 1, linkToken: "lnk_crew000001", removedReason: null }],
      "marketplace.unpublish": () => detail({ status: "unpublished" }),
    });
    renderAs("owner", api, () => h(MyListingsPage));
    expect((await screen.findByTestId("my-listing-reports")).textContent).toBe("1 report");
    await user.click(screen.getByTestId("my-listing-unpublish"));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Unpublish" }));
    await waitFor(() => expect(api["marketplace.unpublish"]!.mock.calls[0]![0]).toEqual({ listing: "lst_crew000001" }));
  });
});

describe("InstalledFromNote", () => {
  it("names the listing and version an installed agent came from, and nothing for the workspace's own agents", async () => {
    const api = fakeApi({ "marketplaceInstalls.list": () => [install()] });
    renderAs("viewer", api, () => h(InstalledFromNote, { kind: "agent", id: "agt_2" }));
    expect((await screen.findByTestId("installed-from")).textContent).toBe("Installed from Research crew v1 (v2 available)");
    cleanup();
    renderAs("viewer", api, () => h(InstalledFromNote, { kind: "agent", id: "agt_own" }));
    await waitFor(() => expect(api["marketplaceInstalls.list"]).toHaveBeenCalledTimes(2));
    expect(screen.queryByTestId("installed-from")).toBeNull();
  });
});
