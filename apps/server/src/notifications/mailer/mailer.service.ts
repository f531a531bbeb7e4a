import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import type { MailDelivery } from '@app/api-types';

export interface OutgoingMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * The mail transport, chosen by configuration: SMTP (nodemailer, STARTTLS/TLS
 * and auth from SMTP_URL) in production; without SMTP_URL, each message is
 * written as an .eml file to MAIL_OUTBOX_DIR and its file logged with the number
 * of recipients (the embedded default).
 */
@Injectable()
export class MailerService implements OnModuleDestroy {
  private readonly logger = new Logger('Mailer');
  private transport: Transporter | undefined;
  private readonly outbox: boolean;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.outbox = !config.mail.smtpUrl;
  }

  /** How messages leave this server: over SMTP (SMTP_URL), or only as files in the outbox folder. */
  get delivery(): MailDelivery {
    return this.outbox ? 'outbox' : 'smtp';
  }

  /** Sends one message; resolves with its Message-ID and how it left, rejects with the transport's error. */
  async send(mail: OutgoingMail): Promise<{ messageId: string; delivery: MailDelivery }> {
    const transport = await this.getTransport();
    const info = await transport.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    if (this.outbox) {
      await mkdir(this.config.mail.outboxDir, { recursive: true });
      const file = join(this.config.mail.outboxDir, `${Date.now()}-${info.messageId.replace(/[^\w.-]/g, '_')}.eml`);
      await writeFile(file, info.message as Buffer);
      // Neither the addresses nor the subject (it quotes the key's description): logs hold no personal data.
      const recipients = `${mail.to.length} recipient${mail.to.length === 1 ? '' : 's'}`;
      this.logger.log(`Mail to ${recipients} written to ${file} (no SMTP_URL)`);
    }
    return { messageId: info.messageId, delivery: this.delivery };
  }

  /** Created on first use: most processes never send mail, and nodemailer need not sit in their memory. */
  private async getTransport(): Promise<Transporter> {
    if (!this.transport) {
      const { createTransport } = await import('nodemailer');
      this.transport = this.config.mail.smtpUrl
        ? createTransport(this.config.mail.smtpUrl, { from: this.config.mail.from })
        : createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: this.config.mail.from });
    }
    return this.transport;
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
