import type { ComponentProps, ReactNode } from "react";
import { cn } from "@/lib/cn";

interface TitledCardProps {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  testId?: string;
  /** a card of irreversible actions (archive, delete): a red border and title */
  tone?: "danger";
}

/**
 * A card. Compose it (CardHeader, CardTitle, CardDescription, CardAction, CardContent, CardFooter), or give it a
 * `title` (an h2), `description`, `actions` and `testId` for the common case: a titled section of a page.
 */
export function Card({ title, description, actions, testId, tone, className, children, ...props }: Omit<ComponentProps<"div">, "title"> & TitledCardProps) {
  if (title !== undefined || description !== undefined || actions !== undefined || testId !== undefined) {
    return (
      <section
        data-slot="card"
        className={cn(
          "rounded-xl border bg-card px-6 py-5 text-card-foreground shadow-xs",
          tone === "danger" && "border-destructive/40 [&_[data-slot=card-title]]:text-destructive",
          className,
        )}
        data-testid={testId}
      >
        {title || actions ? (
          <header className="mb-4 flex flex-wrap items-start justify-between gap-x-4 gap-y-3">
            <div className="grid gap-1">
              {title ? (
                <h2 data-slot="card-title" className="text-base leading-snug font-semibold">
                  {title}
                </h2>
              ) : null}
              {description ? <p className="text-sm text-muted-foreground">{description}</p> : null}
            </div>
            {actions ? <div className="flex flex-wrap items-center gap-2">{actions}</div> : null}
          </header>
        ) : null}
        {children}
      </section>
    );
  }
  return (
    <div data-slot="card" className={cn("flex flex-col gap-6 rounded-xl border bg-card py-6 text-card-foreground shadow-sm", className)} {...props}>
      {children}
    </div>
  );
}

export function CardHeader({ className, ...props }: ComponentProps<"div">) {
  return (
    <div
      data-slot="card-header"
      className={cn(
        "@container/card-header grid auto-rows-min grid-rows-[auto_auto] items-start gap-1.5 px-6 has-data-[slot=card-action]:grid-cols-[1fr_auto] [.border-b]:pb-6",
        className,
      )}
      {...props}
    />
  );
}

export function CardTitle({ className, ...props }: ComponentProps<"h2">) {
  return <h2 data-slot="card-title" className={cn("leading-none font-semibold", className)} {...props} />;
}

export function CardDescription({ className, ...props }: ComponentProps<"p">) {
  return <p data-slot="card-description" className={cn("text-sm text-muted-foreground", className)} {...props} />;
}

export function CardAction({ className, ...props }: ComponentProps<"div">) {
  return <div data-slot="card-action" className={cn("col-start-2 row-span-2 row-start-1 self-start justify-self-end", className)} {...props} />;
}

export function CardContent({ className, ...props }: ComponentProps<"div">) {
  return <div data-slot="card-content" className={cn("px-6", className)} {...props} />;
}

export function CardFooter({ className, ...props }: ComponentProps<"div">) {
  return <div data-slot="card-footer" className={cn("flex items-center px-6 [.border-t]:pt-6", className)} {...props} />;
}
