"use client";

import { PackageIcon } from "lucide-react";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { EmptyState } from "@/components/ui/empty-state";
import type { ListingInstallOut } from "@/lib/schemas/marketplace";
import { formatIsoDate, plural } from "./format";

/** The listings installed in this workspace: version, "update available", uninstall. */
export function InstalledList({
  installs,
  canManage,
  rootHref,
  listingHref,
  onReviewUpdate,
  onUninstall,
}: {
  installs: ListingInstallOut[];
  canManage: boolean;
  rootHref: (install: ListingInstallOut) => string;
  listingHref: (install: ListingInstallOut) => string;
  onReviewUpdate: (install: ListingInstallOut) => void;
  onUninstall: (install: ListingInstallOut) => Promise<unknown>;
}) {
  const confirm = useConfirm();
  if (installs.length === 0)
    return <EmptyState icon={PackageIcon} testId="installed-empty" title="Nothing installed yet" text="Install agents and teams other workspaces publish." />;
  return (
    <ul className="grid gap-3" data-testid="installed">
      {installs.map((i) => (
        <li key={i.id} className="flex flex-wrap items-center gap-4 rounded-lg border p-4" data-testid="installed-item" data-install-id={i.id}>
          <div className="grid min-w-48 flex-1 gap-1">
            <div className="flex flex-wrap items-center gap-2">
              <Link href={listingHref(i)} className="font-semibold hover:underline">
                {i.listingName}
              </Link>
              <span className="text-xs text-muted-foreground" data-testid="installed-version">
                v{i.version}
              </span>
              {i.updateAvailable ? (
                <Badge tone="info" testId="installed-update-available">
                  v{i.latestVersion} available
                </Badge>
              ) : null}
              {i.listingStatus === "active" ? null : <Badge tone="warning">listing {i.listingStatus}</Badge>}
            </div>
            <p className="text-xs text-muted-foreground">
              <Link href={rootHref(i)} className="underline underline-offset-2" data-testid="installed-root">
                {i.root.kind} {i.root.slug}
              </Link>{" "}
              · {plural(i.agents.length, "agent")}
              {i.teams.length > 0 ? ` · ${plural(i.teams.length, "team")}` : ""}
              {i.tools.length > 0 ? ` · ${plural(i.tools.length, "tool")}` : ""} · installed {formatIsoDate(i.installedAt)}
            </p>
          </div>
          {canManage ? (
            <div className="flex flex-wrap items-center gap-2">
              {i.updateAvailable ? (
                <Button size="sm" onClick={() => onReviewUpdate(i)} data-testid="installed-review-update">
                  Review update
                </Button>
              ) : null}
              <Button
                size="sm"
                variant="ghost"
                className="text-destructive hover:bg-destructive/10 hover:text-destructive"
                data-testid="installed-uninstall"
                onClick={async () => {
                  const ok = await confirm({
                    title: `Uninstall ${i.listingName}?`,
                    description: `The installed ${plural(i.agents.length, "agent")}${i.teams.length > 0 ? ` and ${plural(i.teams.length, "team")}` : ""} and their tools are removed from this workspace; their past runs stay.`,
                    confirmLabel: "Uninstall",
                    destructive: true,
                  });
                  if (ok) await onUninstall(i);
                }}
              >
                Uninstall
              </Button>
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
