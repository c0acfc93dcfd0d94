import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";

export default function NotFound() {
  return (
    <AuthCard title="Page not found" subtitle="There is nothing at this address.">
      <Link href="/" className="btn btn-primary btn-block">
        Go home
      </Link>
    </AuthCard>
  );
}
