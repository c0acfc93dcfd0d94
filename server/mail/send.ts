import nodemailer from "nodemailer";
import { env } from "@/server/env";
import { logger } from "@/server/logger";

/** Sends an email when SMTP_URL is configured; otherwise reports that nothing was sent. */
export async function sendMail(message: { to: string; subject: string; text: string }): Promise<boolean> {
  const url = env().SMTP_URL;
  if (!url) return false;
  try {
    const transport = nodemailer.createTransport(url);
    await transport.sendMail({ from: env().SMTP_FROM, ...message });
    return true;
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message }, to: message.to }, "sending email failed");
    return false;
  }
}
