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
    <div className="auth-page">
      <div className="auth-top">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            C
          </span>
          Cadre
        </Link>
        {topRight}
      </div>
      <main className="auth-card card">
        <h1 className="auth-title">{title}</h1>
        {subtitle ? <p className="auth-subtitle">{subtitle}</p> : null}
        {children}
      </main>
      {footer ? <div className="auth-footer">{footer}</div> : null}
    </div>
  );
}
