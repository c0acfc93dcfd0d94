// @vitest-environment happy-dom
/**
 * The publisher's and the operator's actions beyond publishing, against a fake API: "Edit details" of a listing sends
 * only what changed and puts the server's refusals on their fields (publishers only); "Remove listing" is offered to
 * platform operators only and needs a reason; the publish form's bundled documents (typed or read from a file) are
 * previewed and published, and the scanner's problems show on the document they are in.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { TRPCClientError } from "@trpc/client";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { detail, manifest, pkg, summary } from "@/test/marketplace-ui-fixtures";
import { ListingPage } from "./listing-page";
import { MyListingsPage } from "./mine-page";
import { PublishPage } from "./publish-page";
import { changedDetails } from "./edit-listing-dialog";
import { previewableKnowledge } from "./publish-form";
import { resetTestNavigation } from "@/test/next-navigation";

resetTestNavigation({ pathname: "/w/w/marketplace" });

afterEach(cleanup);

const refusal = (issues: { path: string; message: string }[]) =>
  new TRPCClientError("Invalid", { result: { error: { code: -32600, message: "Invalid", data: { code: "BAD_REQUEST", issues } } } });

const mineRow = { ...summary({ mine: true }), reports: 0, linkToken: "lnk_crew000001", removedReason: null };

describe("Edit details (My listings)", () => {
  it("loads the listing, sends only the fields changed, and puts the server's refusal on its field", async () => {
    const user = userEvent.setup();
    let refuse = true;
    const api = fakeApi({
      "marketplace.mine": () => [mineRow],
      "marketplace.get": () => detail({ mine: true, description: "Old text" }),
      "marketplace.update": () => {
        if (refuse) {
          refuse = false;
          throw refusal([{ path: "summary", message: "Say it without an email address" }]);
        }
        return detail({ mine: true });
      },
    });
    renderAs("admin", api, () => h(MyListingsPage));
    await user.click(await screen.findByTestId("my-listing-edit"));
    const dialog = await screen.findByTestId("edit-listing-dialog");
    const description = (await within(dialog).findByTestId("edit-listing-description")) as HTMLTextAreaElement;
    expect(description.value).toBe("Old text");
    expect(api["marketplace.get"]!.mock.calls[0]![0]).toEqual({ listing: "lst_crew000001" });
    expect((within(dialog).getByTestId("edit-listing-tags") as HTMLInputElement).value).toBe("research, crm");

    await user.clear(within(dialog).getByTestId("edit-listing-summary"));
    await user.type(within(dialog).getByTestId("edit-listing-summary"), "Writes briefs");
    await user.type(within(dialog).getByTestId("edit-listing-tags"), ", Briefs");
    await user.selectOptions(within(dialog).getByTestId("edit-listing-visibility"), "unlisted");
    await user.click(within(dialog).getByTestId("edit-listing-submit"));
    expect(await within(dialog).findByText("Say it without an email address")).toBeTruthy();
    expect(within(dialog).getByTestId("edit-listing-summary").getAttribute("aria-invalid")).toBe("true");

    await user.click(within(dialog).getByTestId("edit-listing-submit"));
    await waitFor(() => expect(screen.queryByTestId("edit-listing-dialog")).toBeNull());
    expect(api["marketplace.update"]!.mock.calls.map((c) => c[0])).toEqual([
      { listing: "lst_crew000001", summary: "Writes briefs", tags: ["research", "crm", "briefs"], visibility: "unlisted" },
      { listing: "lst_crew000001", summary: "Writes briefs", tags: ["research", "crm", "briefs"], visibility: "unlisted" },
    ]);
  });

  it("refuses an empty name on the field before sending; nothing changed sends nothing", async () => {
    const user = userEvent.setup();
    const api = fakeApi({
      "marketplace.mine": () => [mineRow],
      "marketplace.get": () => detail({ mine: true }),
      "marketplace.update": () => detail({ mine: true }),
    });
    renderAs("owner", api, () => h(MyListingsPage));
    await user.click(await screen.findByTestId("my-listing-edit"));
    const dialog = await screen.findByTestId("edit-listing-dialog");
    await user.clear(await within(dialog).findByTestId("edit-listing-name"));
    await user.click(within(dialog).getByTestId("edit-listing-submit"));
    expect(await within(dialog).findByText("Name the listing")).toBeTruthy();
    await user.type(within(dialog).getByTestId("edit-listing-name"), "Research crew");
    await user.click(within(dialog).getByTestId("edit-listing-submit"));
    await waitFor(() => expect(screen.queryByTestId("edit-listing-dialog")).toBeNull());
    expect(api["marketplace.update"]).not.toHaveBeenCalled();
  });

  it("a member (no marketplace:publish) has no Edit details; a removed listing has none either", async () => {
    renderAs("member", fakeApi({ "marketplace.mine": () => [mineRow] }), () => h(MyListingsPage));
    expect(await screen.findByTestId("my-listing")).toBeTruthy();
    expect(screen.queryByTestId("my-listing-edit")).toBeNull();
    cleanup();
    renderAs("owner", fakeApi({ "marketplace.mine": () => [{ ...mineRow, status: "removed" as const, removedReason: "Spam" }] }), () => h(MyListingsPage));
    expect(await screen.findByTestId("my-listing-removed-reason")).toBeTruthy();
    expect(screen.queryByTestId("my-listing-edit")).toBeNull();
  });

  it("changedDetails: only what differs, tags compared as lists", () => {
    const before = detail();
    expect(changedDetails(before, { listing: before.id, name: before.name, tags: [...before.tags] })).toEqual({ listing: before.id });
    expect(changedDetails(before, { listing: before.id, tags: ["crm", "research"], icon: "🔎" })).toEqual({ listing: before.id, tags: ["crm", "research"] });
  });
});

describe("Remove listing (platform operators)", () => {
  const listingApi = (operator: boolean) =>
    fakeApi({
      "marketplace.get": () => detail(),
      "marketplace.reviews": () => ({ items: [], nextCursor: null }),
      "marketplace.viewer": () => ({ operator }),
      "marketplace.remove": () => ({ id: "lst_crew000001", status: "removed" }),
    });

  it("a non-operator, whatever the role, never sees it", async () => {
    for (const role of ["owner", "viewer"] as const) {
      const api = listingApi(false);
      renderAs(role, api, () => h(ListingPage, { listing: "lst_crew000001" }));
      await screen.findByTestId("listing-name");
      await waitFor(() => expect(api["marketplace.viewer"]).toHaveBeenCalled());
      await new Promise((r) => setTimeout(r, 50));
      expect(screen.queryByTestId("listing-remove-open")).toBeNull();
      cleanup();
    }
  });

  it("an operator (even a viewer) removes with a required reason; the page then shows the listing as removed", async () => {
    const user = userEvent.setup();
    const api = listingApi(true);
    renderAs("viewer", api, () => h(ListingPage, { listing: "lst_crew000001" }));
    await user.click(await screen.findByTestId("listing-remove-open"));
    const dialog = await screen.findByTestId("remove-listing-dialog");
    await user.click(within(dialog).getByTestId("listing-remove-submit"));
    expect(await within(dialog).findByText("Say why")).toBeTruthy();
    expect(api["marketplace.remove"]).not.toHaveBeenCalled();
    await user.type(within(dialog).getByTestId("listing-remove-reason"), "Exfiltrates data");
    await user.click(within(dialog).getByTestId("listing-remove-submit"));
    await waitFor(() => expect(api["marketplace.remove"]!.mock.calls[0]![0]).toEqual({ listing: "lst_crew000001", reason: "Exfiltrates data" }));
    expect((await screen.findByTestId("listing-status-note")).textContent).toContain("Removed by the platform's operators");
    expect(screen.queryByTestId("listing-remove-open")).toBeNull();
  });
});

describe("Bundled knowledge (publish)", () => {
  function publishApi(problems: (input: { knowledge?: { text: string }[] }) => { path: string; message: string }[]) {
    return fakeApi({
      "agents.list": () => ({ items: [{ id: "agt_1", slug: "researcher", name: "Researcher" }], nextCursor: null }),
      "teams.list": () => ({ items: [], nextCursor: null }),
      "marketplace.preview": (input) => {
        const knowledge = (input as { knowledge: typeof pkg.knowledge }).knowledge;
        return { package: { ...pkg, knowledge }, manifest: manifest(), problems: problems(input as { knowledge: { text: string }[] }) };
      },
      "marketplace.publish": () => detail({ id: "lst_new0000001" }),
    });
  }

  it("a document typed and one read from a .md file are previewed with their scopes, shown in the preview, and published", async () => {
    const user = userEvent.setup();
    const api = publishApi(() => []);
    renderAs("admin", api, () => h(PublishPage));
    const sourceSelect = await screen.findByTestId("publish-source");
    await waitFor(() => expect(within(sourceSelect).getAllByRole("option").length).toBe(2));
    await user.selectOptions(sourceSelect, "agent:researcher");
    await screen.findByTestId("publish-preview");

    await user.click(screen.getByTestId("knowledge-add"));
    await user.type(screen.getByTestId("knowledge-title"), "Style guide");
    await user.type(screen.getByTestId("knowledge-text"), "Write short sentences.");
    await user.selectOptions(screen.getByTestId("knowledge-format"), "text");
    await user.selectOptions(screen.getByTestId("knowledge-scope"), "agent:researcher");

    await user.click(screen.getByTestId("knowledge-add"));
    const second = screen.getAllByTestId("knowledge-doc")[1]!;
    await user.upload(within(second).getByTestId("knowledge-file"), new File(["# FAQ\n\nAnswers."], "faq.md", { type: "text/markdown" }));
    await waitFor(() => expect((within(second).getByTestId("knowledge-text") as HTMLTextAreaElement).value).toBe("# FAQ\n\nAnswers."));
    expect((within(second).getByTestId("knowledge-title") as HTMLInputElement).value).toBe("faq");

    const docs = [
      { title: "Style guide", scope: { type: "agent", slug: "researcher" }, format: "text", text: "Write short sentences." },
      { title: "faq", scope: { type: "workspace" }, format: "markdown", text: "# FAQ\n\nAnswers." },
    ];
    await waitFor(() => expect(api["marketplace.preview"]!.mock.calls.at(-1)![0]).toEqual({ source: { kind: "agent", ref: "researcher" }, knowledge: docs }));
    await waitFor(() => expect(screen.getByTestId("package-contents").textContent).toContain("Style guide, faq"));

    await user.type(screen.getByTestId("publish-summary"), "Finds things");
    await user.click(screen.getByTestId("publish-submit"));
    await waitFor(() => expect(api["marketplace.publish"]).toHaveBeenCalledOnce());
    expect(api["marketplace.publish"]!.mock.calls[0]![0]).toMatchObject({ knowledge: docs });
  });

  it("the scanner's problem in a document shows on that document's text and blocks publishing; a server refusal lands there too", async () => {
    const user = userEvent.setup();
    // the preview counts only complete documents: the second of the form is the first it sees
    const api = publishApi((input) =>
      (input.knowledge ?? []).flatMap((k, i) => (k.text.includes("@") ? [{ path: `knowledge.${i}.text`, message: "Contains an email address" }] : [])),
    );
    renderAs("admin", api, () => h(PublishPage));
    const sourceSelect = await screen.findByTestId("publish-source");
    await waitFor(() => expect(within(sourceSelect).getAllByRole("option").length).toBe(2));
    await user.selectOptions(sourceSelect, "agent:researcher");
    await screen.findByTestId("publish-preview");
    await user.click(screen.getByTestId("knowledge-add"));
    await user.click(screen.getByTestId("knowledge-add"));
    const [first, second] = screen.getAllByTestId("knowledge-doc") as [HTMLElement, HTMLElement];
    await user.type(within(second).getByTestId("knowledge-title"), "Contacts");
    await user.type(within(second).getByTestId("knowledge-text"), "Ask bob@example.com");
    expect((await within(second).findByTestId("knowledge-problem")).textContent).toBe("Contains an email address");
    expect(within(first).queryByTestId("knowledge-problem")).toBeNull();
    expect((screen.getByTestId("publish-submit") as HTMLButtonElement).disabled).toBe(true);

    // the file picked must be text
    await userEvent.setup({ applyAccept: false }).upload(within(first).getByTestId("knowledge-file"), new File(["x"], "logo.png", { type: "image/png" }));
    expect((await within(first).findByTestId("knowledge-file-error")).textContent).toBe("Choose a .txt or .md file");
    await user.click(within(first).getByTestId("knowledge-remove"));
    await waitFor(() => expect(screen.getAllByTestId("knowledge-doc")).toHaveLength(1));
    const doc = screen.getByTestId("knowledge-doc");
    await user.clear(within(doc).getByTestId("knowledge-text"));
    await user.type(within(doc).getByTestId("knowledge-text"), "Ask the desk");
    await waitFor(() => expect(within(doc).queryByTestId("knowledge-problem")).toBeNull());
    await waitFor(() => expect((screen.getByTestId("publish-submit") as HTMLButtonElement).disabled).toBe(false));

    api["marketplace.publish"]!.mockImplementation(() => {
      throw refusal([{ path: "knowledge.0.text", message: "Contains a secret value" }]);
    });
    await user.type(screen.getByTestId("publish-summary"), "Finds things");
    await user.click(screen.getByTestId("publish-submit"));
    await waitFor(() => expect(within(doc).getByTestId("knowledge-text").getAttribute("aria-invalid")).toBe("true"));
    expect(within(doc).getByText("Contains a secret value")).toBeTruthy();
  });

  it("previewableKnowledge: complete documents only, with their form indexes", () => {
    const ok = { title: "A", scope: { type: "workspace" }, format: "text", text: "a" };
    expect(previewableKnowledge([{ ...ok, title: "" }, ok, { ...ok, text: "" }, ok])).toEqual({ docs: [ok, ok], indexes: [1, 3] });
  });
});
