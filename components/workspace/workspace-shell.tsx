"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { MenuIcon, PanelLeftCloseIcon, PanelLeftOpenIcon, SearchIcon } from "lucide-react";
import type { Permission } from "@/lib/permissions";
import { cn } from "@/lib/cn";
import { useTRPC } from "@/lib/trpc/react";
import { appErrorCode, errorCode, errorMessage } from "@/lib/trpc/errors";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { RoleBadge } from "@/components/ui/badge";
import { Button, buttonVariants } from "@/components/ui/button";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { Sheet, SheetContent, SheetDescription, SheetTitle, SheetTrigger } from "@/components/ui/sheet";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { BudgetAlert } from "@/components/budgets/budget-alert";
import { useSidebarCollapsed } from "@/components/shell/use-sidebar-collapsed";
import { WorkspaceContextProvider, type ShellUser, type WorkspaceContextValue } from "./workspace-context";
import { WorkspaceNav } from "./workspace-nav";
import { WorkspaceSwitcher } from "./workspace-switcher";

const CommandPalette = lazy(() => import("@/components/shell/command-palette"));

/** Ctrl/Cmd-K opens the palette; it is loaded the first time it is wanted. */
function usePalette(): [boolean, boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(false);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setLoaded(true);
        setOpen((o) => !o);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const set = (o: boolean) => {
    if (o) setLoaded(true);
    setOpen(o);
  };
  return [open, loaded, set];
}

function SearchButton({ collapsed, onOpen }: { collapsed: boolean; onOpen: () => void }) {
  return (
    <Button
      variant="outline"
      size={collapsed ? "icon" : "sm"}
      className={cn("w-full justify-start gap-2 text-muted-foreground", collapsed && "w-auto justify-center")}
      onClick={onOpen}
      aria-label={collapsed ? "Search (Ctrl+K)" : undefined}
      aria-keyshortcuts="Control+K Meta+K"
      data-testid="command-palette-open"
    >
      <SearchIcon aria-hidden="true" />
      {collapsed ? null : (
        <>
          <span className="flex-1 text-left">Search…</span>
          <kbd className="rounded border px-1 text-xs">Ctrl K</kbd>
        </>
      )}
    </Button>
  );
}

function Brand({ collapsed }: { collapsed?: boolean }) {
  return (
    <Link href="/" className="flex items-center gap-2 font-semibold text-sidebar-foreground no-underline">
      <span className="grid size-7 place-items-center rounded-md bg-sidebar-primary text-sm text-sidebar-primary-foreground" aria-hidden="true">
        C
      </span>
      <span className={cn(collapsed && "sr-only")}>Cadre</span>
    </Link>
  );
}

/** What the sidebar holds, on the desktop's rail and in the phone's drawer alike. */
function SidebarBody({
  slug,
  user,
  value,
  collapsed,
  onNavigate,
  onSearch,
}: {
  slug: string;
  user: ShellUser;
  value: WorkspaceContextValue | null;
  collapsed: boolean;
  onNavigate?: () => void;
  onSearch: () => void;
}) {
  return (
    <>
      <div className={cn("grid gap-2 px-3 pt-3", collapsed && "justify-center px-2")}>
        {collapsed ? null : <WorkspaceSwitcher slug={slug} />}
        {value ? <SearchButton collapsed={collapsed} onOpen={onSearch} /> : null}
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto py-3">
        {value ? (
          <WorkspaceContextProvider value={value}>
            <WorkspaceNav collapsed={collapsed} onNavigate={onNavigate} />
          </WorkspaceContextProvider>
        ) : null}
      </div>
      <div className={cn("flex flex-col gap-2 border-t border-sidebar-border p-3 text-sm", collapsed && "items-center p-2")}>
        {collapsed ? null : (
          <div className="flex min-w-0 items-center gap-2">
            <Link
              href="/account"
              className="min-w-0 flex-1 truncate text-sidebar-foreground"
              data-testid="user-email"
              title={user.name ? `${user.name}: account settings` : "Account settings"}
            >
              {user.email}
            </Link>
            {value ? <RoleBadge role={value.role} testId="current-role" /> : null}
          </div>
        )}
        <div className={cn("flex flex-wrap items-center gap-1", collapsed && "flex-col")}>
          {collapsed ? null : (
            <Link href="/account/activity" className={buttonVariants({ variant: "ghost", size: "sm" })} data-testid="account-activity">
              Sign-in activity
            </Link>
          )}
          {collapsed ? null : (
            <Link href="/orgs" className={buttonVariants({ variant: "ghost", size: "sm" })} data-testid="nav-organisations">
              Organisations
            </Link>
          )}
          <ThemeToggle />
          {collapsed ? null : <SignOutButton />}
        </div>
      </div>
    </>
  );
}

/** The page body when the workspace could not be loaded: a centred message. */
const NOT_LOADED = "mx-auto my-16 flex max-w-[480px] flex-col items-center gap-3 text-center";

