import type { Metadata } from "next";
import type { ReactNode } from "react";
import Link from "next/link";
import { notFound } from "next/navigation";
import { OrgNav } from "@/components/orgs/org-nav";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { listMyOrganizations } from "@/server/orgs/service";
import { requireUser } from "../../_lib/session";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ org: string }> }): Promise<Metadata> {
  return { title: { template: `%s · ${(await params).org} · Cadre`, default: `${(await params).org} · Cadre` } };
}

/** An organisation's pages: only its members see them (others: 404, as for a workspace). */
export default async function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const { org: slug } = await params;
  const user = await requireUser(`/orgs/${slug}/settings`);
  const org = (await listMyOrganizations(user.id)).find((o) => o.slug === slug);
  if (!org) notFound();
  return (
    <div className="mx-auto grid max-w-6xl gap-6 px-6 py-8">
      <header className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <p className="text-sm text-muted-foreground">
            <Link href="/orgs">Organisations</Link> /
          </p>
          <h1 className="text-2xl font-semibold" data-testid="org-name">
            {org.name}
          </h1>
        </div>
        <div className="flex items-center gap-3 text-sm">
          <span className="text-muted-foreground">
            {user.email} · {org.role}
          </span>
          <SignOutButton />
        </div>
      </header>
      <OrgNav slug={slug} />
      {children}
    </div>
  );
}
