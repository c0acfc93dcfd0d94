"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/cn";

const SECTIONS = [
  { href: "", label: "Policy" },
  { href: "/domains", label: "Domains" },
  { href: "/workspaces", label: "Workspaces" },
  { href: "/people", label: "People" },
  { href: "/groups", label: "Groups" },
  { href: "/sso", label: "Single sign-on" },
  { href: "/scim", label: "Provisioning" },
  { href: "/audit", label: "Audit" },
] as const;

/** The organisation settings' sections (/orgs/<slug>/settings/...). */
export function OrgNav({ slug }: { slug: string }) {
  const pathname = usePathname();
  const base = `/orgs/${slug}/settings`;
  return (
    <nav aria-label="Organisation settings" className="flex flex-wrap gap-1 border-b pb-2" data-testid="org-nav">
      {SECTIONS.map((s) => {
        const href = `${base}${s.href}`;
        const active = pathname === href;
        return (
          <Link
            key={s.href}
            href={href}
            aria-current={active ? "page" : undefined}
            className={cn("rounded-md px-3 py-1.5 text-sm", active ? "bg-muted font-medium" : "text-muted-foreground hover:text-foreground")}
          >
            {s.label}
          </Link>
        );
      })}
    </nav>
  );
}
