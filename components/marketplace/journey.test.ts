// @vitest-environment happy-dom
/**
 * The marketplace's pages on the real routers and database: an admin of A publishes an agent from the publish page;
 * a member of B finds it, installs it through the consent screen, and rates it; A's "My listings" then shows one
 * install and the rating, nothing about who.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { callerFor, makeWorkspace } from "@/test/helpers";
import { renderWithRouter } from "@/test/ui-harness";
import { testDb as db } from "@/test/db";
import { PublishPage } from "./publish-page";
import { ListingPage } from "./listing-page";
import { MarketplaceBrowsePage } from "./browse-page";
import { MyListingsPage } from "./mine-page";
import { testNavigation } from "@/test/next-navigation";

const push = testNavigation.router.push;

afterEach(cleanup);

describe("publish in one workspace, install in another, through the pages", () => {
  it("publishes, finds, installs with consent, rates; the publisher sees the counts", async () => {
    const user = userEvent.setup();
    const A = await makeWorkspace("ui-pub");
    const B = await makeWorkspace("ui-inst");
    const word = `quokka${Date.now() % 100000}`;
    await callerFor(A.users.owner, A.slug).agents.create({ slug: "greeter", name: "Greeter", instructions: "Greet people." });

    renderWithRouter(A, "admin", () => h(PublishPage));
    const source = await screen.findByTestId("publish-source");
    await waitFor(() => expect(within(source).getAllByRole("option").length).toBe(2));
    await user.selectOptions(source, "agent:greeter");
    const preview = await screen.findByTestId("publish-preview");
    expect(within(preview).getByTestId("package-contents").textContent).toContain("greeter");
    expect(within(preview).getByTestId("manifest-size").textContent).toBe("Installs 1 agent into this workspace.");
    await user.clear(screen.getByTestId("publish-name"));
    await user.type(screen.getByTestId("publish-name"), `Greeter ${word}`);
    await user.type(screen.getByTestId("publish-summary"), "Greets people warmly");
    await user.type(screen.getByTestId("publish-tags"), word);
    await user.click(screen.getByTestId("publish-submit"));
    await waitFor(() => expect(push).toHaveBeenCalledOnce());
    const listingId = String(push.mock.calls[0]![0]).split("/").at(-1)!;
    expect(listingId).toMatch(/^lst_/);
    cleanup();

    // B finds it by its tag and opens it
    renderWithRouter(B, "member", () => h(MarketplaceBrowsePage));
    await user.type(await screen.findByTestId("marketplace-tag-input"), word);
    await user.click(screen.getByTestId("marketplace-search-submit"));
    await waitFor(() => expect(screen.getAllByTestId("listing-card").map((c) => c.getAttribute("data-listing-id"))).toEqual([listingId]));
    cleanup();

    renderWithRouter(B, "member", () => h(ListingPage, { listing: listingId }));
    expect((await screen.findByTestId("listing-name")).textContent).toBe(`Greeter ${word}`);
    expect(screen.getByTestId("signature").getAttribute("data-verified")).toBe("true");
    await user.click(screen.getByTestId("listing-install"));
    const dialog = await screen.findByTestId("install-dialog");
    await user.click(await within(dialog).findByTestId("install-consent"));
    await user.click(within(dialog).getByTestId("install-submit"));
    expect((await within(dialog).findByTestId("install-open")).getAttribute("href")).toBe(`/w/${B.slug}/agents/greeter`);
    expect(await db().agent.count({ where: { workspaceId: B.id, slug: "greeter" } })).toBe(1);
    await user.keyboard("{Escape}");
    await user.click(await screen.findByRole("radio", { name: "4 stars" }));
    await user.click(screen.getByTestId("review-submit"));
    await waitFor(() => expect(screen.getAllByTestId("review").map((r) => r.getAttribute("data-mine"))).toEqual(["true"]));
    cleanup();

    renderWithRouter(A, "admin", () => h(MyListingsPage));
    const row = await screen.findByTestId("my-listing");
    expect(within(row).getByTestId("my-listing-installs").textContent).toBe("1 install");
    expect(within(row).getByTestId("rating").textContent).toContain("Rated 4.0 out of 5 (1)");
    expect(row.textContent).not.toContain(B.slug);
  });

  it("an unlisted listing opens by its link token in another workspace: detail, reviews and install by the token", async () => {
    const user = userEvent.setup();
    const A = await makeWorkspace("ui-pub-u");
    const B = await makeWorkspace("ui-inst-u");
    const pub = callerFor(A.users.owner, A.slug);
    await pub.agents.create({ slug: "hidden", name: "Hidden", instructions: "Stay hidden." });
    const listing = await pub.marketplace.publish({
      source: { kind: "agent", ref: "hidden" },
      slug: `hidden-${Date.now() % 100000}`,
      name: "Hidden helper",
      summary: "Only by its link",
      category: "other",
      visibility: "unlisted",
    });
    expect(listing.linkToken).toMatch(/^lnk_/);
    const calls: string[] = [];
    renderWithRouter(
      B,
      "member",
      () => h(ListingPage, { listing: listing.linkToken! }),
      (path) => calls.push(path),
    );
    expect((await screen.findByTestId("listing-name")).textContent).toBe("Hidden helper");
    expect(await screen.findByTestId("reviews-empty")).toBeTruthy();
    await user.click(screen.getByTestId("listing-install"));
    const dialog = await screen.findByTestId("install-dialog");
    await user.click(await within(dialog).findByTestId("install-consent"));
    await user.click(within(dialog).getByTestId("install-submit"));
    expect(await within(dialog).findByTestId("install-open")).toBeTruthy();
    expect(calls).toEqual(expect.arrayContaining(["marketplace.get", "marketplace.reviews", "marketplaceInstalls.consent", "marketplaceInstalls.install"]));
    cleanup();
    // by its id, without the link, the listing does not exist for a workspace that has not installed it
    const C = await makeWorkspace("ui-other-u");
    renderWithRouter(C, "member", () => h(ListingPage, { listing: listing.id }));
    expect(await screen.findByText("No such listing (or it is not shared with this workspace).")).toBeTruthy();
  });
});
