import type { Metadata } from "next";
import { JudgeDetailPage } from "@/components/judges/judges-page";

export const metadata: Metadata = { title: "Judge" };

export default async function Page({ params }: { params: Promise<{ judge: string }> }) {
  const { judge } = await params;
  return <JudgeDetailPage judge={decodeURIComponent(judge)} />;
}
