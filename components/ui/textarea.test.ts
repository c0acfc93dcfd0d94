// @vitest-environment happy-dom
/** Textarea's character counter (bounded text shows how much is left). */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { Textarea } from "./textarea";

afterEach(cleanup);

describe("Textarea", () => {
  it("counts the characters against maxLength and links the counter with aria-describedby", async () => {
    const user = userEvent.setup();
    render(h(Textarea, { maxLength: 10, "aria-label": "Instructions" }));
    const area = screen.getByRole("textbox", { name: "Instructions" });
    await user.type(area, "hello");
    const counter = document.getElementById(area.getAttribute("aria-describedby")!.split(" ").at(-1)!);
    expect(counter?.textContent).toBe("5 / 10");
  });

  it("has no counter without maxLength", () => {
    const view = render(h(Textarea, { "aria-label": "Notes" }));
    expect(view.container.querySelector('[data-slot="textarea-counter"]')).toBeNull();
  });
});
