import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { CreateOrgForm } from "@/components/orgs/create-org-form";
import { Badge } from "@/components/ui/badge";
import { listMyOrganizations } from "@/server/orgs/service";
import { requireUser } from "../_lib/session";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Organisations" };

/** The organisations a person belongs to, and a new one. */
export default async function OrgsPage() {
  const user = await requireUser("/orgs");
  const orgs = await listMyOrganizations(user.id);
  return (
    <AuthCard
      title="Organisations"
      subtitle="Group workspaces under one policy, single sign-on and provisioning."
      footer={<Link href="/">← Back to your workspaces</Link>}
    >
      <section className="grid gap-2" aria-labelledby="orgs-mine">
        <h2 id="orgs-mine" className="text-lg font-semibold">
          Yours
        </h2>
        {orgs.length === 0 ? <p className="text-sm text-muted-foreground">You are not in an organisation yet.</p> : null}
        <ul className="grid gap-1">
          {orgs.map((o) => (
            <li key={o.id} className="flex items-center gap-2">
              <Link href={`/orgs/${o.slug}/settings`} data-testid={`org-link-${o.slug}`}>
                {o.name}
              </Link>
              <Badge>{o.role}</Badge>
            </li>
          ))}
        </ul>
      </section>
      <section className="grid gap-2" aria-labelledby="orgs-new">
        <h2 id="orgs-new" className="text-lg font-semibold">
          New organisation
        </h2>
        <CreateOrgForm />
      </section>
    </AuthCard>
  );
}
