// @vitest-environment happy-dom
/**
 * The publisher's and the operator's pages on the real routers and database: bundled knowledge is scanned by the
 * preview (a problem on the document's field) and published in the package; "Edit details" changes the listing; a
 * platform operator (CADRE_OPERATOR_EMAILS), and only an operator, removes another workspace's listing with a reason.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { callerFor, makeWorkspace } from "@/test/helpers";
import { renderWithRouter } from "@/test/ui-harness";
import { testDb as db } from "@/test/db";
import { setEnv } from "@/server/env";
import { PublishPage } from "./publish-page";
import { ListingPage } from "./listing-page";
import { MyListingsPage } from "./mine-page";
import { testNavigation } from "@/test/next-navigation";

const push = testNavigation.router.push;

afterEach(cleanup);
afterAll(() => setEnv("CADRE_OPERATOR_EMAILS", ""));

describe("the marketplace's edits through the pages", () => {
  it("publishes bundled knowledge once the scanner's problem on it is fixed, then edits the listing's details", async () => {
    const user = userEvent.setup();
    const A = await makeWorkspace("ui2-pub");
    await callerFor(A.users.owner, A.slug).agents.create({ slug: "guide", name: "Guide", instructions: "Guide people." });
    renderWithRouter(A, "admin", () => h(PublishPage));
    const source = await screen.findByTestId("publish-source");
    await waitFor(() => expect(within(source).getAllByRole("option").length).toBe(2));
    await user.selectOptions(source, "agent:guide");
    await screen.findByTestId("publish-preview");
    await user.click(screen.getByTestId("knowledge-add"));
    await user.type(screen.getByTestId("knowledge-title"), "Contacts");
    await user.type(screen.getByTestId("knowledge-text"), "Write to help@example.com");
    await waitFor(() => expect(screen.getByTestId("knowledge-scope").querySelectorAll("option")).toHaveLength(2));
    await user.selectOptions(screen.getByTestId("knowledge-scope"), "agent:guide");
    expect((await screen.findByTestId("knowledge-problem")).textContent).toContain("Contains an email address");
    expect((screen.getByTestId("publish-submit") as HTMLButtonElement).disabled).toBe(true);
    await user.clear(screen.getByTestId("knowledge-text"));
    await user.type(screen.getByTestId("knowledge-text"), "Ask at the desk.");
    await waitFor(() => expect(screen.queryByTestId("knowledge-problem")).toBeNull());
    await waitFor(() => expect(screen.getByTestId("package-contents").textContent).toContain("Contacts"));
    await user.type(screen.getByTestId("publish-summary"), "Guides people");
    await user.click(screen.getByTestId("publish-submit"));
    await waitFor(() => expect(push).toHaveBeenCalledOnce());
    const listingId = String(push.mock.calls[0]![0]).split("/").at(-1)!;
    const version = await db().listingVersion.findFirstOrThrow({ where: { listingId } });
    expect((version.package as { knowledge: unknown[] }).knowledge).toEqual([
      { title: "Contacts", scope: { type: "agent", slug: "guide" }, format: "markdown", text: "Ask at the desk." },
    ]);
    cleanup();

    renderWithRouter(A, "admin", () => h(MyListingsPage));
    await user.click(await screen.findByTestId("my-listing-edit"));
    const dialog = await screen.findByTestId("edit-listing-dialog");
    await user.type(await within(dialog).findByTestId("edit-listing-description"), "Knows **the desk**.");
    await user.click(within(dialog).getByTestId("edit-listing-submit"));
    await waitFor(() => expect(screen.queryByTestId("edit-listing-dialog")).toBeNull());
    expect(await db().listing.findUniqueOrThrow({ where: { id: listingId } })).toMatchObject({ description: "Knows **the desk**.", summary: "Guides people" });
  });

  it("only a platform operator sees Remove listing; removing needs a reason and shows the listing as removed", async () => {
    const user = userEvent.setup();
    const A = await makeWorkspace("ui2-pubr");
    const B = await makeWorkspace("ui2-op");
    const pub = callerFor(A.users.owner, A.slug);
    await pub.agents.create({ slug: "spammer", name: "Spammer", instructions: "Spam." });
    const listing = await pub.marketplace.publish({
      source: { kind: "agent", ref: "spammer" },
      slug: `spammer-${Date.now() % 100000}`,
      name: "Spammer",
      summary: "Sends spam",
      category: "other",
    });
    setEnv("CADRE_OPERATOR_EMAILS", B.users.member.email);

    // B's owner is no operator: the page asks, and offers nothing
    const calls: string[] = [];
    renderWithRouter(
      B,
      "owner",
      () => h(ListingPage, { listing: listing.id }),
      (path) => calls.push(path),
    );
    await screen.findByTestId("listing-name");
    expect(await callerFor(B.users.owner, B.slug).marketplace.viewer()).toEqual({ operator: false });
    await waitFor(() => expect(calls).toContain("marketplace.viewer"));
    await new Promise((r) => setTimeout(r, 300));
    expect(screen.queryByTestId("listing-remove-open")).toBeNull();
    cleanup();

    renderWithRouter(B, "member", () => h(ListingPage, { listing: listing.id }));
    await user.click(await screen.findByTestId("listing-remove-open"));
    const dialog = await screen.findByTestId("remove-listing-dialog");
    await user.click(within(dialog).getByTestId("listing-remove-submit"));
    expect(await within(dialog).findByText("Say why")).toBeTruthy();
    await user.type(within(dialog).getByTestId("listing-remove-reason"), "Sends spam to everyone");
    await user.click(within(dialog).getByTestId("listing-remove-submit"));
    expect((await screen.findByTestId("listing-status-note")).textContent).toContain("Removed by the platform's operators");
    expect(screen.queryByTestId("listing-remove-open")).toBeNull();
    expect(await db().listing.findUniqueOrThrow({ where: { id: listing.id } })).toMatchObject({ status: "removed", removedReason: "Sends spam to everyone" });
  });
});
