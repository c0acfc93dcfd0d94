import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { signInUrl } from "@/lib/callback-url";
import { currentUser } from "@/server/auth/config";
import { db, orgScope } from "@/server/db/client";
import { requireOrgAdmin, resolveOrgContext } from "@/server/orgs/context";
import { PageHeader } from "@/components/ui/page-header";
import { SsoSettings } from "@/components/orgs/sso-settings";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Single sign-on" };

export default async function Page({ params }: { params: Promise<{ org: string }> }) {
  const { org: slug } = await params;
  const user = await currentUser();
  if (!user) redirect(signInUrl(`/orgs/${slug}/settings/sso`));
  const ctx = await resolveOrgContext(user, slug).catch(() => notFound());
  try {
    requireOrgAdmin(ctx);
  } catch {
    notFound();
  }
  const workspaces = await db(orgScope(ctx.organizationId)).workspace.findMany({
    where: { organizationId: ctx.organizationId, deletedAt: null },
    select: { slug: true, name: true },
    orderBy: { name: "asc" },
  });
  return (
    <div className="mx-auto grid max-w-3xl gap-6 p-6">
      <PageHeader title="Single sign-on" description="Sign-in through your organisation's identity provider (OpenID Connect)." />
      <SsoSettings workspaces={workspaces} />
    </div>
  );
}
