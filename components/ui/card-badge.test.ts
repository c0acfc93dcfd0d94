// @vitest-environment happy-dom
/** Card and Badge keep the props and markup the pages written before components/ui rely on, next to the new API. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen } from "@testing-library/react";
import { Badge, RoleBadge, StatusBadge } from "./badge";
import { Card, CardContent, CardHeader, CardTitle } from "./card";

afterEach(cleanup);

describe("Card", () => {
  it("with title/description/actions/testId keeps the old markup: a section with an h2 heading and the test id", () => {
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
    expect(card.className).toBe("card");
    expect(screen.getByRole("heading", { level: 2, name: "People" }).className).toBe("card-title");
    expect(card.querySelector(".card-actions")?.textContent).toBe("Invite");
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
