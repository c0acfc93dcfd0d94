import Link from "next/link";
import { Button } from "@/components/ui/button";
import { AuthCard } from "@/components/auth/auth-card";

export default function NotFound() {
  return (
    <AuthCard title="Page not found" subtitle="There is nothing at this address.">
      <Button asChild className="w-full">
        <Link href="/">Go home</Link>
      </Button>
    </AuthCard>
  );
}
