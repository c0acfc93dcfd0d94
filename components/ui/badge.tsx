import { cva, type VariantProps } from "class-variance-authority";
import { Slot } from "radix-ui";
import type { ComponentProps, ReactNode } from "react";
import { cn } from "@/lib/cn";

export const badgeVariants = cva(
  "inline-flex w-fit shrink-0 items-center justify-center gap-1 overflow-hidden rounded-md border px-2 py-0.5 text-xs font-medium whitespace-nowrap transition-[color,box-shadow] focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 [&>svg]:pointer-events-none [&>svg]:size-3",
  {
    variants: {
      variant: {
        default: "border-transparent bg-primary text-primary-foreground [a&]:hover:bg-primary/90",
        secondary: "border-transparent bg-secondary text-secondary-foreground [a&]:hover:bg-secondary/90",
        success: "border-transparent bg-success text-success-foreground",
        warning: "border-transparent bg-warning text-warning-foreground",
        destructive: "border-transparent bg-destructive text-destructive-foreground [a&]:hover:bg-destructive/90",
        outline: "text-foreground [a&]:hover:bg-accent [a&]:hover:text-accent-foreground",
      },
    },
    defaultVariants: { variant: "default" },
  },
);

/** The tones of the badges written before components/ui had variants (kept for the pages that pass `tone`). */
export type BadgeTone = "neutral" | "accent" | "success" | "warning" | "danger" | "info";
type BadgeVariant = NonNullable<VariantProps<typeof badgeVariants>["variant"]>;
const TONE_VARIANTS: Record<BadgeTone, BadgeVariant> = {
  neutral: "secondary",
  accent: "default",
  success: "success",
  warning: "warning",
  danger: "destructive",
  info: "outline",
};

export function Badge({
  className,
  variant,
  tone,
  testId,
  asChild = false,
  ...props
}: ComponentProps<"span"> & VariantProps<typeof badgeVariants> & { tone?: BadgeTone; testId?: string; asChild?: boolean }) {
  const Comp = asChild ? Slot.Root : "span";
  return (
    <Comp
      data-slot="badge"
      data-testid={testId}
      className={cn(badgeVariants({ variant: variant ?? (tone ? TONE_VARIANTS[tone] : undefined) }), className)}
      {...props}
    />
  );
}

const ROLE_TONES: Record<string, BadgeTone> = { owner: "accent", admin: "info", member: "success", viewer: "neutral" };
const STATUS_TONES: Record<string, BadgeTone> = {
  active: "success",
  pending: "info",
  accepted: "success",
  revoked: "danger",
  expired: "warning",
};

export function RoleBadge({ role, testId }: { role: string; testId?: string }): ReactNode {
  return (
    <Badge tone={ROLE_TONES[role] ?? "neutral"} testId={testId}>
      {role}
    </Badge>
  );
}

export function StatusBadge({ status, testId }: { status: string; testId?: string }): ReactNode {
  return (
    <Badge tone={STATUS_TONES[status] ?? "neutral"} testId={testId}>
      {status}
    </Badge>
  );
}
