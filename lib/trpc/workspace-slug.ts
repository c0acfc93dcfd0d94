const WORKSPACE_PATH = /^\/w\/([^/?#]+)/;

/** The workspace segment of an app path (`/w/<slug>/...`), as it appears in the URL; null elsewhere. */
export function workspaceSlugFromPath(pathname: string | null | undefined): string | null {
  if (!pathname) return null;
  const match = WORKSPACE_PATH.exec(pathname);
  return match?.[1] ?? null;
}

const ORG_PATH = /^\/orgs\/([^/?#]+)/;

/** The organisation an organisation page looks at (/orgs/<slug>/...), sent as x-cadre-org with tRPC calls. */
export function orgSlugFromPath(pathname: string | null | undefined): string | null {
  if (!pathname) return null;
  return ORG_PATH.exec(pathname)?.[1] ?? null;
}

/** The query-key prefix for a path: one cache namespace per workspace and per organisation, one for the rest of the app. */
export function queryKeyPrefixFor(pathname: string | null | undefined): string {
  const slug = workspaceSlugFromPath(pathname);
  if (slug) return `w:${slug}`;
  const org = orgSlugFromPath(pathname);
  return org ? `o:${org}` : "app";
}
