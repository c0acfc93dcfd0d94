"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";

/** Lists the user's workspaces; choosing one opens it. */
export function WorkspaceSwitcher({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const mine = useQuery(trpc.workspaces.listMine.queryOptions());
  const workspaces = mine.data ?? [];
  const known = workspaces.some((w) => w.slug === slug);
  return (
    <div className="switcher">
      <label className="visually-hidden" htmlFor="workspace-switcher">
        Workspace
      </label>
      <select
        id="workspace-switcher"
        data-testid="workspace-switcher"
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
      <Link href="/new" className="btn btn-ghost btn-sm" data-testid="new-workspace-link">
        + New workspace
      </Link>
    </div>
  );
}
