const WORKSPACE_PATH = /^\/w\/([^/?#]+)/;

/** The workspace segment of an app path (`/w/<slug>/...`), as it appears in the URL; null elsewhere. */
export function workspaceSlugFromPath(pathname: string | null | undefined): string | null {
  if (!pathname) return null;
  const match = WORKSPACE_PATH.exec(pathname);
  return match?.[1] ?? null;
}

/** The query-key prefix for a path: one cache namespace per workspace, one for the rest of the app. */
export function queryKeyPrefixFor(pathname: string | null | undefined): string {
  const slug = workspaceSlugFromPath(pathname);
  return slug ? `w:${slug}` : "app";
}
