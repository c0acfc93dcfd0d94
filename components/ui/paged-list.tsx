"use client";

import { useEffect } from "react";
import type { InfiniteData, UseInfiniteQueryResult } from "@tanstack/react-query";
import { Button } from "./button";

/** A page of a tRPC list (every list pages with a keyset cursor: server/db/cursor.ts). */
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type PagedQuery<T> = UseInfiniteQueryResult<InfiniteData<Page<T>, unknown>, unknown>;

/** `getNextPageParam` of every list's infinite query. */
export const nextPageParam = (last: { nextCursor: string | null }) => last.nextCursor ?? undefined;

export interface PagedList<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  /** the rows of the pages loaded so far */
  data: T[] | undefined;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => void;
}

/** The pages loaded so far as one list (show a LoadMore button below it). */
export function usePagedList<T>(query: PagedQuery<T>): PagedList<T> {
  return {
    isPending: query.isPending,
    isError: query.isError,
    error: query.error,
    data: query.data?.pages.flatMap((p) => p.items),
    hasNextPage: query.hasNextPage,
    isFetchingNextPage: query.isFetchingNextPage,
    fetchNextPage: () => void query.fetchNextPage(),
  };
}

/**
 * Every row of a list, page after page (for pickers and lookups that need the whole set, such as the agents a team
 * editor offers): `data` stays undefined (pending) until the last page has arrived, so nothing shows a partial set.
 */
export function useAllPages<T>(query: PagedQuery<T>): { isPending: boolean; isError: boolean; error: unknown; data: T[] | undefined } {
  const { hasNextPage, isFetchingNextPage, isError, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isError, fetchNextPage]);
  const complete = query.data !== undefined && !hasNextPage;
  return {
    isPending: query.isPending || (!complete && !isError),
    isError,
    error: query.error,
    data: complete ? query.data!.pages.flatMap((p) => p.items) : undefined,
  };
}

/** "Load more" under a paged list, while it has more pages. */
export function LoadMore({ list, testId }: { list: Pick<PagedList<unknown>, "hasNextPage" | "isFetchingNextPage" | "fetchNextPage">; testId: string }) {
  if (!list.hasNextPage) return null;
  return (
    <div className="mt-4 flex justify-center">
      <Button variant="outline" data-testid={testId} disabled={list.isFetchingNextPage} onClick={() => list.fetchNextPage()}>
        {list.isFetchingNextPage ? "Loading…" : "Load more"}
      </Button>
    </div>
  );
}
