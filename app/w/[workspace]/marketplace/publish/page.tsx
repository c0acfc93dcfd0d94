import type { Metadata } from "next";
import { PublishPage } from "@/components/marketplace/publish-page";

export const metadata: Metadata = { title: "Publish · Marketplace" };

export default function Page() {
  return <PublishPage />;
}
