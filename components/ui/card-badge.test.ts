// @vitest-environment happy-dom
/** Card (titled, or composed from its parts) and Badge (the old tones as variants). */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen } from "@testing-library/react";
import { Badge, RoleBadge, StatusBadge } from "./badge";
import { Card, CardContent, CardHeader, CardTitle } from "./card";

afterEach(cleanup);

describe("Card", () => {
  it("with title/description/actions/testId is a titled section: an h2 heading, the description, the actions and the test id", () => {
    render(
      h(Card, {
        title: "People",
        description: "Who is in",
        actions: h("button", { type: "button" }, "Invite"),
        testId: "people",
        children: h("p", null, "rows"),
      }),
    );
    const card = screen.getByTestId("people");
    expect(card.tagName).toBe("SECTION");
    expect(card.className).toContain("bg-card");
    expect(card.classList.contains("card")).toBe(false); // no class of the old stylesheet
    expect(screen.getByRole("heading", { level: 2, name: "People" }).dataset.slot).toBe("card-title");
    expect(screen.getByText("Who is in").tagName).toBe("P");
    expect(screen.getByRole("button", { name: "Invite" })).toBeTruthy();
  });

  it("a danger card says so in its border", () => {
    render(h(Card, { title: "Archive", tone: "danger", testId: "danger" }));
    expect(screen.getByTestId("danger").className).toContain("border-destructive");
  });

  it("composed from its parts is the new card", () => {
    const view = render(h(Card, { className: "max-w-md" }, h(CardHeader, null, h(CardTitle, null, "Spend")), h(CardContent, null, "$4")));
    const card = view.container.querySelector('[data-slot="card"]')!;
    expect(card.className).toContain("bg-card");
    expect(card.className).toContain("max-w-md");
    expect(screen.getByRole("heading", { name: "Spend" }).dataset.slot).toBe("card-title");
  });
});

describe("Badge", () => {
  it("maps the old tones onto variants and keeps testId", () => {
    render(
      h(
        "div",
        null,
        h(Badge, { tone: "danger", testId: "b1" }, "revoked"),
        h(StatusBadge, { status: "active", testId: "b2" }),
        h(RoleBadge, { role: "viewer", testId: "b3" }),
      ),
    );
    expect(screen.getByTestId("b1").className).toContain("bg-destructive");
    expect(screen.getByTestId("b2").className).toContain("bg-success");
    expect(screen.getByTestId("b2").textContent).toBe("active");
    expect(screen.getByTestId("b3").className).toContain("bg-secondary");
  });

  it("takes a variant, which wins over a tone", () => {
    render(h(Badge, { variant: "warning", tone: "success", testId: "b" }, "expiring"));
    expect(screen.getByTestId("b").className).toContain("bg-warning");
  });
});
