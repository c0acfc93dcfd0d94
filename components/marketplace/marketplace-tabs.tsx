import { PlusIcon } from "lucide-react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { cn } from "@/lib/cn";

export type MarketplaceTab = "browse" | "installed" | "mine";

const TABS: { id: MarketplaceTab; label: string; path: string }[] = [
  { id: "browse", label: "Browse", path: "" },
  { id: "installed", label: "Installed", path: "/installed" },
  { id: "mine", label: "My listings", path: "/mine" },
];

/** The marketplace's header and its sections (links, so each has its address); Publish for publishers. */
export function MarketplaceHeader({ base, current, canPublish }: { base: string; current: MarketplaceTab | null; canPublish: boolean }) {
  return (
    <div className="grid gap-4">
      <PageHeader
        className="pb-0"
        title="Marketplace"
        description="Agents and teams other workspaces publish, signed by Cadre: install them with their permissions in view, bound to your own secrets."
        actions={
          canPublish ? (
            <Button asChild data-testid="marketplace-publish-open">
              <Link href={`${base}/publish`}>
                <PlusIcon aria-hidden />
                Publish
              </Link>
            </Button>
          ) : null
        }
      />
      <nav aria-label="Marketplace" className="flex gap-1 border-b">
        {TABS.map((t) => (
          <Link
            key={t.id}
            href={base + t.path}
            aria-current={current === t.id ? "page" : undefined}
            data-testid={`marketplace-tab-${t.id}`}
            className={cn(
              "-mb-px border-b-2 px-3 py-2 text-sm",
              current === t.id ? "border-primary font-medium" : "border-transparent text-muted-foreground hover:text-foreground",
            )}
          >
            {t.label}
          </Link>
        ))}
      </nav>
    </div>
  );
}

/** The address a listing is shared by: a page outside any workspace that opens it in the visitor's own. */
export function shareLink(origin: string, listing: { id: string; linkToken?: string | null }): string {
  return `${origin}/marketplace/${encodeURIComponent(listing.linkToken ?? listing.id)}`;
}
