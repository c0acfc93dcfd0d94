import type { Metadata } from "next";

/**
 * The browser tab's title of a workspace's pages: "Agents · acme · Cadre". Server-side it names the workspace by
 * its slug (already in the URL, so no lookup and no second copy of the access checks); a detail page then names the
 * thing shown client-side once it loaded (useDocumentTitle).
 */
export function workspaceTitleMetadata(slug: string): Metadata {
  return { title: { default: slug, template: `%s · ${slug} · Cadre` } };
}

/** "Writer · Agents · Acme · Cadre", skipping parts not loaded yet; null while nothing is. */
export function documentTitle(parts: (string | null | undefined)[]): string | null {
  const title = parts.filter(Boolean).join(" · ");
  return title ? `${title} · Cadre` : null;
}
