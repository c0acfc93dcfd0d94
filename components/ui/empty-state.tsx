import type { ComponentType, ReactNode } from "react";
import { cn } from "@/lib/cn";

/** What a list or page shows when it has nothing yet: an icon, a title, a line of text and the action that fills it. */
export function EmptyState({
  icon: Icon,
  title,
  text,
  action,
  className,
  testId,
}: {
  icon?: ComponentType<{ className?: string; "aria-hidden"?: boolean }>;
  title: ReactNode;
  text?: ReactNode;
  action?: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <div
      data-slot="empty-state"
      data-testid={testId}
      className={cn("flex flex-col items-center justify-center gap-3 rounded-lg border border-dashed p-8 text-center", className)}
    >
      {Icon ? (
        <div className="flex size-10 items-center justify-center rounded-full bg-muted text-muted-foreground">
          <Icon className="size-5" aria-hidden />
        </div>
      ) : null}
      <div className="grid gap-1">
        <p className="font-medium">{title}</p>
        {text ? <p className="max-w-prose text-sm text-muted-foreground">{text}</p> : null}
      </div>
      {action ? <div className="mt-1">{action}</div> : null}
    </div>
  );
}
