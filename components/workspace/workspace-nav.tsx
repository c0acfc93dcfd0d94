"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/cn";
import { isActive, visibleGroups } from "@/components/shell/nav-items";
import { PendingApprovalsCount } from "@/components/approvals/pending-count";
import { useWorkspace } from "./workspace-context";

/**
 * The sections of a workspace, grouped (Build, Run, Observe, Configure, Workspace); a section the role cannot read is
 * not shown at all. Collapsed: icons only, each with its name as a tooltip and for screen readers.
 */
export function WorkspaceNav({ collapsed = false, onNavigate }: { collapsed?: boolean; onNavigate?: () => void }) {
  const { slug, can } = useWorkspace();
  const pathname = usePathname();
  const base = `/w/${slug}`;
  return (
    <nav className="flex flex-col gap-4 px-2" aria-label="Workspace">
      {visibleGroups(can).map((group) => (
        <div key={group.label ?? "home"} className="flex flex-col gap-0.5">
          {group.label ? <h2 className={cn("px-2 pb-1 text-xs font-medium text-sidebar-foreground/70", collapsed && "sr-only")}>{group.label}</h2> : null}
          {group.items.map((item) => {
            const active = isActive(item, base, pathname);
            const Icon = item.icon;
            return (
              <Link
                key={item.id}
                href={base + item.path}
                data-testid={`nav-${item.id}`}
                aria-current={active ? "page" : undefined}
                title={collapsed ? item.label : undefined}
                onClick={onNavigate}
                className={cn(
                  "flex h-8 items-center gap-2 rounded-md px-2 text-sm text-sidebar-foreground no-underline outline-none hover:bg-sidebar-accent hover:text-sidebar-accent-foreground focus-visible:ring-2 focus-visible:ring-sidebar-ring",
                  active && "bg-sidebar-accent font-medium text-sidebar-accent-foreground",
                  collapsed && "justify-center px-0",
                  item.count && "relative",
                )}
              >
                <Icon className="size-4 shrink-0" aria-hidden="true" />
                <span className={cn("truncate", collapsed && "sr-only")}>{item.label}</span>
                {item.count === "pendingApprovals" ? <PendingApprovalsCount collapsed={collapsed} /> : null}
              </Link>
            );
          })}
        </div>
      ))}
    </nav>
  );
}
