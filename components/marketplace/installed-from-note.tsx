"use client";

import { useQuery } from "@tanstack/react-query";
import { PackageIcon } from "lucide-react";
import Link from "next/link";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { useTRPC } from "@/lib/trpc/react";

/** "Installed from <listing> v<N>" on an agent's or team's page when a marketplace install created it; else nothing. */
export function InstalledFromNote({ kind, id }: { kind: "agent" | "team"; id: string }) {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const installs = useQuery({ ...trpc.marketplaceInstalls.list.queryOptions(), enabled: can("marketplace:read"), staleTime: 60_000 });
  const install = installs.data?.find((i) => (kind === "agent" ? i.agents : i.teams).some((r) => r.id === id));
  if (!install) return null;
  return (
    <p className="flex items-center gap-1.5 text-sm text-muted-foreground" data-testid="installed-from">
      <PackageIcon className="size-4" aria-hidden />
      Installed from{" "}
      <Link href={`/w/${slug}/marketplace/${install.listingId}`} className="underline underline-offset-2">
        {install.listingName}
      </Link>{" "}
      v{install.version}
      {install.updateAvailable ? (
        <>
          {" "}
          <Link href={`/w/${slug}/marketplace/installed`} className="underline underline-offset-2">
            (v{install.latestVersion} available)
          </Link>
        </>
      ) : null}
    </p>
  );
}
