import { DownloadIcon, PackageIcon } from "lucide-react";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import type { ListingSummary } from "@/lib/schemas/marketplace";
import { CATEGORY_LABELS, plural } from "./format";
import { RatingStars } from "./rating-stars";

/** The emoji a listing chose, or a package icon. */
export function ListingIcon({ icon, className = "text-2xl" }: { icon: string; className?: string }) {
  return icon ? (
    <span className={className} aria-hidden>
      {icon}
    </span>
  ) : (
    <PackageIcon className="size-6 text-muted-foreground" aria-hidden />
  );
}

/** A listing in the browse grid: icon, name, summary, publisher, installs, rating, kind; its tags filter the list. */
export function ListingCard({ listing, href, onTag }: { listing: ListingSummary; href: string; onTag?: (tag: string) => void }) {
  return (
    <article className="flex flex-col gap-3 rounded-xl border bg-card p-4 shadow-xs" data-testid="listing-card" data-listing-id={listing.id}>
      <div className="flex items-start gap-3">
        <ListingIcon icon={listing.icon} />
        <div className="grid min-w-0 gap-0.5">
          <Link href={href} className="truncate font-semibold hover:underline" data-testid="listing-link">
            {listing.name}
          </Link>
          <span className="text-xs text-muted-foreground" data-testid="listing-publisher">
            by {listing.publisherName}
          </span>
        </div>
        <Badge tone="neutral" className="ml-auto" testId="listing-kind">
          {listing.kind}
        </Badge>
      </div>
      <p className="line-clamp-2 text-sm text-muted-foreground">{listing.summary}</p>
      <div className="mt-auto flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground">
        <span className="inline-flex items-center gap-1" data-testid="listing-installs">
          <DownloadIcon className="size-3.5" aria-hidden />
          {plural(listing.installCount, "install")}
        </span>
        <RatingStars average={listing.ratingAverage} count={listing.ratingCount} />
        <span>{CATEGORY_LABELS[listing.category]}</span>
        {listing.mine ? <Badge tone="info">yours</Badge> : null}
      </div>
      {listing.tags.length > 0 ? (
        <div className="flex flex-wrap gap-1">
          {listing.tags.map((tag) =>
            onTag ? (
              <button
                key={tag}
                type="button"
                className="rounded-full border px-2 py-0.5 text-xs hover:bg-accent"
                onClick={() => onTag(tag)}
                data-testid="listing-tag"
              >
                #{tag}
              </button>
            ) : (
              <span key={tag} className="rounded-full border px-2 py-0.5 text-xs" data-testid="listing-tag">
                #{tag}
              </span>
            ),
          )}
        </div>
      ) : null}
    </article>
  );
}
