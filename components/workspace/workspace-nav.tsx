"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { Permission } from "@/lib/permissions";
import { useWorkspace } from "./workspace-context";

interface NavItem {
  id: string;
  label: string;
  path: string;
  requires: Permission;
}

const ITEMS: NavItem[] = [
  { id: "overview", label: "Overview", path: "", requires: "settings:read" },
  { id: "agents", label: "Agents", path: "/agents", requires: "agents:read" },
  { id: "teams", label: "Teams", path: "/teams", requires: "teams:read" },
  { id: "runs", label: "Runs", path: "/runs", requires: "runs:read" },
  { id: "members", label: "Members", path: "/members", requires: "members:read" },
  { id: "api-keys", label: "API keys", path: "/api-keys", requires: "api_keys:read" },
  { id: "providers", label: "Providers", path: "/providers", requires: "models:read" },
  { id: "models", label: "Models", path: "/models", requires: "models:read" },
  { id: "routing", label: "Routing", path: "/routing", requires: "models:read" },
  { id: "vault", label: "Vault", path: "/vault", requires: "secrets:read" },
  { id: "usage", label: "Usage", path: "/usage", requires: "usage:read" },
  { id: "budgets", label: "Budgets", path: "/budgets", requires: "budgets:read" },
  { id: "audit", label: "Audit log", path: "/audit", requires: "audit:read" },
  { id: "settings", label: "Settings", path: "/settings", requires: "settings:read" },
];

/** The sections of a workspace; a section the role cannot read is not shown at all. */
export function WorkspaceNav() {
  const { slug, can } = useWorkspace();
  const pathname = usePathname();
  const base = `/w/${slug}`;
  return (
    <nav className="workspace-nav" aria-label="Workspace">
      {ITEMS.filter((item) => can(item.requires)).map((item) => {
        const href = base + item.path;
        const active = item.path === "" ? pathname === base : pathname === href || pathname.startsWith(`${href}/`);
        return (
          <Link key={item.id} href={href} data-testid={`nav-${item.id}`} className={active ? "active" : undefined} aria-current={active ? "page" : undefined}>
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
