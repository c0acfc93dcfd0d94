/**
 * `next/navigation` in the tests (vitest.config.ts points the import here): the hooks that need a mounted App Router
 * (useRouter, usePathname, useSearchParams, useParams) answer from `testNavigation`, which a test sets and which
 * every test file starts with fresh (test/setup-env.ts); everything else is Next's own. A module mock per file did
 * this before, and a file with a module mock must import the whole app again (the `isolated` project): 4-5 s each.
 */
import { vi } from "vitest";
import next from "next/dist/client/components/navigation.js";

export const { redirect, permanentRedirect, notFound, forbidden, unauthorized, RedirectType, ReadonlyURLSearchParams, unstable_rethrow } = next;

function freshRouter() {
  return { push: vi.fn(), replace: vi.fn(), refresh: vi.fn(), back: vi.fn(), forward: vi.fn(), prefetch: vi.fn() };
}

/** What the hooks answer: the router's methods are spies (e.g. `expect(testNavigation.router.push).toHaveBeenCalledWith(...)`). */
export const testNavigation = {
  pathname: "/",
  searchParams: new URLSearchParams(),
  params: {} as Record<string, string | string[]>,
  router: freshRouter(),
  /** useSearchParams reads the page's own URL (window.location), as the App Router does after the page rewrote it */
  followLocation: false,
};

/** Back to the defaults (pathname `/`, no search parameters or params, new router spies, not following the location), then `over`. */
export function resetTestNavigation(over: Partial<Pick<typeof testNavigation, "pathname" | "searchParams" | "params" | "followLocation">> = {}): void {
  Object.assign(testNavigation, { pathname: "/", searchParams: new URLSearchParams(), params: {}, router: freshRouter(), followLocation: false }, over);
}

export const useRouter = () => testNavigation.router;
export const usePathname = () => testNavigation.pathname;
export const useSearchParams = () => (testNavigation.followLocation ? new URLSearchParams(window.location.search) : testNavigation.searchParams);
export const useParams = () => testNavigation.params;
export const useSelectedLayoutSegment = () => null;
export const useSelectedLayoutSegments = () => [];
