import type { Metadata } from "next";
import { ProvidersPage } from "@/components/models/providers-page";

export const metadata: Metadata = { title: "Providers" };

export default function Page() {
  return <ProvidersPage />;
}
