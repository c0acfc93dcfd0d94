"use client";

import Link from "next/link";
import { useMemo, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Permission } from "@/lib/permissions";
import { useTRPC } from "@/lib/trpc/react";
import { errorCode, errorMessage } from "@/lib/trpc/errors";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { RoleBadge } from "@/components/ui/badge";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { BudgetAlert } from "@/components/budgets/budget-alert";
import { WorkspaceContextProvider, type ShellUser, type WorkspaceContextValue } from "./workspace-context";
import { WorkspaceNav } from "./workspace-nav";
import { WorkspaceSwitcher } from "./workspace-switcher";

export function WorkspaceShell({ slug, user, children }: { slug: string; user: ShellUser; children: ReactNode }) {
  const trpc = useTRPC();
  const current = useQuery(trpc.workspaces.current.queryOptions());

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
      </WorkspaceContextProvider>
    );
  } else if (current.isError && errorCode(current.error) === "NOT_FOUND") {
    body = (
      <div className="empty-state" data-testid="workspace-not-found">
        <h1>Workspace not found</h1>
        <p className="muted">
          There is no workspace <code>{slug}</code>, or you are not a member of it.
        </p>
        <Link href="/" className="btn btn-primary">
          Go to your workspaces
        </Link>
      </div>
    );
  } else if (current.isError) {
    body = (
      <div className="empty-state">
        <FormError message={errorMessage(current.error)} />
        <button type="button" className="btn btn-secondary" onClick={() => void current.refetch()}>
          Try again
        </button>
      </div>
    );
  } else {
    body = <Loading />;
  }

  return (
    <div className="app">
      <header className="app-header">
        <div className="app-header-inner">
          <Link href="/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              C
            </span>
            Cadre
          </Link>
          <WorkspaceSwitcher slug={slug} />
          <div className="header-spacer" />
          <div className="header-user">
            {value ? <RoleBadge role={value.role} testId="current-role" /> : null}
            <Link href="/account" className="header-email" data-testid="user-email" title={user.name ? `${user.name}: account settings` : "Account settings"}>
              {user.email}
            </Link>
            <Link href="/account/activity" className="btn btn-ghost btn-sm" data-testid="account-activity">
              Sign-in activity
            </Link>
            <SignOutButton />
          </div>
        </div>
        {value ? (
          <div className="app-header-inner nav-row">
            <WorkspaceContextProvider value={value}>
              <WorkspaceNav />
            </WorkspaceContextProvider>
          </div>
        ) : null}
      </header>
      <main className="app-main">{body}</main>
    </div>
  );
}
