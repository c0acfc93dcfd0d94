// @vitest-environment happy-dom
/**
 * The workspace sidebar's navigation: grouped sections, hidden by role, the current page marked, collapsing kept, the
 * count of approval requests waiting.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { act, cleanup, renderHook, screen, waitFor } from "@testing-library/react";
import type { Role } from "@/lib/permissions";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { useSidebarCollapsed } from "@/components/shell/use-sidebar-collapsed";
import { WorkspaceNav } from "./workspace-nav";
import { resetTestNavigation } from "@/test/next-navigation";

resetTestNavigation({ pathname: "/w/w/agents/writer" });

afterEach(cleanup);
beforeEach(() => localStorage.clear());

/** The nav in workspace "w" as `role`, with `pending` approval requests waiting. */
function nav(role: Role, props: { collapsed?: boolean } = {}, pending = 0) {
  const api = fakeApi({ "approvals.count": () => ({ pending }) });
  return { api, ...renderAs(role, api, () => h(WorkspaceNav, props)) };
}

describe("WorkspaceNav", () => {
  it("groups the sections by what people do, and marks the page shown (a page below a section marks it too)", () => {
    nav("owner");
    const groups = screen.getAllByRole("heading", { level: 2 }).map((g) => g.textContent);
    expect(groups).toEqual(["Build", "Run", "Observe", "Configure", "Workspace"]);
    expect(screen.getByTestId("nav-agents").getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("nav-overview").getAttribute("aria-current")).toBeNull();
    expect(screen.getByTestId("nav-teams").getAttribute("href")).toBe("/w/w/teams");
    expect(screen.getByTestId("nav-memory").getAttribute("href")).toBe("/w/w/memory");
    expect(screen.getByTestId("nav-marketplace").getAttribute("href")).toBe("/w/w/marketplace");
  });

  it("shows a role only the sections it may read, and drops a group left empty", () => {
    nav("viewer");
    expect(screen.queryByTestId("nav-api-keys")).toBeNull();
    expect(screen.queryByTestId("nav-audit")).toBeNull();
    expect(screen.getByTestId("nav-members")).toBeTruthy();
    expect(screen.getByTestId("nav-memory")).toBeTruthy(); // memory:read
    expect(screen.getByTestId("nav-marketplace")).toBeTruthy(); // marketplace:read: every role browses
    nav("owner");
    expect(screen.getByTestId("nav-api-keys")).toBeTruthy();
  });

  it("collapsed: icons only, each link keeps its name for screen readers and as a tooltip", () => {
    nav("owner", { collapsed: true });
    const link = screen.getByTestId("nav-usage");
    expect(link.getAttribute("title")).toBe("Usage");
    expect(link.textContent).toBe("Usage");
    expect(link.querySelector("span")?.className).toContain("sr-only");
  });
});

describe("the Approvals entry", () => {
  it("shows the requests waiting as a count, for every role that reads tools; none while nothing waits", async () => {
    const { api } = nav("viewer", {}, 3);
    await waitFor(() => expect(screen.getByTestId("nav-approvals-count").textContent).toBe("3 waiting"));
    expect(screen.getByTestId("nav-approvals").getAttribute("href")).toBe("/w/w/approvals");
    expect(api["approvals.count"]).toHaveBeenCalled();
    cleanup();
    const empty = nav("owner", {}, 0);
    await waitFor(() => expect(empty.api["approvals.count"]).toHaveBeenCalled());
    expect(screen.getByTestId("nav-approvals")).toBeTruthy();
    expect(screen.queryByTestId("nav-approvals-count")).toBeNull();
  });
});

describe("useSidebarCollapsed", () => {
  it("toggles, is kept in the browser, and Ctrl+B toggles it", () => {
    const first = renderHook(() => useSidebarCollapsed());
    expect(first.result.current[0]).toBe(false);
    act(() => first.result.current[1]());
    expect(first.result.current[0]).toBe(true);
    first.unmount();
    const again = renderHook(() => useSidebarCollapsed());
    expect(again.result.current[0]).toBe(true);
    act(() => {
      window.dispatchEvent(new KeyboardEvent("keydown", { key: "b", ctrlKey: true }));
    });
    expect(again.result.current[0]).toBe(false);
    expect(localStorage.getItem("cadre.sidebar.collapsed")).toBe("0");
  });
});
