// @vitest-environment happy-dom
/** Button (asChild, default type) and the theme toggle. */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { ThemeProvider } from "next-themes";
import { Button } from "./button";
import { ThemeToggle } from "./theme-toggle";

afterEach(cleanup);

describe("Button", () => {
  it("is a type=button <button> with the variant's classes", () => {
    render(h(Button, { variant: "destructive", size: "sm" }, "Delete"));
    const button = screen.getByRole("button", { name: "Delete" });
    expect(button.tagName).toBe("BUTTON");
    expect(button.getAttribute("type")).toBe("button");
    expect(button.className).toContain("bg-destructive");
    expect(button.className).toContain("h-8");
    expect(button.dataset.slot).toBe("button");
  });

  it("with asChild renders its child (a link) with the button's look instead of a <button>", () => {
    render(h(Button, { asChild: true, variant: "outline" }, h("a", { href: "/w/acme/agents" }, "Agents")));
    const link = screen.getByRole("link", { name: "Agents" });
    expect(link.getAttribute("href")).toBe("/w/acme/agents");
    expect(link.className).toContain("border-input");
    expect(link.dataset.slot).toBe("button");
    expect(link.hasAttribute("type")).toBe(false);
    expect(screen.queryByRole("button")).toBeNull();
  });
});

describe("ThemeToggle", () => {
  it("switches the class on <html> between light and dark and remembers the choice", async () => {
    const user = userEvent.setup();
    localStorage.clear();
    render(h(ThemeProvider, { attribute: "class", defaultTheme: "light", enableSystem: true }, h(ThemeToggle)));
    await waitFor(() => expect(document.documentElement.classList.contains("light")).toBe(true));
    await user.click(screen.getByTestId("theme-toggle"));
    await user.click(await screen.findByTestId("theme-dark"));
    await waitFor(() => expect(document.documentElement.classList.contains("dark")).toBe(true));
    expect(document.documentElement.classList.contains("light")).toBe(false);
    expect(localStorage.getItem("theme")).toBe("dark");
    await user.click(screen.getByTestId("theme-toggle"));
    await user.click(await screen.findByTestId("theme-light"));
    await waitFor(() => expect(document.documentElement.classList.contains("dark")).toBe(false));
  });
});
