// @vitest-environment happy-dom
/**
 * A dataset's page against the real router and database: a pasted import with a bad line lists that line and field and
 * imports nothing; a good one fills the items table; a viewer gets neither the add form nor the import box.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { renderWithRouter } from "@/test/ui-harness";
import { callerFor, makeWorkspace, uniq } from "@/test/helpers";
import { DatasetDetailPage } from "./dataset-detail";

// no app router outside Next: the page only navigates after starting an evaluation

afterEach(cleanup);

describe("Dataset page", () => {
  it("shows a refused import's bad lines, then imports a good paste into the items table", async () => {
    const ws = await makeWorkspace("dataset-ui");
    const dataset = await callerFor(ws.users.owner, ws.slug).datasets.create({ slug: `ds-${uniq()}`, name: "Questions" });
    const ui = userEvent.setup();
    renderWithRouter(ws, "member", () => h(DatasetDetailPage, { dataset: dataset.slug }));

    const box = await screen.findByTestId("import-content");
    await ui.click(box);
    await ui.paste('{"input":"fine"}\n{"input":""}\nnot json');
    await ui.click(screen.getByTestId("import-submit"));
    const errors = await screen.findByTestId("import-errors");
    expect(errors.textContent).toContain("Nothing was imported");
    expect(errors.textContent).toContain("line 2.input");
    expect(errors.textContent).toContain("line 3.line: Not valid JSON");
    expect(screen.queryAllByTestId("dataset-item-row")).toHaveLength(0);

    await ui.clear(box);
    await ui.click(box);
    await ui.paste('{"input":"What is Cadre?","reference":"A platform","tags":["basics"]}\n{"input":"Second?"}');
    await ui.click(screen.getByTestId("import-submit"));
    expect((await screen.findByTestId("import-result")).textContent).toBe("Imported 2 items (2 in the dataset).");
    await waitFor(() => expect(screen.queryAllByTestId("dataset-item-row")).toHaveLength(2));
    expect(screen.getAllByTestId("dataset-item-row")[0]!.textContent).toContain("What is Cadre?");
  });

  it("a viewer sees the items but neither the add form nor the import box", async () => {
    const ws = await makeWorkspace("dataset-ui-viewer");
    const owner = callerFor(ws.users.owner, ws.slug);
    const dataset = await owner.datasets.create({ slug: `ds-${uniq()}`, name: "Questions" });
    await owner.datasets.addItem({ dataset: dataset.id, input: "Visible question" });
    renderWithRouter(ws, "viewer", () => h(DatasetDetailPage, { dataset: dataset.slug }));
    await waitFor(() => expect(screen.queryAllByTestId("dataset-item-row")).toHaveLength(1));
    expect(screen.queryByTestId("dataset-import")).toBeNull();
    expect(screen.queryByTestId("dataset-item-form")).toBeNull();
  });
});
