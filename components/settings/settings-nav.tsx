"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/cn";
import { useWorkspace } from "@/components/workspace/workspace-context";

/** The settings pages (under /w/<slug>/settings): each one is a link, the page shown marked as current. */
export const SETTINGS_PAGES = [
  { id: "general", label: "General", path: "/settings" },
  { id: "pii", label: "PII & secrets", path: "/settings/pii" },
] as const;

export function SettingsNav() {
  const { slug } = useWorkspace();
  const pathname = usePathname();
  return (
    <nav aria-label="Settings" className="flex flex-wrap gap-1 border-b">
      {SETTINGS_PAGES.map((p) => {
        const href = `/w/${slug}${p.path}`;
        const current = pathname === href;
        return (
          <Link
            key={p.id}
            href={href}
            data-testid={`settings-nav-${p.id}`}
            aria-current={current ? "page" : undefined}
            className={cn(
              "-mb-px border-b-2 border-transparent px-3 py-2 text-sm text-muted-foreground no-underline hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
              current && "border-primary font-medium text-foreground",
            )}
          >
            {p.label}
          </Link>
        );
      })}
    </nav>
  );
}
