"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { PlusIcon } from "lucide-react";
import { useTRPC } from "@/lib/trpc/react";

/** Lists the user's workspaces; choosing one opens it. */
export function WorkspaceSwitcher({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const mine = useQuery(trpc.workspaces.listMine.queryOptions());
  const workspaces = mine.data ?? [];
  const known = workspaces.some((w) => w.slug === slug);
  return (
    <div className="flex flex-col gap-1">
      <label className="text-xs font-medium text-sidebar-foreground/70" htmlFor="workspace-switcher">
        Workspace
      </label>
      <select
        id="workspace-switcher"
        data-testid="workspace-switcher"
        className="h-8 w-full rounded-md border border-sidebar-border bg-background px-2 text-sm text-foreground focus-visible:ring-2 focus-visible:ring-sidebar-ring focus-visible:outline-none"
        value={slug}
        onChange={(e) => {
          if (e.target.value !== slug) router.push(`/w/${e.target.value}`);
        }}
      >
        {!known ? <option value={slug}>{mine.isPending ? slug : `${slug} (unavailable)`}</option> : null}
        {workspaces.map((w) => (
          <option key={w.id} value={w.slug}>
            {w.name}
          </option>
        ))}
      </select>
      <Link href="/new" className="flex items-center gap-1 text-xs text-sidebar-foreground/80" data-testid="new-workspace-link">
        <PlusIcon className="size-3" aria-hidden="true" /> New workspace
      </Link>
    </div>
  );
}
