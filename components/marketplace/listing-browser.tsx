"use client";

import { SearchIcon, StoreIcon, XIcon } from "lucide-react";
import { type FormEvent, useState } from "react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-error";
import { Input } from "@/components/ui/input";
import { Loading } from "@/components/ui/loading";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { LoadMore, type PagedList } from "@/components/ui/paged-list";
import { LISTING_CATEGORIES, LISTING_SORTS, MAX_LISTING_TAGS, type ListingCategory, type ListingSummary } from "@/lib/schemas/marketplace";
import { errorMessage } from "@/lib/trpc/errors";
import { CATEGORY_LABELS, SORT_LABELS } from "./format";
import { ListingCard } from "./listing-card";

export interface ListingFilters {
  q: string;
  category: ListingCategory | "";
  tags: string[];
  sort: (typeof LISTING_SORTS)[number];
}

export const NO_FILTERS: ListingFilters = { q: "", category: "", tags: [], sort: "installs" };
/** search allows up to 5 tags */
const MAX_FILTER_TAGS = Math.min(5, MAX_LISTING_TAGS);

/** The search input of the filters (searchListingsInputSchema without the empty values). */
export function searchInputOf(f: ListingFilters) {
  return {
    ...(f.q.trim() ? { q: f.q.trim() } : {}),
    ...(f.category ? { category: f.category } : {}),
    ...(f.tags.length > 0 ? { tags: f.tags } : {}),
    sort: f.sort,
  };
}

const normalTag = (t: string) => t.trim().toLowerCase().replace(/^#/, "");

/** Browse: a search box, category, tag chips and sort above the cards, "Load more" below. */
export function ListingBrowser({
  filters,
  onFiltersChange,
  list,
  hrefFor,
}: {
  filters: ListingFilters;
  onFiltersChange: (next: ListingFilters) => void;
  list: PagedList<ListingSummary>;
  hrefFor: (listing: ListingSummary) => string;
}) {
  const [q, setQ] = useState(filters.q);
  const [tag, setTag] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onFiltersChange({ ...filters, q, tags: tag.trim() ? tagsWith(filters.tags, tag) : filters.tags });
    setTag("");
  };
  return (
    <div className="grid gap-4">
      <form className="flex flex-wrap items-end gap-2" aria-label="Search the marketplace" onSubmit={submit} data-testid="marketplace-search">
        <div className="relative min-w-60 flex-1">
          <SearchIcon className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-muted-foreground" aria-hidden />
          <Input
            className="pl-8"
            type="search"
            aria-label="Search listings"
            placeholder="Search agents and teams"
            value={q}
            maxLength={200}
            onChange={(e) => setQ(e.target.value)}
            data-testid="marketplace-q"
          />
        </div>
        <select
          className={`${SELECT_CLASS} w-44`}
          aria-label="Category"
          value={filters.category}
          onChange={(e) => onFiltersChange({ ...filters, q, category: e.target.value as ListingCategory | "" })}
          data-testid="marketplace-category"
        >
          <option value="">All categories</option>
          {LISTING_CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {CATEGORY_LABELS[c]}
            </option>
          ))}
        </select>
        <Input
          className="w-36"
          aria-label="Add a tag"
          placeholder="#tag"
          value={tag}
          maxLength={33}
          onChange={(e) => setTag(e.target.value)}
          data-testid="marketplace-tag-input"
        />
        <select
          className={`${SELECT_CLASS} w-44`}
          aria-label="Sort"
          value={filters.sort}
          onChange={(e) => onFiltersChange({ ...filters, q, sort: e.target.value as ListingFilters["sort"] })}
          data-testid="marketplace-sort"
        >
          {LISTING_SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_LABELS[s]}
            </option>
          ))}
        </select>
        <Button type="submit" data-testid="marketplace-search-submit">
          Search
        </Button>
      </form>
      {filters.tags.length > 0 ? (
        <ul className="flex flex-wrap gap-1" aria-label="Tags">
          {filters.tags.map((t) => (
            <li key={t}>
              <button
                type="button"
                className="inline-flex items-center gap-1 rounded-full border bg-accent px-2 py-0.5 text-xs"
                onClick={() => onFiltersChange({ ...filters, q, tags: filters.tags.filter((x) => x !== t) })}
                aria-label={`Remove the tag ${t}`}
                data-testid="marketplace-tag-chip"
              >
                #{t}
                <XIcon className="size-3" aria-hidden />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <FormError message={errorMessage(list.error)} />
      ) : (list.data ?? []).length === 0 ? (
        <EmptyState icon={StoreIcon} testId="marketplace-empty" title="No listing found" text="Try other words, another category or fewer tags." />
      ) : (
        <>
          <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3" data-testid="listing-grid">
            {(list.data ?? []).map((l) => (
              <ListingCard key={l.id} listing={l} href={hrefFor(l)} onTag={(t) => onFiltersChange({ ...filters, q, tags: tagsWith(filters.tags, t) })} />
            ))}
          </div>
          <LoadMore list={list} testId="marketplace-more" />
        </>
      )}
    </div>
  );
}

function tagsWith(tags: string[], raw: string): string[] {
  const t = normalTag(raw);
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(t) || tags.includes(t) || tags.length >= MAX_FILTER_TAGS) return tags;
  return [...tags, t];
}
