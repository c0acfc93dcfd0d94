import Link from "next/link";
import { ChevronRightIcon } from "lucide-react";
import { cn } from "@/lib/cn";

export interface Crumb {
  label: string;
  /** the last crumb (the page itself) has none */
  href?: string;
}

/** Where a detail page sits: "Teams / Research brief". The last crumb is the page shown (aria-current). */
export function Breadcrumbs({ items, className }: { items: Crumb[]; className?: string }) {
  return (
    <nav aria-label="Breadcrumb" className={cn("text-sm text-muted-foreground", className)} data-testid="breadcrumbs">
      <ol className="flex flex-wrap items-center gap-1">
        {items.map((crumb, i) => {
          const last = i === items.length - 1;
          return (
            <li key={crumb.href ?? crumb.label} className="flex items-center gap-1">
              {crumb.href && !last ? (
                <Link href={crumb.href} className="hover:text-foreground hover:underline">
                  {crumb.label}
                </Link>
              ) : (
                <span aria-current={last ? "page" : undefined} className={cn(last && "text-foreground")}>
                  {crumb.label}
                </span>
              )}
              {last ? null : <ChevronRightIcon className="size-3.5" aria-hidden="true" />}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
