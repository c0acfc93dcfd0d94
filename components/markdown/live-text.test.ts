// @vitest-environment happy-dom
/** Text still being written is shown as Markdown, block by block, with its cursor. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { LiveText } from "./live-text";

afterEach(cleanup);

describe("LiveText", () => {
  it("renders the streamed text as Markdown, half-written parts included, and follows it", async () => {
    const view = render(h(LiveText, { text: "# Plan\n\nFirst **bold", testId: "live" }));
    const live = screen.getByTestId("live");
    expect(live.className).toContain("after:animate-pulse");
    await waitFor(() => expect(live.querySelector("h3")?.textContent).toBe("Plan"));
    expect(live.textContent).toContain("First");
    view.rerender(h(LiveText, { text: "# Plan\n\nFirst **bold** step\n\n- one\n- two", testId: "live" }));
    await waitFor(() => expect(live.querySelectorAll("li")).toHaveLength(2));
    expect(live.querySelector("strong")?.textContent).toBe("bold");
    // nothing of the markup is shown as text
    expect(live.textContent).not.toContain("**");
  });
});
