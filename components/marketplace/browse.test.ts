// @vitest-environment happy-dom
/**
 * Browsing (cards, search, category, tag chips, sort, load more), a listing's page (sanitised description, versions,
 * manifest with the signature, reviews, install and report), and the installed listings (update available, uninstall).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { detail, install, summary } from "@/test/marketplace-ui-fixtures";
import type { PagedList } from "@/components/ui/paged-list";
import { type ListingFilters, ListingBrowser, NO_FILTERS, searchInputOf } from "./listing-browser";
import { ListingDetailView, type ListingReview } from "./listing-detail";
import { InstalledList } from "./installed-list";

afterEach(cleanup);

const paged = <T>(data: T[], hasNextPage = false): PagedList<T> & { fetchNextPage: ReturnType<typeof vi.fn<() => void>> } => ({
  isPending: false,
  isError: false,
  error: null,
  data,
  hasNextPage,
  isFetchingNextPage: false,
  fetchNextPage: vi.fn<() => void>(),
});

describe("ListingBrowser", () => {
  function browse(filters: ListingFilters = NO_FILTERS) {
    const onFiltersChange = vi.fn();
    const list = paged(
      [summary(), summary({ id: "lst_two0000001", name: "Writer", kind: "agent", ratingAverage: null, ratingCount: 0, tags: [], mine: true })],
      true,
    );
    renderAs("viewer", fakeApi({}), () => h(ListingBrowser, { filters, onFiltersChange, list, hrefFor: (l) => `/w/w/marketplace/${l.id}` }));
    return { onFiltersChange, list };
  }

  it("shows each listing's card: name, publisher, kind, installs, rating, tags", () => {
    browse();
    const cards = screen.getAllByTestId("listing-card");
    expect(cards).toHaveLength(2);
    const first = within(cards[0]!);
    expect(first.getByTestId("listing-link").getAttribute("href")).toBe("/w/w/marketplace/lst_crew000001");
    expect(first.getByTestId("listing-publisher").textContent).toBe("by Publisher Inc");
    expect(first.getByTestId("listing-kind").textContent).toBe("team");
    expect(first.getByTestId("listing-installs").textContent).toBe("12 installs");
    expect(first.getByTestId("rating").textContent).toContain("Rated 4.5 out of 5 (4)");
    expect(first.getAllByTestId("listing-tag").map((t) => t.textContent)).toEqual(["#research", "#crm"]);
    expect(within(cards[1]!).getByTestId("rating").textContent).toContain("Not rated yet");
    expect(within(cards[1]!).getByText("yours")).toBeTruthy();
  });

  it("search, category, a typed tag, a card's tag and sort change the filters; load more asks for the next page", async () => {
    const user = userEvent.setup();
    const { onFiltersChange, list } = browse();
    await user.type(screen.getByTestId("marketplace-q"), "crm brief");
    await user.type(screen.getByTestId("marketplace-tag-input"), "#Sales");
    await user.click(screen.getByTestId("marketplace-search-submit"));
    expect(onFiltersChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, q: "crm brief", tags: ["sales"] });
    await user.selectOptions(screen.getByTestId("marketplace-category"), "research");
    expect(onFiltersChange).toHaveBeenLastCalledWith(expect.objectContaining({ category: "research" }));
    await user.selectOptions(screen.getByTestId("marketplace-sort"), "rating");
    expect(onFiltersChange).toHaveBeenLastCalledWith(expect.objectContaining({ sort: "rating" }));
    await user.click(within(screen.getAllByTestId("listing-card")[0]!).getAllByTestId("listing-tag")[1]!);
    expect(onFiltersChange).toHaveBeenLastCalledWith(expect.objectContaining({ tags: ["crm"] }));
    await user.click(screen.getByTestId("marketplace-more"));
    expect(list.fetchNextPage).toHaveBeenCalledOnce();
  });

  it("a chosen tag shows as a chip that removes it; the search input drops what is empty", async () => {
    const user = userEvent.setup();
    const { onFiltersChange } = browse({ ...NO_FILTERS, tags: ["crm", "web"] });
    await user.click(screen.getByRole("button", { name: "Remove the tag crm" }));
    expect(onFiltersChange).toHaveBeenLastCalledWith({ ...NO_FILTERS, tags: ["web"] });
    expect(searchInputOf(NO_FILTERS)).toEqual({ sort: "installs" });
    expect(searchInputOf({ q: " x ", category: "data", tags: ["a"], sort: "recent" })).toEqual({ q: "x", category: "data", tags: ["a"], sort: "recent" });
  });
});

describe("ListingDetailView", () => {
  const reviews: ListingReview[] = [
    { rating: 5, body: "Great", mine: false, createdAt: "2026-11-04T10:00:00.000Z", updatedAt: "2026-11-04T10:00:00.000Z" },
    { rating: 3, body: "", mine: true, createdAt: "2026-11-05T10:00:00.000Z", updatedAt: "2026-11-05T10:00:00.000Z" },
  ];
  function show(over: Parameters<typeof detail>[0] = {}, role: "member" | "viewer" = "member") {
    const calls = { onInstall: vi.fn(), onReview: vi.fn(async () => null), onReport: vi.fn(async () => null) };
    renderAs(role, fakeApi({}), () =>
      h(ListingDetailView, { listing: detail(over), reviews: paged(reviews), canInstall: role === "member", canReview: role === "member", ...calls }),
    );
    return calls;
  }

  it("shows the provenance, the sanitised description (no image, no script), the versions, the manifest and signature, the reviews", () => {
    show();
    expect(screen.getByTestId("listing-provenance").textContent).toContain("Published by Publisher Inc · v2");
    const description = screen.getByTestId("listing-description");
    expect(description.querySelector("img")).toBeNull();
    expect(description.querySelector("script")).toBeNull();
    expect(description.textContent).toContain("[image: tracker (https://evil.example/p.png)]");
    expect(description.querySelector("strong")?.textContent).toBe("researches");
    expect(screen.getAllByTestId("listing-version").map((v) => v.textContent)).toEqual([
      expect.stringContaining("Adds the CRM lookup"),
      expect.stringContaining("First version"),
    ]);
    expect(within(screen.getByTestId("listing-manifest")).getByTestId("signature").getAttribute("data-verified")).toBe("true");
    expect(within(screen.getByTestId("listing-manifest")).getAllByTestId("manifest-tool")).toHaveLength(2);
    expect(screen.getAllByTestId("review").map((r) => r.getAttribute("data-mine"))).toEqual(["false", "true"]);
    expect(screen.getByTestId("review-form")).toBeTruthy();
  });

  it("Install opens the flow; an unpublished listing or a bad signature cannot be installed; a viewer neither installs nor reviews", async () => {
    const user = userEvent.setup();
    const calls = show();
    await user.click(screen.getByTestId("listing-install"));
    expect(calls.onInstall).toHaveBeenCalledOnce();
    cleanup();
    show({ status: "unpublished" });
    expect((screen.getByTestId("listing-install") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("listing-status-note").textContent).toContain("existing installs keep working");
    cleanup();
    show({ latest: { ...detail().latest, verified: false } });
    expect((screen.getByTestId("listing-install") as HTMLButtonElement).disabled).toBe(true);
    cleanup();
    show({}, "viewer");
    expect(screen.queryByTestId("listing-install")).toBeNull();
    expect(screen.queryByTestId("review-form")).toBeNull();
    expect(screen.queryByTestId("report-open")).toBeNull();
  });

  it("the publisher's own listing: no review form, no report button", () => {
    show({ mine: true, installs: [{ id: "lin_1", version: 1 }] });
    expect(screen.queryByTestId("review-form")).toBeNull();
    expect(screen.queryByTestId("report-open")).toBeNull();
    expect(screen.getByTestId("listing-installed-note").textContent).toBe("Installed here: v1");
  });
});

describe("InstalledList", () => {
  it("shows each install's version and update; review update and uninstall (asked first)", async () => {
    const user = userEvent.setup();
    const onReviewUpdate = vi.fn();
    const onUninstall = vi.fn(async () => null);
    const installs = [install(), install({ id: "lin_two0000001", version: 2, updateAvailable: false, listingStatus: "unpublished" })];
    renderAs("member", fakeApi({}), () =>
      h(InstalledList, {
        installs,
        canManage: true,
        rootHref: (i) => `/w/w/${i.root.kind}s/${i.root.slug}`,
        listingHref: (i) => `/w/w/marketplace/${i.listingId}`,
        onReviewUpdate,
        onUninstall,
      }),
    );
    const items = screen.getAllByTestId("installed-item");
    expect(within(items[0]!).getByTestId("installed-update-available").textContent).toBe("v2 available");
    expect(within(items[1]!).queryByTestId("installed-update-available")).toBeNull();
    expect(within(items[1]!).getByText("listing unpublished")).toBeTruthy();
    expect(within(items[0]!).getByTestId("installed-root").getAttribute("href")).toBe("/w/w/teams/crew");
    await user.click(within(items[0]!).getByTestId("installed-review-update"));
    expect(onReviewUpdate).toHaveBeenCalledWith(installs[0]);
    await user.click(within(items[1]!).getByTestId("installed-uninstall"));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Uninstall" }));
    await vi.waitFor(() => expect(onUninstall).toHaveBeenCalledWith(installs[1]));
  });
});
