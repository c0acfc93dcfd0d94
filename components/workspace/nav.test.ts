// @vitest-environment happy-dom
/** The workspace sidebar's navigation: grouped sections, hidden by role, the current page marked, collapsing kept. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createElement as h } from "react";
import { act, cleanup, render, renderHook, screen } from "@testing-library/react";
import { permissionsOf, type Role } from "@/lib/permissions";
import { useSidebarCollapsed } from "@/components/shell/use-sidebar-collapsed";
import { WorkspaceContextProvider, type WorkspaceContextValue } from "./workspace-context";
import { WorkspaceNav } from "./workspace-nav";

const pathname = "/w/acme/agents/writer";
vi.mock("next/navigation", () => ({ usePathname: () => pathname }));
vi.mock("next/link", () => ({ default: ({ href, children, ...rest }: { href: string; children: unknown }) => h("a", { href, ...rest }, children as never) }));

afterEach(cleanup);
beforeEach(() => localStorage.clear());

function nav(role: Role, props: { collapsed?: boolean } = {}) {
  const permissions = new Set<string>(permissionsOf(role));
  const value = { slug: "acme", role, can: (p: string) => permissions.has(p) } as unknown as WorkspaceContextValue;
  return render(h(WorkspaceContextProvider, { value }, h(WorkspaceNav, props)));
}

describe("WorkspaceNav", () => {
  it("groups the sections by what people do, and marks the page shown (a page below a section marks it too)", () => {
    nav("owner");
    const groups = screen.getAllByRole("heading", { level: 2 }).map((g) => g.textContent);
    expect(groups).toEqual(["Build", "Run", "Observe", "Configure", "Workspace"]);
    expect(screen.getByTestId("nav-agents").getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("nav-overview").getAttribute("aria-current")).toBeNull();
    expect(screen.getByTestId("nav-teams").getAttribute("href")).toBe("/w/acme/teams");
  });

  it("shows a role only the sections it may read, and drops a group left empty", () => {
    nav("viewer");
    expect(screen.queryByTestId("nav-api-keys")).toBeNull();
    expect(screen.queryByTestId("nav-audit")).toBeNull();
    expect(screen.getByTestId("nav-members")).toBeTruthy();
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
