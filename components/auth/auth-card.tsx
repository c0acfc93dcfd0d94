import Link from "next/link";
import type { ReactNode } from "react";

/** The centred frame of the pages outside a workspace (sign-in, sign-up, new workspace, invitation). */
export function AuthCard({
  title,
  subtitle,
  children,
  footer,
  topRight,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  topRight?: ReactNode;
}) {
  return (
    <div className="flex min-h-screen flex-col items-center bg-muted/40 px-4 pt-5 pb-12 dark:bg-background">
      <div className="mb-12 flex w-full max-w-5xl flex-wrap items-center justify-between gap-3">
        <Link href="/" className="inline-flex items-center gap-2 text-[1.05rem] font-bold tracking-tight text-foreground hover:no-underline">
          <span
            className="inline-grid size-7 place-items-center rounded-md bg-linear-135 from-primary to-violet-600 text-sm font-extrabold text-white"
            aria-hidden="true"
          >
            C
          </span>
          Cadre
        </Link>
        {topRight}
      </div>
      <main className="grid w-full max-w-[440px] gap-4 rounded-xl border bg-card p-8 text-card-foreground shadow-sm">
        <div className="mb-2 grid gap-1.5">
          <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
          {subtitle ? <p className="text-muted-foreground">{subtitle}</p> : null}
        </div>
        {children}
      </main>
      {footer ? <div className="mt-5 text-sm">{footer}</div> : null}
    </div>
  );
}
