// @vitest-environment happy-dom
/**
 * The labelling view, driven by the keyboard against a fake API: p/r/f pick the verdict, 1-5 score the criteria in
 * turn, n opens the note, Enter saves the label; a save without a verdict is refused on the form; a viewer gets no
 * queue. Nothing of the judges' verdicts reaches the page (the queue carries none).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { LabellingPage } from "./labelling-page";

afterEach(cleanup);

const item = (n: number) => ({
  runId: `run_item00000${n}`,
  iteration: 1,
  target: "writer",
  input: `Question ${n}`,
  output: `Answer ${n}`,
  criteria: ["accuracy", "clarity"],
  createdAt: new Date(),
});

describe("LabellingPage", () => {
  it("labels the current output with the keyboard only", async () => {
    const user = userEvent.setup();
    const api = fakeApi({
      "labels.queue": () => ({ items: [item(1), item(2)] }),
      "labels.save": (input) => ({
        id: "lbl_abcdef123456",
        labellerId: "usr_me",
        score: null,
        heldOut: false,
        createdAt: new Date(),
        updatedAt: new Date(),
        scores: {},
        note: "",
        ...(input as object),
      }),
    });
    renderAs("member", api, () => h(LabellingPage));
    expect((await screen.findByTestId("label-output")).textContent).toBe("Answer 1");
    await user.keyboard("j");
    expect((await screen.findByTestId("label-output")).textContent).toBe("Answer 2");
    await user.keyboard("k");
    expect((await screen.findByTestId("label-output")).textContent).toBe("Answer 1");
    await user.keyboard("r42n");
    await user.keyboard("needs a source");
    await user.keyboard("{Escape}{Enter}");
    await vi.waitFor(() => expect(api["labels.save"]).toHaveBeenCalledOnce());
    expect(api["labels.save"]!.mock.calls[0]![0]).toEqual({
      runId: "run_item000001",
      iteration: 1,
      verdict: "revise",
      scores: { accuracy: 4, clarity: 2 },
      score: null,
      note: "needs a source",
    });
  });

  it("refuses to save without a verdict, and a viewer has no queue", async () => {
    const user = userEvent.setup();
    const api = fakeApi({ "labels.queue": () => ({ items: [item(1)] }), "labels.save": () => null });
    renderAs("member", api, () => h(LabellingPage));
    await screen.findByTestId("label-output");
    await user.keyboard("3{Enter}");
    expect(await screen.findByText("Pick a verdict (p, r or f)")).toBeTruthy();
    expect(api["labels.save"]).not.toHaveBeenCalled();
    cleanup();
    renderAs("viewer", fakeApi({}), () => h(LabellingPage));
    expect(screen.getByTestId("no-access")).toBeTruthy();
  });
});
