import type { ComponentProps, ReactNode } from "react";
import { cn } from "@/lib/cn";

interface LegacyCardProps {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  testId?: string;
}

/**
 * A card. Compose it (CardHeader, CardTitle, CardDescription, CardAction, CardContent, CardFooter); the pages written
 * before components/ui pass `title`/`description`/`actions`/`testId` instead and keep their markup (a <section> with
 * an h2), which legacy.css styles, until they move.
 */
export function Card({ title, description, actions, testId, className, children, ...props }: Omit<ComponentProps<"div">, "title"> & LegacyCardProps) {
  if (title !== undefined || description !== undefined || actions !== undefined || testId !== undefined) {
    return (
      <section className={`card${className ? ` ${className}` : ""}`} data-testid={testId}>
        {title || actions ? (
          <header className="card-header">
            <div>
              {title ? <h2 className="card-title">{title}</h2> : null}
              {description ? <p className="card-description">{description}</p> : null}
            </div>
            {actions ? <div className="card-actions">{actions}</div> : null}
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
