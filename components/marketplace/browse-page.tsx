"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { NoAccess } from "@/components/ui/loading";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { useTRPC } from "@/lib/trpc/react";
import { ListingBrowser, type ListingFilters, NO_FILTERS, searchInputOf } from "./listing-browser";
import { MarketplaceHeader } from "./marketplace-tabs";

/** The marketplace's browse page: search, filter and sort the listings this workspace may see. */
export function MarketplaceBrowsePage() {
  const { slug, can } = useWorkspace();
  const base = `/w/${slug}/marketplace`;
  return (
    <div className="grid gap-6">
      <MarketplaceHeader base={base} current="browse" canPublish={can("marketplace:publish")} />
      {can("marketplace:read") ? <Browse base={base} /> : <NoAccess>Your role cannot browse the marketplace.</NoAccess>}
    </div>
  );
}

function Browse({ base }: { base: string }) {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<ListingFilters>(NO_FILTERS);
  const list = usePagedList(useInfiniteQuery(trpc.marketplace.search.infiniteQueryOptions(searchInputOf(filters), { getNextPageParam: nextPageParam })));
  return <ListingBrowser filters={filters} onFiltersChange={setFilters} list={list} hrefFor={(l) => `${base}/${l.id}`} />;
}
