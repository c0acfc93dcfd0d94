// @vitest-environment happy-dom
/** The confirm dialog that replaces window.confirm: the answer it resolves, the focus it keeps, its pending and error states. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h, useState } from "react";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { ConfirmDialog, ConfirmProvider, useConfirm } from "./confirm";

afterEach(cleanup);

function Asker({ onAnswer }: { onAnswer: (answer: boolean) => void }) {
  const confirm = useConfirm();
  return h(
    "button",
    {
      type: "button",
      onClick: async () =>
        onAnswer(await confirm({ title: "Delete the preset?", description: "It cannot be undone.", confirmLabel: "Delete", destructive: true })),
    },
    "ask",
  );
}

function renderAsker() {
  const answers: boolean[] = [];
  render(h(ConfirmProvider, null, h(Asker, { onAnswer: (a) => answers.push(a) })));
  return answers;
}

describe("useConfirm", () => {
  it("resolves true when confirmed and false when cancelled, with the dialog's title, text and label", async () => {
    const user = userEvent.setup();
    const answers = renderAsker();
    await user.click(screen.getByText("ask"));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog.textContent).toContain("Delete the preset?");
    expect(dialog.textContent).toContain("It cannot be undone.");
    expect(screen.getByTestId("confirm-ok").textContent).toBe("Delete");
    await user.click(screen.getByTestId("confirm-ok"));
    await waitFor(() => expect(answers).toEqual([true]));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());

    await user.click(screen.getByText("ask"));
    await user.click(await screen.findByTestId("confirm-cancel"));
    await waitFor(() => expect(answers).toEqual([true, false]));
  });

  it("moves focus into the dialog, keeps it there on Tab, and Escape answers no", async () => {
    const user = userEvent.setup();
    const answers = renderAsker();
    await user.click(screen.getByText("ask"));
    const dialog = await screen.findByRole("alertdialog");
    await waitFor(() => expect(dialog.contains(document.activeElement)).toBe(true));
    for (let i = 0; i < 4; i++) {
      await user.tab();
      expect(dialog.contains(document.activeElement)).toBe(true);
    }
    await user.keyboard("{Escape}");
    await waitFor(() => expect(answers).toEqual([false]));
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  it("needs its provider", () => {
    expect(() => render(h(Asker, { onAnswer: () => {} }))).toThrow(/ConfirmProvider/);
  });
});

function Harness({ action }: { action: () => Promise<void> }) {
  const [open, setOpen] = useState(true);
  return h(
    "div",
    null,
    h("span", { "data-testid": "open" }, String(open)),
    h(ConfirmDialog, { open, onOpenChange: setOpen, title: "Revoke the key?", confirmLabel: "Revoke", onConfirm: action }),
  );
}

describe("ConfirmDialog", () => {
  it("stays open while the action runs, then closes", async () => {
    const user = userEvent.setup();
    let finish = () => {};
    render(h(Harness, { action: () => new Promise<void>((resolve) => (finish = resolve)) }));
    await user.click(screen.getByTestId("confirm-ok"));
    expect(screen.getByTestId("confirm-ok").textContent).toBe("Working…");
    expect(screen.getByTestId("confirm-ok").hasAttribute("disabled")).toBe(true);
    expect(screen.getByTestId("confirm-cancel").hasAttribute("disabled")).toBe(true);
    await act(async () => finish());
    await waitFor(() => expect(screen.getByTestId("open").textContent).toBe("false"));
  });

  it("shows the action's error in the dialog and stays open", async () => {
    const user = userEvent.setup();
    render(h(Harness, { action: () => Promise.reject(new Error("The key is already revoked")) }));
    await user.click(screen.getByTestId("confirm-ok"));
    expect((await screen.findByTestId("confirm-error")).textContent).toBe("The key is already revoked");
    expect(screen.getByTestId("open").textContent).toBe("true");
    expect(screen.getByTestId("confirm-ok").textContent).toBe("Revoke");
  });
});
