// @vitest-environment happy-dom
/**
 * The memory documents component: the list with live progress (polled while a document is processing), pasting and
 * uploading a document into a scope, deleting one after a confirmation, and what a viewer may do.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import type { MemoryDocumentOutput } from "@/lib/schemas/memory-documents";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { DocumentIngest } from "./document-ingest";

afterEach(cleanup);

const doc = (id: string, title: string, over: Partial<MemoryDocumentOutput> = {}): MemoryDocumentOutput => ({
  id,
  scope: { type: "workspace", id: null },
  title,
  mimeType: "text/markdown",
  sizeBytes: 1200,
  status: "ready",
  progress: { chunksDone: 3, chunksTotal: 3 },
  error: null,
  createdByType: "user",
  createdById: "usr_me",
  createdAt: new Date("2026-01-02T10:00:00Z"),
  updatedAt: new Date("2026-01-02T10:00:00Z"),
  startedAt: null,
  finishedAt: null,
  ...over,
});

const progressOf = (title: string) => screen.getByRole("progressbar", { name: `Progress of ${title}` });

describe("DocumentIngest", () => {
  it("shows each document's progress and follows it while it is processing", async () => {
    let reads = 0;
    const api = fakeApi({
      "memoryDocuments.list": () => {
        reads++;
        const processing = reads < 2;
        return {
          items: [
            doc(
              "mdoc_1",
              "Handbook",
              processing ? { status: "processing", progress: { chunksDone: 32, chunksTotal: 70 } } : { progress: { chunksDone: 70, chunksTotal: 70 } },
            ),
            doc("mdoc_2", "Scan", { status: "failed", progress: { chunksDone: 0, chunksTotal: 4 }, error: "The embedding model could not be reached" }),
          ],
          nextCursor: null,
        };
      },
    });
    renderAs("owner", api, () => h(DocumentIngest, { workspace: "w" }));
    await waitFor(() => expect(progressOf("Handbook").getAttribute("aria-valuenow")).toBe("32"));
    expect(screen.getByText("32 / 70 chunks")).toBeTruthy();
    expect(screen.getByText("processing")).toBeTruthy();
    expect(screen.getByText("The embedding model could not be reached")).toBeTruthy();
    // polled: the next read has it ready, and polling stops
    await waitFor(() => expect(progressOf("Handbook").getAttribute("aria-valuenow")).toBe("70"));
    expect(screen.getByText("ready")).toBeTruthy();
  });

  it("adds pasted text into a subject's scope, and an uploaded file as base64 with its name and type", async () => {
    const user = userEvent.setup();
    const api = fakeApi({
      "memoryDocuments.list": () => ({ items: [], nextCursor: null }),
      "memoryDocuments.create": (input) => doc("mdoc_new", (input as { title?: string }).title ?? "new", { status: "queued" }),
    });
    renderAs("member", api, () => h(DocumentIngest, { workspace: "w" }));
    await screen.findByText("No documents yet.");
    await user.selectOptions(screen.getByLabelText("Scope"), "subject");
    await user.click(screen.getByRole("button", { name: "Add to memory" }));
    expect(screen.getByTestId("document-problem").textContent).toBe("A subject scope needs an id");
    await user.type(screen.getByLabelText("Scope id"), "customer:42");
    await user.click(screen.getByRole("button", { name: "Add to memory" }));
    expect(screen.getByTestId("document-problem").textContent).toBe("Paste the document's text");
    await user.type(screen.getByLabelText("Title (optional)"), "Notes");
    await user.type(screen.getByLabelText("Text, Markdown or HTML"), "# Notes{enter}{enter}Prefers calls after 5pm.");
    await user.click(screen.getByRole("button", { name: "Add to memory" }));
    await waitFor(() => expect(api["memoryDocuments.create"]).toHaveBeenCalledOnce());
    expect(api["memoryDocuments.create"]!.mock.calls[0]![0]).toEqual({
      scope: { type: "subject", id: "customer:42" },
      title: "Notes",
      text: "# Notes\n\nPrefers calls after 5pm.",
    });

    await user.click(screen.getByLabelText("Upload a file"));
    await user.upload(screen.getByLabelText("File (PDF, text, Markdown or HTML)"), new File(["%PDF-1.4 tiny"], "report.pdf", { type: "application/pdf" }));
    await user.click(screen.getByRole("button", { name: "Add to memory" }));
    await waitFor(() => expect(api["memoryDocuments.create"]).toHaveBeenCalledTimes(2));
    expect(api["memoryDocuments.create"]!.mock.calls[1]![0]).toEqual({
      scope: { type: "subject", id: "customer:42" },
      contentBase64: btoa("%PDF-1.4 tiny"),
      fileName: "report.pdf",
      mimeType: "application/pdf",
    });
  });

  it("deletes a document after a confirmation", async () => {
    const user = userEvent.setup();
    const api = fakeApi({
      "memoryDocuments.list": () => ({ items: [doc("mdoc_1", "Handbook")], nextCursor: null }),
      "memoryDocuments.delete": () => ({ deleted: true }),
    });
    renderAs("admin", api, () => h(DocumentIngest, { workspace: "w" }));
    await user.click(await screen.findByRole("button", { name: "Delete Handbook" }));
    const dialog = await screen.findByRole("alertdialog");
    expect(within(dialog).getByText("Its memories are deleted with it: recall no longer finds them.")).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Delete document" }));
    await waitFor(() => expect(api["memoryDocuments.delete"]).toHaveBeenCalledWith({ documentId: "mdoc_1" }));
  });

  it("a viewer sees the documents but cannot add or delete", async () => {
    const api = fakeApi({ "memoryDocuments.list": () => ({ items: [doc("mdoc_1", "Handbook")], nextCursor: null }) });
    renderAs("viewer", api, () => h(DocumentIngest, { workspace: "w" }));
    await screen.findByText("Handbook");
    expect(screen.queryByRole("button", { name: "Add to memory" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete Handbook" })).toBeNull();
  });
});
