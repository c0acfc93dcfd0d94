import type { ComponentProps } from "react";
import { cn } from "@/lib/cn";

/** A pulsing placeholder of the shape of what is loading; hidden from screen readers (say "Loading" elsewhere). */
export function Skeleton({ className, ...props }: ComponentProps<"div">) {
  return <div data-slot="skeleton" aria-hidden="true" className={cn("animate-pulse rounded-md bg-muted", className)} {...props} />;
}