export function WorkspaceShell({ slug, user, children }: { slug: string; user: ShellUser; children: ReactNode }) {
  const trpc = useTRPC();
  const current = useQuery(trpc.workspaces.current.queryOptions());
  const [collapsed, toggleCollapsed] = useSidebarCollapsed();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [paletteOpen, paletteLoaded, setPaletteOpen] = usePalette();
  const pathname = usePathname();
  // the phone's drawer closes when a link in it navigated
  // biome-ignore lint/correctness/useExhaustiveDependencies: pathname is the trigger
  useEffect(() => setDrawerOpen(false), [pathname]);

  const value = useMemo<WorkspaceContextValue | null>(() => {
    if (!current.data) return null;
    const permissions = new Set<Permission>(current.data.permissions);
    return { slug, workspace: current.data, role: current.data.role, user, can: (p) => permissions.has(p) };
  }, [current.data, slug, user]);

  let body: ReactNode;
  if (value) {
    body = (
      <WorkspaceContextProvider value={value}>
        {value.can("budgets:read") ? <BudgetAlert /> : null}
        {children}
        {paletteLoaded ? (
          <Suspense fallback={null}>
            <CommandPalette open={paletteOpen} onOpenChange={setPaletteOpen} />
          </Suspense>
        ) : null}
      </WorkspaceContextProvider>
    );
  } else if (current.isError && errorCode(current.error) === "NOT_FOUND") {
    body = (
      <div className={NOT_LOADED} data-testid="workspace-not-found">
        <h1 className="text-2xl font-semibold tracking-tight">Workspace not found</h1>
        <p className="text-muted-foreground">
          There is no workspace <code>{slug}</code>, or you are not a member of it.
        </p>
        <Link href="/" className={buttonVariants()}>
          Go to your workspaces
        </Link>
      </div>
    );
  } else if (current.isError && appErrorCode(current.error) === "MFA_ENROLMENT_REQUIRED") {
    body = (
      <div className={NOT_LOADED} data-testid="workspace-mfa-required">
        <h1 className="text-2xl font-semibold tracking-tight">A second factor is required</h1>
        <p className="text-muted-foreground">{errorMessage(current.error)}</p>
        <Link href="/account" className={buttonVariants()}>
          Set up a second factor
        </Link>
      </div>
    );
  } else if (current.isError) {
    body = (
      <div className={NOT_LOADED}>
        <FormError message={errorMessage(current.error)} />
        <Button variant="outline" onClick={() => void current.refetch()}>
          Try again
        </Button>
      </div>
    );
  } else {
    body = <Loading />;
  }

  return (
    <div className="flex min-h-screen bg-background text-foreground">
      <a href="#main" className="sr-only z-50 rounded-md bg-primary px-3 py-2 text-primary-foreground focus:not-sr-only focus:fixed focus:top-2 focus:left-2">
        Skip to content
      </a>
      <aside
        className={cn(
          "sticky top-0 hidden h-screen shrink-0 flex-col border-r border-sidebar-border bg-sidebar text-sidebar-foreground transition-[width] md:flex",
          collapsed ? "w-14" : "w-60",
        )}
        data-testid="sidebar"
        data-collapsed={collapsed ? "true" : "false"}
      >
        <div className={cn("flex h-12 items-center justify-between px-3", collapsed && "justify-center px-2")}>
          {collapsed ? null : <Brand />}
          <Button
            variant="ghost"
            size="icon"
            onClick={toggleCollapsed}
            aria-label={collapsed ? "Expand the sidebar (Ctrl+B)" : "Collapse the sidebar (Ctrl+B)"}
            data-testid="sidebar-toggle"
          >
            {collapsed ? <PanelLeftOpenIcon aria-hidden="true" /> : <PanelLeftCloseIcon aria-hidden="true" />}
          </Button>
        </div>
        <SidebarBody slug={slug} user={user} value={value} collapsed={collapsed} onSearch={() => setPaletteOpen(true)} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-30 flex h-12 items-center gap-2 border-b border-border bg-background px-3 md:hidden">
          <Sheet open={drawerOpen} onOpenChange={setDrawerOpen}>
            <SheetTrigger asChild>
              <Button variant="ghost" size="icon" aria-label="Open the menu" data-testid="sidebar-open">
                <MenuIcon aria-hidden="true" />
              </Button>
            </SheetTrigger>
            <SheetContent side="left" className="flex w-72 flex-col gap-0 bg-sidebar p-0 text-sidebar-foreground">
              <SheetTitle className="sr-only">Menu</SheetTitle>
              <SheetDescription className="sr-only">The workspace's sections and your account</SheetDescription>
              <div className="flex h-12 items-center px-3">
                <Brand />
              </div>
              <SidebarBody
                slug={slug}
                user={user}
                value={value}
                collapsed={false}
                onNavigate={() => setDrawerOpen(false)}
                onSearch={() => {
                  setDrawerOpen(false);
                  setPaletteOpen(true);
                }}
              />
            </SheetContent>
          </Sheet>
          <Brand />
        </header>
        <main id="main" className="mx-auto w-full max-w-[1200px] min-w-0 flex-1 px-4 pt-5 pb-12 sm:px-6 sm:pt-8 sm:pb-16" tabIndex={-1}>
          {body}
        </main>
      </div>
    </div>
  );
}
