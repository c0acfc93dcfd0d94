import Link from "next/link";
import type { ReactNode } from "react";
import { errorCode, errorMessage } from "@/lib/trpc/errors";
import { FormError } from "./form-error";
import { Loading, NoAccess } from "./loading";
import { Breadcrumbs, type Crumb } from "./breadcrumbs";

/**
 * The page of one resource (an agent, a team) until it is there: no access for the role, loading, or
 * not found / failed with a link back to the list. Then `children` renders it.
 */
export function ResourcePage<T>({
  readable,
  noAccess,
  query,
  notFound,
  backHref,
  backLabel,
  children,
}: {
  readable: boolean;
  noAccess: string;
  query: { isPending: boolean; isError: boolean; error: unknown; data: T | undefined };
  notFound: string;
  backHref: string;
  backLabel: string;
  children: (resource: T) => ReactNode;
}) {
  if (!readable)
    return (
      <div className="grid gap-6">
        <NoAccess>{noAccess}</NoAccess>
      </div>
    );
  if (query.isPending)
    return (
      <div className="grid gap-6">
        <Loading />
      </div>
    );
  if (query.isError || !query.data) {
    return (
      <div className="grid gap-6">
        <FormError message={errorCode(query.error) === "NOT_FOUND" ? notFound : errorMessage(query.error)} />
        <Link href={backHref} className="text-sm underline underline-offset-4">
          {backLabel}
        </Link>
      </div>
    );
  }
  return children(query.data);
}

/** A resource page's header: breadcrumbs back to its list, its name, a line about it, and its actions. */
export function ResourceHeader({
  crumbs,
  title,
  actions,
  children,
}: {
  /** the way back, e.g. [{ label: "Teams", href }]: the title is added as the last crumb */
  crumbs: Crumb[];
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-4">
      <div className="grid min-w-0 gap-1">
        <Breadcrumbs items={[...crumbs, { label: title }]} />
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        <p className="text-sm text-muted-foreground">{children}</p>
      </div>
      {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
    </div>
  );
}
