// @vitest-environment happy-dom
/**
 * The marketplace's forms refuse bad input on the field before sending: publishing (source, slug, summary, tags;
 * the scan's problems named by agent and field block it), a review (a rating 1-5, editable), a report, a new
 * version's changelog.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { manifest, pkg, summary } from "@/test/marketplace-ui-fixtures";
import { parseTags } from "./listing-details-fields";
import { PublishForm, type PublishPreview } from "./publish-form";
import { problemLabel } from "./package-problems";
import { ReviewForm } from "./review-form";
import { ReportButton } from "./report-dialog";
import { MyListings } from "./my-listings";

afterEach(cleanup);

const agents = [{ id: "agt_1", slug: "researcher", name: "Researcher" }];
const teams = [{ id: "tea_1", slug: "crew", name: "Crew" }];

function publishForm(preview?: PublishPreview) {
  const onPublish = vi.fn(async () => null);
  const onSourceChange = vi.fn();
  renderAs("admin", fakeApi({}), () => h(PublishForm, { agents, teams, onSourceChange, preview, previewPending: false, onPublish }));
  return { onPublish, onSourceChange };
}

describe("PublishForm", () => {
  it("refuses a missing source, a bad slug, an empty summary and a bad tag before sending", async () => {
    const user = userEvent.setup();
    const { onPublish } = publishForm();
    await user.click(screen.getByTestId("publish-submit"));
    const form = screen.getByTestId("publish-form");
    expect(await within(form).findByText("Write a one-line summary")).toBeTruthy();
    expect(within(form).getByText("Name the listing")).toBeTruthy();
    expect(within(form).getByText("A listing slug is 3-63 lowercase letters, digits and -")).toBeTruthy();
    expect(within(form).getAllByText("Required").length).toBeGreaterThan(0); // the source
    await user.type(screen.getByTestId("publish-tags"), "ok, Bad_Tag");
    await user.click(screen.getByTestId("publish-submit"));
    expect(await within(form).findByText("A tag is lowercase letters, digits and -, up to 32")).toBeTruthy();
    expect(onPublish).not.toHaveBeenCalled();
  });

  it("picking a source previews it and fills the name and slug; publishes the listing", async () => {
    const user = userEvent.setup();
    const { onPublish, onSourceChange } = publishForm();
    await user.selectOptions(screen.getByTestId("publish-source"), "team:crew");
    expect(onSourceChange).toHaveBeenLastCalledWith({ kind: "team", ref: "crew" });
    expect((screen.getByTestId("publish-name") as HTMLInputElement).value).toBe("Crew");
    expect((screen.getByTestId("publish-slug") as HTMLInputElement).value).toBe("crew");
    await user.type(screen.getByTestId("publish-summary"), "Researches and writes");
    await user.type(screen.getByTestId("publish-tags"), "#Research, web");
    await user.selectOptions(screen.getByTestId("publish-visibility"), "unlisted");
    await user.selectOptions(screen.getByTestId("publish-category"), "research");
    await user.click(screen.getByTestId("publish-submit"));
    await vi.waitFor(() => expect(onPublish).toHaveBeenCalledOnce());
    expect((onPublish.mock.calls[0] as unknown[])[0]).toEqual({
      source: { kind: "team", ref: "crew" },
      slug: "crew",
      name: "Crew",
      summary: "Researches and writes",
      description: "",
      category: "research",
      tags: ["research", "web"],
      icon: "",
      visibility: "unlisted",
      changelog: "First version",
      knowledge: [],
    });
  });

  it("shows the package, its manifest and the scan's problems by agent and field, and blocks publishing", async () => {
    const user = userEvent.setup();
    const { onPublish } = publishForm({
      package: pkg,
      manifest: manifest(),
      problems: [
        { path: "agents.1.instructions", message: "Contains an email address" },
        { path: "tools[0].config.headers", message: "Contains a secret value" },
      ],
    });
    expect(screen.getByTestId("package-contents").textContent).toContain("researcher, writer");
    expect(screen.getByTestId("manifest")).toBeTruthy();
    expect(screen.getAllByTestId("publish-problem").map((p) => p.textContent)).toEqual([
      "Agent writer › instructions: Contains an email address",
      "Tool #1 › config › headers: Contains a secret value",
    ]);
    expect((screen.getByTestId("publish-submit") as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByTestId("publish-submit"));
    expect(onPublish).not.toHaveBeenCalled();
  });

  it("helpers: tags typed with commas, spaces and #; problem paths", () => {
    expect(parseTags(" #Research, web  data,")).toEqual(["research", "web", "data"]);
    expect(problemLabel(pkg, "agents.0.instructions")).toBe("Agent researcher › instructions");
    expect(problemLabel(pkg, "teams[0].description")).toBe("Team crew › description");
    expect(problemLabel(undefined, "root")).toBe("root");
  });
});

describe("ReviewForm", () => {
  it("refuses a review with no rating, then posts 1-5 stars and a text; edits the workspace's review", async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn(async () => null);
    renderAs("member", fakeApi({}), () => h(ReviewForm, { listingId: "lst_crew000001", mine: null, onSubmit }));
    await user.click(screen.getByTestId("review-submit"));
    expect(await screen.findByText("A rating is 1 to 5")).toBeTruthy();
    expect(onSubmit).not.toHaveBeenCalled();
    await user.click(screen.getByRole("radio", { name: "4 stars" }));
    await user.type(screen.getByTestId("review-body"), "Useful");
    await user.click(screen.getByTestId("review-submit"));
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledOnce());
    expect((onSubmit.mock.calls[0] as unknown[])[0]).toEqual({ listing: "lst_crew000001", rating: 4, body: "Useful" });
    cleanup();
    renderAs("member", fakeApi({}), () => h(ReviewForm, { listingId: "lst_crew000001", mine: { rating: 2, body: "Meh" }, onSubmit }));
    expect(screen.getByRole("radio", { name: "2 stars" }).getAttribute("aria-checked")).toBe("true");
    expect(screen.getByTestId("review-submit").textContent).toBe("Update review");
  });
});

describe("ReportButton", () => {
  it("sends a reason and details, then thanks", async () => {
    const user = userEvent.setup();
    const onReport = vi.fn(async () => ({ reported: true }));
    renderAs("member", fakeApi({}), () => h(ReportButton, { listingId: "lst_crew000001", onReport }));
    await user.click(screen.getByTestId("report-open"));
    await user.selectOptions(await screen.findByTestId("report-reason"), "malicious");
    await user.type(screen.getByTestId("report-details"), "It posts my data");
    await user.click(screen.getByTestId("report-submit"));
    expect(await screen.findByTestId("report-sent")).toBeTruthy();
    expect((onReport.mock.calls[0] as unknown[])[0]).toEqual({ listing: "lst_crew000001", reason: "malicious", details: "It posts my data" });
  });
});

describe("MyListings", () => {
  const mine = [
    { ...summary({ id: "lst_a00000001", name: "Alpha", mine: true }), reports: 2, linkToken: "lnk_a00000001", removedReason: null },
    {
      ...summary({ id: "lst_b00000001", name: "Beta", mine: true, status: "unpublished", visibility: "unlisted" }),
      reports: 0,
      linkToken: "lnk_b00000001",
      removedReason: null,
    },
  ];
  function show(canPublish = true) {
    const calls = {
      onPublishVersion: vi.fn(async () => null),
      onUnpublish: vi.fn(async () => null),
      onRepublish: vi.fn(async () => null),
    };
    renderAs(canPublish ? "admin" : "member", fakeApi({}), () =>
      h(MyListings, { listings: mine, canPublish, hrefFor: (l) => `/w/w/marketplace/${l.id}`, linkFor: async (l) => `https://cadre.test/${l.id}`, ...calls }),
    );
    return calls;
  }

  it("shows installs, rating, reports and status; a new version needs a changelog", async () => {
    const user = userEvent.setup();
    const calls = show();
    const rows = screen.getAllByTestId("my-listing");
    expect(rows.map((r) => within(r).getByTestId("my-listing-status").textContent)).toEqual(["active", "unpublished"]);
    expect(within(rows[0]!).getByTestId("my-listing-installs").textContent).toBe("12 installs");
    expect(within(rows[0]!).getByTestId("my-listing-reports").textContent).toBe("2 reports");
    await user.click(within(rows[0]!).getByTestId("my-listing-new-version"));
    const dialog = await screen.findByTestId("new-version-dialog");
    await user.click(within(dialog).getByTestId("new-version-submit"));
    expect(await within(dialog).findByText("Say what changed")).toBeTruthy();
    expect(calls.onPublishVersion).not.toHaveBeenCalled();
    await user.type(within(dialog).getByTestId("new-version-changelog"), "Faster");
    await user.click(within(dialog).getByTestId("new-version-submit"));
    await vi.waitFor(() => expect(calls.onPublishVersion).toHaveBeenCalledOnce());
    expect((calls.onPublishVersion.mock.calls[0] as unknown[])[0]).toEqual({ listing: "lst_a00000001", changelog: "Faster" });
  });

  it("unpublishing asks first; an unpublished listing republishes; a member has no publisher actions", async () => {
    const user = userEvent.setup();
    const calls = show();
    const rows = screen.getAllByTestId("my-listing");
    await user.click(within(rows[0]!).getByTestId("my-listing-unpublish"));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Unpublish" }));
    await vi.waitFor(() => expect(calls.onUnpublish).toHaveBeenCalledOnce());
    await user.click(within(rows[1]!).getByTestId("my-listing-republish"));
    await vi.waitFor(() => expect(calls.onRepublish).toHaveBeenCalledOnce());
    cleanup();
    show(false);
    expect(screen.queryByTestId("my-listing-new-version")).toBeNull();
    expect(screen.queryByTestId("my-listing-unpublish")).toBeNull();
    expect(screen.getAllByTestId("my-listing-copy")).toHaveLength(2);
  });
});
